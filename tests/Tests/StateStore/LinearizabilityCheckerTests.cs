namespace OrleansAio.Tests.StateStore;

/// <summary>The checker itself: it accepts linearizable histories and rejects non-linearizable ones.</summary>
public sealed class LinearizabilityCheckerTests
{
    private static RegisterOperation Set(int client, string value, long call, long ret, bool applied = true, RegisterCondition condition = RegisterCondition.Always) =>
        new(client, "k", RegisterOperationKind.Set, condition, value, call, ret, true, Applied: applied);

    private static RegisterOperation Get(int client, string? value, long call, long ret) =>
        new(client, "k", RegisterOperationKind.Get, RegisterCondition.Always, null, call, ret, true, ReadValue: value);

    private static RegisterOperation Del(int client, int count, long call, long ret) =>
        new(client, "k", RegisterOperationKind.Delete, RegisterCondition.Always, null, call, ret, true, Count: count);

    private static RegisterOperation Unknown(RegisterOperation op) => op with { Return = long.MaxValue, OutcomeKnown = false };

    [Fact]
    public void AStaleReadIsNotLinearizable()
    {
        Assert.False(LinearizabilityChecker.IsLinearizable([Set(1, "1", 0, 10), Set(2, "2", 20, 30), Get(3, "1", 40, 50)]));
    }

    [Fact]
    public void AReadOfAValueNeverWrittenIsNotLinearizable()
    {
        Assert.False(LinearizabilityChecker.IsLinearizable([Set(1, "a", 0, 10), Get(2, "b", 20, 30)]));
    }

    [Fact]
    public void TwoAppliedSetIfNotSetWithoutADeleteAreNotLinearizable()
    {
        Assert.False(LinearizabilityChecker.IsLinearizable(
        [
            Set(1, "a", 0, 100, condition: RegisterCondition.NotSet),
            Set(2, "b", 5, 95, condition: RegisterCondition.NotSet),
        ]));
    }

    [Fact]
    public void ReadsThatGoBackInTimeAreNotLinearizableEvenWhenEachFitsAlone()
    {
        // The write overlaps both reads, but once a later read saw the old value after an earlier read saw the new one, no order fits.
        Assert.False(LinearizabilityChecker.IsLinearizable(
        [
            Set(1, "old", 0, 5),
            Set(2, "new", 10, 100),
            Get(3, "new", 20, 30),
            Get(4, "old", 40, 50),
        ]));
    }

    [Fact]
    public void OverlappingOperationsMayTakeEffectInEitherOrder()
    {
        Assert.True(LinearizabilityChecker.IsLinearizable(
        [
            Set(1, "a", 0, 100),
            Set(2, "b", 10, 90),
            Get(3, "a", 50, 60),
            Get(3, "a", 110, 120),
            Del(4, 1, 130, 140),
            Get(5, null, 150, 160),
        ]));
    }

    [Fact]
    public void ATimedOutOperationCountsAsEitherOutcome()
    {
        var lost = Unknown(Set(1, "x", 0, 0));
        Assert.True(LinearizabilityChecker.IsLinearizable([lost, Get(2, "x", 10, 20)]));
        Assert.True(LinearizabilityChecker.IsLinearizable([lost, Get(2, null, 10, 20)]));
        Assert.False(LinearizabilityChecker.IsLinearizable([lost, Get(2, "x", 10, 20), Get(3, null, 30, 40)]));
    }

    [Fact]
    public void KeysAreCheckedIndependently()
    {
        var history = new List<RegisterOperation>
        {
            Set(1, "a", 0, 10),
            Get(2, "a", 20, 30) with { Key = "other" },
        };
        Assert.Equal("other", LinearizabilityChecker.FindViolation(history));
        Assert.Null(LinearizabilityChecker.FindViolation([Set(1, "a", 0, 10), Get(2, "a", 20, 30)]));
    }
}

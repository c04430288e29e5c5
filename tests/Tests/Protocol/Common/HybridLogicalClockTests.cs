using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Tests.Protocol.Common;

public sealed class HybridLogicalClockTests
{
    private static readonly DateTimeOffset Epoch1700 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    [Fact]
    public void Encodes_fifteen_digit_milliseconds_five_digit_counter_and_node_id()
    {
        var clock = new HybridLogicalClock(timestamp: Epoch1700, counter: 7, nodeId: "node-a");

        Assert.Equal("001700000000000:00007:node-a", clock.EncodeToString());
    }

    [Fact]
    public void Encodes_the_wire_capture_example_exactly()
    {
        var decoded = HybridLogicalClock.DecodeFromString("__ts", "001795704729927:00000:84d68696-368e-4380-ba90-4da8e13fc82e");

        Assert.Equal(1_795_704_729_927, decoded.Timestamp.ToUnixTimeMilliseconds());
        Assert.Equal(0, decoded.Counter);
        Assert.Equal("84d68696-368e-4380-ba90-4da8e13fc82e", decoded.NodeId);
        Assert.Equal("001795704729927:00000:84d68696-368e-4380-ba90-4da8e13fc82e", decoded.EncodeToString());
    }

    [Fact]
    public void Counter_wider_than_five_digits_is_not_truncated()
    {
        var clock = new HybridLogicalClock(timestamp: Epoch1700, counter: 123456, nodeId: "n");

        Assert.Equal("001700000000000:123456:n", clock.EncodeToString());
    }

    [Theory]
    [InlineData("NotValid")]
    [InlineData("1:2")]
    [InlineData("1:2:3:4")]
    [InlineData("x:00000:node")]
    [InlineData("001700000000000:y:node")]
    [InlineData("001700000000000:00000:")]
    [InlineData("-1:00000:node")]
    [InlineData("")]
    public void Malformed_text_is_an_invalid_header_naming_the_property_and_value(string encoded)
    {
        var error = Assert.Throws<AioProtocolException>(() => HybridLogicalClock.DecodeFromString("__ts", encoded));

        Assert.Equal(AioErrorKind.HeaderInvalid, error.Kind);
        Assert.Equal("__ts", error.HeaderName);
        Assert.Equal(encoded, error.HeaderValue);
        Assert.False(error.IsRemote);
    }

    [Fact]
    public async Task Update_now_moves_to_wall_clock_and_resets_counter()
    {
        var time = new ManualTimeProvider(Epoch1700);
        var clock = new HybridLogicalClock(time, Epoch1700, counter: 5, nodeId: "me");
        time.Now = Epoch1700.AddMilliseconds(3.7);

        var encoded = await clock.UpdateNowAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("001700000000003:00000:me", encoded);
    }

    [Fact]
    public async Task Update_now_without_wall_clock_progress_increments_counter()
    {
        var time = new ManualTimeProvider(Epoch1700);
        var clock = new HybridLogicalClock(time, Epoch1700, counter: 5, nodeId: "me");

        Assert.Equal("001700000000000:00006:me", await clock.UpdateNowAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("001700000000000:00007:me", await clock.UpdateNowAsync(cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Update_with_other_follows_the_four_rules()
    {
        var time = new ManualTimeProvider(Epoch1700);
        var ct = TestContext.Current.CancellationToken;

        // Equal timestamps: max counter + 1.
        var clock = new HybridLogicalClock(time, Epoch1700, 3, "me");
        await clock.UpdateWithOtherAsync(new HybridLogicalClock(time, Epoch1700, 9, "other"), cancellationToken: ct);
        Assert.Equal((Epoch1700, 10), (clock.Timestamp, clock.Counter));

        // Local ahead: local counter + 1.
        clock = new HybridLogicalClock(time, Epoch1700.AddMilliseconds(5), 3, "me");
        await clock.UpdateWithOtherAsync(new HybridLogicalClock(time, Epoch1700, 9, "other"), cancellationToken: ct);
        Assert.Equal((Epoch1700.AddMilliseconds(5), 4), (clock.Timestamp, clock.Counter));

        // Other ahead: other counter + 1.
        clock = new HybridLogicalClock(time, Epoch1700, 3, "me");
        await clock.UpdateWithOtherAsync(new HybridLogicalClock(time, Epoch1700.AddMilliseconds(5), 9, "other"), cancellationToken: ct);
        Assert.Equal((Epoch1700.AddMilliseconds(5), 10), (clock.Timestamp, clock.Counter));

        // Wall clock ahead of both: wall clock, counter 0.
        time.Now = Epoch1700.AddSeconds(1);
        clock = new HybridLogicalClock(time, Epoch1700, 3, "me");
        await clock.UpdateWithOtherAsync(new HybridLogicalClock(time, Epoch1700.AddMilliseconds(5), 9, "other"), cancellationToken: ct);
        Assert.Equal((Epoch1700.AddSeconds(1), 0), (clock.Timestamp, clock.Counter));
    }

    [Fact]
    public async Task A_clock_never_updates_from_its_own_node_id()
    {
        var time = new ManualTimeProvider(Epoch1700);
        var clock = new HybridLogicalClock(time, Epoch1700, 3, "me");

        await clock.UpdateWithOtherAsync(new HybridLogicalClock(time, Epoch1700.AddMilliseconds(30), 9, "me"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((Epoch1700, 3), (clock.Timestamp, clock.Counter));
    }

    [Fact]
    public async Task Drift_beyond_the_limit_is_invalid_state_named_MaxClockDrift_and_leaves_the_clock_unchanged()
    {
        var time = new ManualTimeProvider(Epoch1700);
        var clock = new HybridLogicalClock(time, Epoch1700, 0, "me");
        var farAhead = new HybridLogicalClock(time, Epoch1700.AddMinutes(2), 0, "other");

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => clock.UpdateWithOtherAsync(farAhead, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));

        Assert.Equal(AioErrorKind.StateInvalid, error.Kind);
        Assert.Equal("MaxClockDrift", error.PropertyName);
        Assert.Equal((Epoch1700, 0), (clock.Timestamp, clock.Counter));
    }

    [Fact]
    public async Task Counter_overflow_is_an_internal_logic_error_named_Counter()
    {
        var time = new ManualTimeProvider(Epoch1700);
        var clock = new HybridLogicalClock(time, Epoch1700, int.MaxValue, "me");

        var error = await Assert.ThrowsAsync<AioProtocolException>(() => clock.UpdateNowAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(AioErrorKind.InternalLogicError, error.Kind);
        Assert.Equal("Counter", error.PropertyName);
    }

    [Fact]
    public void Orders_by_timestamp_then_counter_then_node_id()
    {
        var a = new HybridLogicalClock(timestamp: Epoch1700, counter: 1, nodeId: "b");
        var b = new HybridLogicalClock(timestamp: Epoch1700, counter: 2, nodeId: "a");
        var c = new HybridLogicalClock(timestamp: Epoch1700, counter: 2, nodeId: "b");
        var d = new HybridLogicalClock(timestamp: Epoch1700.AddMilliseconds(1), counter: 0, nodeId: "a");

        Assert.True(a.CompareTo(b) < 0);
        Assert.True(b.CompareTo(c) < 0);
        Assert.True(c.CompareTo(d) < 0);
        Assert.Equal(0, c.CompareTo(new HybridLogicalClock(c)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has:colon")]
    public void Node_id_must_be_non_empty_without_colons(string nodeId)
    {
        var error = Assert.Throws<AioProtocolException>(() => new HybridLogicalClock(nodeId: nodeId));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.Equal("NodeId", error.PropertyName);
    }

    [Fact]
    public async Task Concurrent_updates_never_repeat_a_stamp()
    {
        var time = new ManualTimeProvider(Epoch1700);
        var clock = new HybridLogicalClock(time, Epoch1700, 0, "me");

        var stamps = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => clock.UpdateNowAsync(cancellationToken: TestContext.Current.CancellationToken))));

        Assert.Equal(200, stamps.Distinct().Count());
        Assert.Equal(200, clock.Counter);
    }
}

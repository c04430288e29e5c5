using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Broker;

/// <summary>Assertions about deliveries to shared subscription groups.</summary>
internal static class GroupAssertions
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Asserts that the members of one group received every sent payload exactly once between them.</summary>
    public static async Task AssertGroupReceivedEachOnceAsync(IReadOnlyList<string> sent, params MqttTestClient[] members)
    {
        var expected = sent.ToHashSet(StringComparer.Ordinal);
        await MqttTestClient.WaitUntilAsync(
            () => members.SelectMany(m => m.Received).Count(expected.Contains) >= expected.Count,
            $"the group's members to receive {expected.Count} messages between them",
            Ct);
        var received = members.SelectMany(m => m.Received).Where(expected.Contains).ToList();

        Assert.Equal(expected.Count, received.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        for (var i = 0; i < members.Length; i++)
        {
            for (var j = i + 1; j < members.Length; j++)
            {
                var overlap = members[i].Received.Intersect(members[j].Received).Where(expected.Contains).ToList();
                Assert.True(overlap.Count == 0, $"{members[i].ClientId} and {members[j].ClientId} both received {string.Join(", ", overlap)}");
            }
        }
    }
}

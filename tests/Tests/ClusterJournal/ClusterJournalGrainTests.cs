using OrleansAio.GrainsInterfaces.ClusterJournal;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.ClusterJournal;

[Collection(ClusterCollection.Name)]
public sealed class ClusterJournalGrainTests(ClusterFixture fixture)
{
    private static SiloRunStart NewStart(string endpoint = "127.0.0.1:11111") =>
        new(Guid.NewGuid(), $"S{endpoint}:1", endpoint, "host-a", 42, DateTimeOffset.UnixEpoch.AddDays(1));

    [Fact]
    public async Task StartAndStopAreStoredAndSurviveDeactivation()
    {
        var journal = fixture.Client.GetGrain<IClusterJournalGrain>($"journal-{Guid.NewGuid():N}");
        var start = NewStart();
        var stoppedAt = start.StartedAt.AddMinutes(5);

        await journal.RecordStartAsync(start);
        Assert.True(await journal.RecordStopAsync(start.RunId, stoppedAt));
        await fixture.Cluster.DeactivateAsync(journal);

        var runs = await journal.GetRunsAsync();
        var run = Assert.Single(runs);
        Assert.Equal(start, run.Start);
        Assert.Equal(stoppedAt, run.StoppedAt);
    }

    [Fact]
    public async Task StopOfAnUnknownRunIsRefused()
    {
        var journal = fixture.Client.GetGrain<IClusterJournalGrain>($"journal-{Guid.NewGuid():N}");
        Assert.False(await journal.RecordStopAsync(Guid.NewGuid(), DateTimeOffset.UnixEpoch));
        Assert.Empty(await journal.GetRunsAsync());
    }

    [Fact]
    public async Task RecordingTheSameStartTwiceKeepsOneRecord()
    {
        var journal = fixture.Client.GetGrain<IClusterJournalGrain>($"journal-{Guid.NewGuid():N}");
        var start = NewStart();
        await journal.RecordStartAsync(start);
        await journal.RecordStartAsync(start);
        Assert.Single(await journal.GetRunsAsync());
    }

    [Fact]
    public async Task OnlyTheMostRecentRunsAreKept()
    {
        var journal = fixture.Client.GetGrain<IClusterJournalGrain>($"journal-{Guid.NewGuid():N}");
        var starts = Enumerable.Range(0, SiloRunRecord.MaxRunsKept + 3).Select(_ => NewStart()).ToArray();
        foreach (var start in starts)
        {
            await journal.RecordStartAsync(start);
        }

        await fixture.Cluster.DeactivateAsync(journal);
        var runs = await journal.GetRunsAsync();
        Assert.Equal(SiloRunRecord.MaxRunsKept, runs.Count);
        Assert.Equal(starts.Skip(3).Select(s => s.RunId), runs.Select(r => r.Start.RunId));
    }
}

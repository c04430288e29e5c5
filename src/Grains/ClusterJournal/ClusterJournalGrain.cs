using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansAio.GrainsInterfaces.ClusterJournal;

namespace OrleansAio.Grains.ClusterJournal;

/// <summary>The persisted state of <see cref="ClusterJournalGrain"/>.</summary>
[GenerateSerializer]
public sealed class ClusterJournalState
{
    /// <summary>The recorded runs, oldest first.</summary>
    [Id(0)]
    public List<SiloRunRecord> Runs { get; set; } = [];
}

/// <summary>
/// Keeps the journal of silo runs of one cluster in grain storage; every change is written before the call returns.
/// </summary>
/// <param name="state">The persisted journal.</param>
/// <param name="logger">Logs runs that ended without a clean stop.</param>
public sealed partial class ClusterJournalGrain(
    [PersistentState("journal")] IPersistentState<ClusterJournalState> state,
    ILogger<ClusterJournalGrain> logger) : Grain, IClusterJournalGrain
{
    /// <inheritdoc />
    public async Task<SiloRunRecord> RecordStartAsync(SiloRunStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var existing = state.State.Runs.FindIndex(r => r.Start.RunId == start.RunId);
        if (existing >= 0)
        {
            return state.State.Runs[existing];
        }

        // An earlier run of the same silo (same host and endpoint) that never recorded a stop ended uncleanly (crash, kill -9).
        foreach (var run in state.State.Runs.Where(r =>
                     r.StoppedAt is null && r.Start.HostName == start.HostName && r.Start.SiloEndpoint == start.SiloEndpoint))
        {
            LogUncleanEnd(run.Start.RunId, run.Start.SiloAddress, run.Start.StartedAt);
        }

        var record = new SiloRunRecord(start, null);
        state.State.Runs.Add(record);
        if (state.State.Runs.Count > SiloRunRecord.MaxRunsKept)
        {
            state.State.Runs.RemoveRange(0, state.State.Runs.Count - SiloRunRecord.MaxRunsKept);
        }

        await state.WriteStateAsync();
        return record;
    }

    /// <inheritdoc />
    public async Task<bool> RecordStopAsync(Guid runId, DateTimeOffset stoppedAt)
    {
        var index = state.State.Runs.FindIndex(r => r.Start.RunId == runId);
        if (index < 0)
        {
            return false;
        }

        state.State.Runs[index] = state.State.Runs[index] with { StoppedAt = stoppedAt };
        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SiloRunRecord>> GetRunsAsync() =>
        Task.FromResult<IReadOnlyList<SiloRunRecord>>(state.State.Runs.ToArray());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo run {RunId} at {SiloAddress}, started {StartedAt}, ended without a clean stop")]
    private partial void LogUncleanEnd(Guid runId, string siloAddress, DateTimeOffset startedAt);
}

namespace OrleansAio.GrainsInterfaces.ClusterJournal;

/// <summary>
/// The durable journal of silo runs in one cluster: every silo records its start and its clean stop, so an operator (and the
/// next start) can tell which runs ended without a clean shutdown. Keyed by the Orleans cluster id.
/// </summary>
/// <remarks>The journal keeps the most recent <see cref="SiloRunRecord.MaxRunsKept"/> runs; older ones are dropped.</remarks>
public interface IClusterJournalGrain : IGrainWithStringKey
{
    /// <summary>Records that a silo run started and returns the record as stored.</summary>
    /// <param name="start">Who started, where and when.</param>
    /// <returns>The stored record.</returns>
    Task<SiloRunRecord> RecordStartAsync(SiloRunStart start);

    /// <summary>Records the clean stop of a run started earlier.</summary>
    /// <param name="runId">The run's id, as given in <see cref="SiloRunStart.RunId"/>.</param>
    /// <param name="stoppedAt">When the run stopped.</param>
    /// <returns><see langword="true"/> when the run was known and is now marked stopped; <see langword="false"/> for an unknown run.</returns>
    Task<bool> RecordStopAsync(Guid runId, DateTimeOffset stoppedAt);

    /// <summary>Returns the recorded runs, oldest first.</summary>
    /// <returns>The runs.</returns>
    Task<IReadOnlyList<SiloRunRecord>> GetRunsAsync();
}

/// <summary>What a silo reports when it starts.</summary>
/// <param name="RunId">A new id for this run of the silo.</param>
/// <param name="SiloAddress">The silo's Orleans address (endpoint and generation).</param>
/// <param name="SiloEndpoint">The silo's endpoint (<c>ip:port</c>), the same across restarts of the same silo.</param>
/// <param name="HostName">The machine the silo runs on.</param>
/// <param name="ProcessId">The operating-system process id.</param>
/// <param name="StartedAt">When the silo finished starting.</param>
/// <param name="MqttClientId">
/// The MQTT client id of the silo's shared session, so that a survivor can take over the session when this silo dies;
/// <see langword="null"/> in records written before the field existed.
/// </param>
[GenerateSerializer, Immutable]
public sealed record SiloRunStart(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string SiloAddress,
    [property: Id(2)] string SiloEndpoint,
    [property: Id(3)] string HostName,
    [property: Id(4)] int ProcessId,
    [property: Id(5)] DateTimeOffset StartedAt,
    [property: Id(6)] string? MqttClientId = null);

/// <summary>One silo run as the journal stores it.</summary>
/// <param name="Start">What the silo reported when it started.</param>
/// <param name="StoppedAt">When it stopped cleanly; <see langword="null"/> while running or after an unclean end.</param>
[GenerateSerializer, Immutable]
public sealed record SiloRunRecord(
    [property: Id(0)] SiloRunStart Start,
    [property: Id(1)] DateTimeOffset? StoppedAt)
{
    /// <summary>How many runs the journal keeps.</summary>
    public const int MaxRunsKept = 100;
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansAio.GrainsInterfaces.ClusterJournal;
using OrleansAio.Protocol.Mqtt;

namespace OrleansAio.Silo.ClusterJournal;

/// <summary>
/// Records this silo's run in the cluster journal: the start once the silo is active, the clean stop when the silo begins to
/// shut down (while grain calls still work). A run without a recorded stop is one that crashed or was killed.
/// </summary>
/// <remarks>A participant in the silo lifecycle at <see cref="ServiceLifecycleStage.Active"/>, the first stage to stop.</remarks>
/// <param name="grainFactory">Reaches the journal grain.</param>
/// <param name="localSiloDetails">This silo's address.</param>
/// <param name="clusterOptions">The cluster id that keys the journal.</param>
/// <param name="timeProvider">The clock.</param>
/// <param name="logger">Logger.</param>
/// <param name="mqttClient">The silo's shared MQTT session, whose client id the run records (for the failover takeover).</param>
public sealed partial class ClusterJournalRecorder(
    IGrainFactory grainFactory,
    ILocalSiloDetails localSiloDetails,
    IOptions<ClusterOptions> clusterOptions,
    TimeProvider timeProvider,
    ILogger<ClusterJournalRecorder> logger,
    IMqttPubSubClient? mqttClient = null) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly Guid runId = Guid.NewGuid();

    /// <summary>This run's id in the journal.</summary>
    public Guid RunId => runId;

    private IClusterJournalGrain Journal => grainFactory.GetGrain<IClusterJournalGrain>(clusterOptions.Value.ClusterId);

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(ClusterJournalRecorder), ServiceLifecycleStage.Active, RecordStartAsync, RecordStopAsync);
    }

    private async Task RecordStartAsync(CancellationToken cancellationToken)
    {
        var address = localSiloDetails.SiloAddress;
        var start = new SiloRunStart(
            runId,
            address.ToString(),
            address.Endpoint.ToString(),
            Environment.MachineName,
            Environment.ProcessId,
            timeProvider.GetUtcNow(),
            mqttClient?.ClientId);
        await Journal.RecordStartAsync(start).WaitAsync(cancellationToken);
        LogRecorded(runId, clusterOptions.Value.ClusterId);
    }

    private async Task RecordStopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Journal.RecordStopAsync(runId, timeProvider.GetUtcNow()).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or OrleansException)
        {
            // The journal then shows this run as unclean, which is the truth as far as anyone can tell.
            LogStopNotRecorded(ex, runId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo run {RunId} recorded in the journal of cluster {ClusterId}")]
    private partial void LogRecorded(Guid runId, string clusterId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The clean stop of silo run {RunId} could not be recorded")]
    private partial void LogStopNotRecorded(Exception exception, Guid runId);
}

using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansAio.Client.DeviceRegistry;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Telemetry;
using OrleansAio.Silo.Rpc;
using OrleansAio.Silo.Security;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Silo.DeviceRegistry;

/// <summary>
/// The silo's ADR wire endpoint (services.md 4): loads the start-up definition files, then serves the ADR commands (and the
/// orleans-aio list extension) and receives the connectors' runtime-health events, all in the shared-subscription group
/// <see cref="DeviceRegistryOptions.ServiceGroupId"/> so each request is served once in the cluster; and, as the grains'
/// <see cref="IDeviceRegistryNotificationSink"/>, publishes <c>deviceUpdateEvent</c> and <c>assetUpdateEvent</c>.
/// </summary>
/// <remarks>
/// A lifecycle participant at <see cref="ServiceLifecycleStage.Active"/>, like the state-store endpoint: it subscribes once grains
/// can be called and unsubscribes first on stop. A bad definition file fails the start with a <c>SiloStartupException</c>
/// naming <c>DeviceRegistry:DefinitionFiles:{i}</c>, the file and the field.
/// </remarks>
public sealed partial class DeviceRegistryEndpoint(
    IGrainFactory grainFactory,
    IMqttPubSubClient mqttClient,
    ApplicationContext context,
    IOptions<DeviceRegistryOptions> options,
    ILoggerFactory loggerFactory,
    RegistryAuthorizer? authorizer = null) : ILifecycleParticipant<ISiloLifecycle>, IDeviceRegistryNotificationSink, IAsyncDisposable
{
    /// <summary>The key the endpoint uses for the <see cref="G.IDeviceRegistryGrain"/> stateless worker.</summary>
    public const string RegistryGrainKey = "default";

    private static readonly string[] HealthEvents =
    [
        DeviceRegistryTopics.DeviceEndpointRuntimeHealthEvent,
        DeviceRegistryTopics.DatasetRuntimeHealthEvent,
        DeviceRegistryTopics.EventRuntimeHealthEvent,
        DeviceRegistryTopics.StreamRuntimeHealthEvent,
        DeviceRegistryTopics.ManagementActionRuntimeHealthEvent,
    ];

    private readonly ILogger logger = loggerFactory.CreateLogger<DeviceRegistryEndpoint>();
    private readonly List<CommandExecutor<byte[], byte[]>> executors = [];
    private readonly List<TelemetryReceiver<byte[]>> receivers = [];
    private TelemetrySender<DeviceUpdateEventTelemetry>? deviceEvents;
    private TelemetrySender<AssetUpdateEventTelemetry>? assetEvents;
    private DeviceRegistryCommands? commands;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(DeviceRegistryEndpoint), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    /// <inheritdoc />
    public Task PublishDeviceUpdateAsync(G.UpdateSubscription subscription, G.Device device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(device);
        var sender = deviceEvents ??= new TelemetrySender<DeviceUpdateEventTelemetry>(context, mqttClient, DeviceRegistryJson.Serializer, loggerFactory)
        {
            TopicPattern = DeviceRegistryTopics.TelemetryTopic(DeviceRegistryTopics.DeviceUpdateEvent),
        };
        var telemetry = new DeviceUpdateEventTelemetry
        {
            DeviceUpdateEvent = new() { DeviceName = subscription.DeviceName, Device = DeviceRegistryMapping.Convert<Device>(device) },
        };
        return sender.SendTelemetryAsync(telemetry, Tokens(subscription), cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public Task PublishAssetUpdateAsync(G.UpdateSubscription subscription, string assetName, G.Asset asset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(asset);
        var sender = assetEvents ??= new TelemetrySender<AssetUpdateEventTelemetry>(context, mqttClient, DeviceRegistryJson.Serializer, loggerFactory)
        {
            TopicPattern = DeviceRegistryTopics.TelemetryTopic(DeviceRegistryTopics.AssetUpdateEvent),
        };
        var telemetry = new AssetUpdateEventTelemetry
        {
            AssetUpdateEvent = new() { AssetName = assetName, Asset = DeviceRegistryMapping.Convert<Asset>(asset) },
        };
        return sender.SendTelemetryAsync(telemetry, Tokens(subscription), cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var executor in executors)
        {
            await executor.DisposeAsync();
        }

        foreach (var receiver in receivers)
        {
            await receiver.DisposeAsync();
        }

        executors.Clear();
        receivers.Clear();
        if (deviceEvents is not null)
        {
            await deviceEvents.DisposeAsync();
        }

        if (assetEvents is not null)
        {
            await assetEvents.DisposeAsync();
        }
    }

    private static Dictionary<string, string> Tokens(G.UpdateSubscription subscription) => new()
    {
        [DeviceRegistryTopics.ConnectorClientIdToken] = subscription.ConnectorClientId,
        [DeviceRegistryTopics.DeviceNameToken] = subscription.DeviceName,
        [DeviceRegistryTopics.InboundEndpointNameToken] = subscription.InboundEndpointName,
    };

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var loaded = await new DefinitionFileLoader(grainFactory, loggerFactory.CreateLogger<DefinitionFileLoader>())
            .LoadAsync(settings.DefinitionFiles, cancellationToken);
        commands = new DeviceRegistryCommands(grainFactory, settings, context.TimeProvider, logger);
        foreach (var command in DeviceRegistryCommands.BaseCommands)
        {
            executors.Add(CreateExecutor(command, DeviceRegistryTopics.CommandTopic(command), settings));
        }

        executors.Add(CreateExecutor(DeviceRegistryTopics.CreateOrUpdateDiscoveredDevice, DeviceRegistryTopics.DiscoveryTopic, settings));
        executors.Add(CreateExecutor(DeviceRegistryTopics.ListDevices, DeviceRegistryTopics.ExtensionTopic(DeviceRegistryTopics.ListDevices), settings));
        executors.Add(CreateExecutor(DeviceRegistryTopics.ListAssets, DeviceRegistryTopics.ExtensionTopic(DeviceRegistryTopics.ListAssets), settings));
        foreach (var eventName in HealthEvents)
        {
            receivers.Add(new TelemetryReceiver<byte[]>(context, mqttClient, JsonBytesSerializer.Instance, loggerFactory)
            {
                TopicPattern = DeviceRegistryTopics.TelemetryTopic(eventName),
                ServiceGroupId = settings.ServiceGroupId,
                OnTelemetryReceived = (_, payload, metadata) => OnHealthAsync(eventName, payload, metadata, settings),
            });
        }

        foreach (var executor in executors)
        {
            await executor.StartAsync(cancellationToken: cancellationToken);
        }

        foreach (var receiver in receivers)
        {
            await receiver.StartAsync(cancellationToken);
        }

        LogStarted(executors.Count, receivers.Count, settings.ServiceGroupId, loaded.Devices, loaded.Assets, settings.DefinitionFiles.Count);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var executor in executors)
        {
            try
            {
                await executor.StopAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException)
            {
                LogStopFailed(ex);
            }
        }

        foreach (var receiver in receivers)
        {
            try
            {
                await receiver.StopAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException)
            {
                LogStopFailed(ex);
            }
        }
    }

    private CommandExecutor<byte[], byte[]> CreateExecutor(string command, string topic, DeviceRegistryOptions settings) =>
        new(context, mqttClient, command, JsonBytesSerializer.Instance, loggerFactory)
        {
            RequestTopicPattern = topic,
            ServiceGroupId = settings.ServiceGroupId,
            ResponseCache = new GrainCommandResponseCache(grainFactory, $"adr-{command}", context.TimeProvider, logger),
            OnCommandReceived = async (request, _) =>
            {
                if (DeviceRegistryCommands.WriteCommands.Contains(command)
                    && authorizer?.MayWrite(o => o.DeviceRegistry, "Device registry", request.RequestMetadata.InvokerClientId) == false)
                {
                    return ExtendedResponse<byte[]>.CreateFromResponse(commands!.NotAuthorized(command));
                }

                var response = await commands!.HandleAsync(command, request.RequestMetadata.TopicTokens, request.Request);
                DeviceRegistryDiagnostics.Requests.Add(1, new KeyValuePair<string, object?>("rpc.method", command));
                return ExtendedResponse<byte[]>.CreateFromResponse(response);
            },
        };

    private async Task OnHealthAsync(string eventName, byte[]? payload, IncomingTelemetryMetadata metadata, DeviceRegistryOptions settings)
    {
        if (payload is null || payload.Length == 0 || payload.Length > settings.MaxPayloadBytes)
        {
            DeviceRegistryDiagnostics.HealthReports.Add(1, new KeyValuePair<string, object?>("outcome", "dropped"));
            LogHealthDropped(eventName, metadata.Topic, $"the payload is {payload?.Length ?? 0} bytes (limit {settings.MaxPayloadBytes})");
            return;
        }

        metadata.TopicTokens.TryGetValue(DeviceRegistryTopics.DeviceNameToken, out var deviceName);
        metadata.TopicTokens.TryGetValue(DeviceRegistryTopics.InboundEndpointNameToken, out var endpointName);
        try
        {
            var problem = eventName switch
            {
                DeviceRegistryTopics.DeviceEndpointRuntimeHealthEvent => await ReportAsync<DeviceEndpointRuntimeHealthEventTelemetry, bool>(payload, async t =>
                    await grainFactory.GetGrain<G.IDeviceGrain>(string.IsNullOrEmpty(deviceName) ? "-" : deviceName).ReportEndpointHealthAsync(
                        endpointName ?? string.Empty, DeviceRegistryMapping.Convert<G.RuntimeHealth>(t.DeviceEndpointRuntimeHealthEvent.RuntimeHealth))),
                DeviceRegistryTopics.DatasetRuntimeHealthEvent => await ReportAsync<DatasetRuntimeHealthEventTelemetry, int>(payload, async t =>
                    await Asset(t.DatasetRuntimeHealthEvent.AssetName).ReportDatasetHealthAsync(
                        DeviceRegistryMapping.Convert<List<G.DatasetRuntimeHealth>>(t.DatasetRuntimeHealthEvent.Datasets))),
                DeviceRegistryTopics.EventRuntimeHealthEvent => await ReportAsync<EventRuntimeHealthEventTelemetry, int>(payload, async t =>
                    await Asset(t.EventRuntimeHealthEvent.AssetName).ReportEventHealthAsync(
                        DeviceRegistryMapping.Convert<List<G.EventRuntimeHealth>>(t.EventRuntimeHealthEvent.Events))),
                DeviceRegistryTopics.StreamRuntimeHealthEvent => await ReportAsync<StreamRuntimeHealthEventTelemetry, int>(payload, async t =>
                    await Asset(t.StreamRuntimeHealthEvent.AssetName).ReportStreamHealthAsync(
                        DeviceRegistryMapping.Convert<List<G.StreamRuntimeHealth>>(t.StreamRuntimeHealthEvent.Streams))),
                _ => await ReportAsync<ManagementActionRuntimeHealthEventTelemetry, int>(payload, async t =>
                    await Asset(t.ManagementActionRuntimeHealthEvent.AssetName).ReportManagementActionHealthAsync(
                        DeviceRegistryMapping.Convert<List<G.ManagementActionRuntimeHealth>>(t.ManagementActionRuntimeHealthEvent.ManagementActions))),
            };
            if (problem is not null)
            {
                DeviceRegistryDiagnostics.HealthReports.Add(1, new KeyValuePair<string, object?>("outcome", "dropped"));
                LogHealthDropped(eventName, metadata.Topic, problem);
            }
        }
        catch (JsonException ex)
        {
            var (path, problem, _) = DeviceRegistryJson.DescribeError(ex);
            DeviceRegistryDiagnostics.HealthReports.Add(1, new KeyValuePair<string, object?>("outcome", "dropped"));
            LogHealthDropped(eventName, metadata.Topic, path is null ? problem : $"{problem} at '{path}'");
        }
    }

    private G.IAssetGrain Asset(string assetName) => grainFactory.GetGrain<G.IAssetGrain>(string.IsNullOrEmpty(assetName) ? "-" : assetName);

    // Returns the reason a report was dropped, or null when it was accepted.
    private static async Task<string?> ReportAsync<TTelemetry, TResult>(byte[] payload, Func<TTelemetry, Task<G.DeviceRegistryResult<TResult>>> report)
        where TTelemetry : class
    {
        var telemetry = JsonSerializer.Deserialize<TTelemetry>(payload, DeviceRegistryJson.Options);
        if (telemetry is null)
        {
            return "the payload is JSON null";
        }

        var result = await report(telemetry);
        return result.Error?.Message;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device registry serving {Commands} commands and {Receivers} health events in group '{Group}' ({Devices} devices and {Assets} assets from {Files} definition files)")]
    private partial void LogStarted(int commands, int receivers, string group, int devices, int assets, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping a device registry envoy failed")]
    private partial void LogStopFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runtime health event {EventName} on '{Topic}' dropped: {Reason}")]
    private partial void LogHealthDropped(string eventName, string topic, string reason);
}

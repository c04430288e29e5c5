using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>
/// A client of any AIO-compatible Azure Device Registry (ADR) service over MQTT (services.md 4): the connector-side commands on
/// <c>akri/connector/resources/{connectorClientId}/{deviceName}/{inboundEndpointName}/{command}</c>, the discovery command,
/// device and asset update events, and runtime-health reports. Method names follow the public AIO SDK's
/// <c>AzureDeviceRegistryClient</c>; the connector client id is the MQTT session's client id.
/// </summary>
/// <remarks>
/// A service error (the response's <c>{command}Error</c> object) raises <see cref="AkriServiceErrorException"/>; transport and
/// protocol failures raise <see cref="AioProtocolException"/>. Unlike the SDK there is no built-in retry: every call is one request.
/// Update events start arriving after <see cref="SetNotificationPreferenceForDeviceUpdatesAsync"/> or
/// <see cref="SetNotificationPreferenceForAssetUpdatesAsync"/> with <see cref="NotificationPreference.On"/>; the receiver is
/// subscribed before the request is sent, so no event that follows the reply is missed. <see cref="ListDevicesAsync"/> and
/// <see cref="ListAssetsAsync"/> are orleans-aio extensions that only an orleans-aio silo answers.
/// </remarks>
public sealed partial class AzureDeviceRegistryClient : IDeviceRegistryClient
{
    private readonly ApplicationContext context;
    private readonly IMqttPubSubClient mqttClient;
    private readonly ILoggerFactory? loggerFactory;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, IAsyncDisposable> invokers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IAsyncDisposable> senders = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim receiverGate = new(1, 1);
    private TelemetryReceiver<DeviceUpdateEventTelemetry>? deviceReceiver;
    private TelemetryReceiver<AssetUpdateEventTelemetry>? assetReceiver;
    private bool disposed;

    /// <summary>Creates a client.</summary>
    /// <param name="context">The application context (clock and time).</param>
    /// <param name="mqttClient">An MQTT 5 session with a client id (the connector client id on every topic).</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public AzureDeviceRegistryClient(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        this.context = context;
        this.mqttClient = mqttClient;
        this.loggerFactory = loggerFactory;
        logger = (ILogger?)loggerFactory?.CreateLogger<AzureDeviceRegistryClient>() ?? NullLogger.Instance;
    }

    /// <summary>Raised for each <c>deviceUpdateEvent</c>: device name, inbound endpoint name, device.</summary>
    public event Func<string, string, Device, Task>? OnReceiveDeviceUpdateEventTelemetry;

    /// <summary>Raised for each <c>assetUpdateEvent</c>: asset name, asset.</summary>
    public event Func<string, Asset, Task>? OnReceiveAssetUpdateEventTelemetry;

    /// <summary>Reads a device with only the named inbound endpoint (<c>getDevice</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The device.</returns>
    /// <exception cref="AkriServiceErrorException">The service refused (<see cref="AkriServiceErrorCode.KubeError"/> for an unknown device).</exception>
    public async Task<Device> GetDeviceAsync(
        string deviceName, string inboundEndpointName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync<object, GetDeviceResponsePayload>(
            DeviceRegistryTopics.GetDevice, deviceName, inboundEndpointName, null, commandTimeout, cancellationToken).ConfigureAwait(false);
        return Unwrap(DeviceRegistryTopics.GetDevice, response?.Device, response?.GetDeviceError);
    }

    /// <summary>Reads a device's status (<c>getDeviceStatus</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status (empty when none was reported).</returns>
    public async Task<DeviceStatus> GetDeviceStatusAsync(
        string deviceName, string inboundEndpointName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync<object, GetDeviceStatusResponsePayload>(
            DeviceRegistryTopics.GetDeviceStatus, deviceName, inboundEndpointName, null, commandTimeout, cancellationToken).ConfigureAwait(false);
        return Unwrap(DeviceRegistryTopics.GetDeviceStatus, response?.DeviceStatus, response?.GetDeviceStatusError);
    }

    /// <summary>Replaces a device's status (<c>updateDeviceStatus</c>); the named endpoint's entry is added or replaced.</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="status">The new status; omitted fields are removed.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status now stored.</returns>
    public async Task<DeviceStatus> UpdateDeviceStatusAsync(
        string deviceName, string inboundEndpointName, DeviceStatus status, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        var response = await InvokeAsync<UpdateDeviceStatusRequestPayload, UpdateDeviceStatusResponsePayload>(
            DeviceRegistryTopics.UpdateDeviceStatus, deviceName, inboundEndpointName, new() { DeviceStatusUpdate = status }, commandTimeout, cancellationToken)
            .ConfigureAwait(false);
        return Unwrap(DeviceRegistryTopics.UpdateDeviceStatus, response?.UpdatedDeviceStatus, response?.UpdateDeviceStatusError);
    }

    /// <summary>Reads an asset (<c>getAsset</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The asset.</returns>
    public async Task<Asset> GetAssetAsync(
        string deviceName, string inboundEndpointName, string assetName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync<AssetNameRequestPayload, GetAssetResponsePayload>(
            DeviceRegistryTopics.GetAsset, deviceName, inboundEndpointName, new() { AssetName = assetName }, commandTimeout, cancellationToken).ConfigureAwait(false);
        return Unwrap(DeviceRegistryTopics.GetAsset, response?.Asset, response?.GetAssetError);
    }

    /// <summary>Reads an asset's status (<c>getAssetStatus</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status (empty when none was reported).</returns>
    public async Task<AssetStatus> GetAssetStatusAsync(
        string deviceName, string inboundEndpointName, string assetName, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync<AssetNameRequestPayload, GetAssetStatusResponsePayload>(
            DeviceRegistryTopics.GetAssetStatus, deviceName, inboundEndpointName, new() { AssetName = assetName }, commandTimeout, cancellationToken)
            .ConfigureAwait(false);
        return Unwrap(DeviceRegistryTopics.GetAssetStatus, response?.AssetStatus, response?.GetAssetStatusError);
    }

    /// <summary>Replaces an asset's status (<c>updateAssetStatus</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="request">The asset's name and its new status; omitted fields are removed.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status now stored.</returns>
    public async Task<AssetStatus> UpdateAssetStatusAsync(
        string deviceName, string inboundEndpointName, UpdateAssetStatusRequest request, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await InvokeAsync<UpdateAssetStatusRequestPayload, UpdateAssetStatusResponsePayload>(
            DeviceRegistryTopics.UpdateAssetStatus, deviceName, inboundEndpointName, new() { AssetStatusUpdate = request }, commandTimeout, cancellationToken)
            .ConfigureAwait(false);
        return Unwrap(DeviceRegistryTopics.UpdateAssetStatus, response?.UpdatedAssetStatus, response?.UpdateAssetStatusError);
    }

    /// <summary>Turns <c>deviceUpdateEvent</c>s for a device endpoint on or off (<c>setNotificationPreferenceForDeviceUpdates</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="notificationPreference">On or Off.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The service's acknowledgement.</returns>
    public async Task<SetNotificationPreferenceForDeviceUpdatesResponsePayload> SetNotificationPreferenceForDeviceUpdatesAsync(
        string deviceName, string inboundEndpointName, NotificationPreference notificationPreference, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        if (notificationPreference == NotificationPreference.On)
        {
            await EnsureDeviceReceiverAsync(cancellationToken).ConfigureAwait(false);
        }

        var response = await InvokeAsync<SetNotificationPreferenceForDeviceUpdatesRequestPayload, SetNotificationPreferenceForDeviceUpdatesResponsePayload>(
            DeviceRegistryTopics.SetNotificationPreferenceForDeviceUpdates, deviceName, inboundEndpointName,
            new() { NotificationPreferenceRequest = notificationPreference }, commandTimeout, cancellationToken).ConfigureAwait(false);
        Unwrap(DeviceRegistryTopics.SetNotificationPreferenceForDeviceUpdates, response, response?.SetNotificationPreferenceForDeviceUpdatesError);
        return response!;
    }

    /// <summary>Turns <c>assetUpdateEvent</c>s for an asset on or off (<c>setNotificationPreferenceForAssetUpdates</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="notificationPreference">On or Off.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The service's acknowledgement.</returns>
    public async Task<SetNotificationPreferenceForAssetUpdatesResponsePayload> SetNotificationPreferenceForAssetUpdatesAsync(
        string deviceName, string inboundEndpointName, string assetName, NotificationPreference notificationPreference,
        TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        if (notificationPreference == NotificationPreference.On)
        {
            await EnsureAssetReceiverAsync(cancellationToken).ConfigureAwait(false);
        }

        var response = await InvokeAsync<SetNotificationPreferenceForAssetUpdatesRequestPayload, SetNotificationPreferenceForAssetUpdatesResponsePayload>(
            DeviceRegistryTopics.SetNotificationPreferenceForAssetUpdates, deviceName, inboundEndpointName,
            new() { NotificationPreferenceRequest = new() { AssetName = assetName, NotificationPreference = notificationPreference } },
            commandTimeout, cancellationToken).ConfigureAwait(false);
        Unwrap(DeviceRegistryTopics.SetNotificationPreferenceForAssetUpdates, response, response?.SetNotificationPreferenceForAssetUpdatesError);
        return response!;
    }

    /// <summary>Reports an asset found by the connector (<c>createOrUpdateDiscoveredAsset</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="request">The discovered asset's name and definition.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The discovery id and version.</returns>
    public async Task<DiscoveryResponse> CreateOrUpdateDiscoveredAssetAsync(
        string deviceName, string inboundEndpointName, CreateOrUpdateDiscoveredAssetRequest request, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await InvokeAsync<CreateOrUpdateDiscoveredAssetRequestPayload, CreateOrUpdateDiscoveredAssetResponsePayload>(
            DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset, deviceName, inboundEndpointName, new() { DiscoveredAssetRequest = request }, commandTimeout, cancellationToken)
            .ConfigureAwait(false);
        return Unwrap(DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset, response?.DiscoveredAssetResponse, response?.CreateOrUpdateDiscoveredAssetError);
    }

    /// <summary>Reports a device found by a discovery handler (<c>createOrUpdateDiscoveredDevice</c>, on the discovery topic).</summary>
    /// <param name="request">The discovered device's name and definition.</param>
    /// <param name="inboundEndpointType">The type of the endpoint the device was found through.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The discovery id (the discovered device's name) and version.</returns>
    public async Task<DiscoveryResponse> CreateOrUpdateDiscoveredDeviceAsync(
        CreateOrUpdateDiscoveredDeviceRequestSchema request, string inboundEndpointType, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(inboundEndpointType);
        var clientId = ClientId();
        var invoker = Invoker<CreateOrUpdateDiscoveredDeviceRequestPayload, CreateOrUpdateDiscoveredDeviceResponsePayload>(
            DeviceRegistryTopics.CreateOrUpdateDiscoveredDevice, DeviceRegistryTopics.DiscoveryTopic);
        var tokens = new Dictionary<string, string>
        {
            [DeviceRegistryTopics.DiscoveryClientIdToken] = clientId,
            [DeviceRegistryTopics.InboundEndpointTypeToken] = inboundEndpointType,
        };
        var response = (await invoker.InvokeCommandAsync(
            new() { DiscoveredDeviceRequest = request }, null, tokens, commandTimeout, cancellationToken).ConfigureAwait(false)).Response;
        return Unwrap(DeviceRegistryTopics.CreateOrUpdateDiscoveredDevice, response?.DiscoveredDeviceResponse, response?.CreateOrUpdateDiscoveredDeviceError);
    }

    /// <summary>Reports the health of a device endpoint (<c>deviceEndpointRuntimeHealthEvent</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="deviceEndpointRuntimeHealth">The health.</param>
    /// <param name="telemetryTimeout">The message expiry (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the report.</returns>
    public Task ReportDeviceEndpointRuntimeHealthAsync(
        string deviceName, string inboundEndpointName, RuntimeHealth deviceEndpointRuntimeHealth, TimeSpan? telemetryTimeout = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            DeviceRegistryTopics.DeviceEndpointRuntimeHealthEvent, deviceName, inboundEndpointName,
            new DeviceEndpointRuntimeHealthEventTelemetry { DeviceEndpointRuntimeHealthEvent = new() { RuntimeHealth = deviceEndpointRuntimeHealth } },
            telemetryTimeout, cancellationToken);

    /// <summary>Reports the health of datasets of an asset (<c>datasetRuntimeHealthEvent</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="datasetsRuntimeHealth">The health of each dataset.</param>
    /// <param name="telemetryTimeout">The message expiry (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the report.</returns>
    public Task ReportDatasetRuntimeHealthAsync(
        string deviceName, string inboundEndpointName, string assetName, List<DatasetRuntimeHealth> datasetsRuntimeHealth,
        TimeSpan? telemetryTimeout = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            DeviceRegistryTopics.DatasetRuntimeHealthEvent, deviceName, inboundEndpointName,
            new DatasetRuntimeHealthEventTelemetry { DatasetRuntimeHealthEvent = new() { AssetName = assetName, Datasets = datasetsRuntimeHealth } },
            telemetryTimeout, cancellationToken);

    /// <summary>Reports the health of events of an asset (<c>eventRuntimeHealthEvent</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="eventsRuntimeHealth">The health of each event.</param>
    /// <param name="telemetryTimeout">The message expiry (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the report.</returns>
    public Task ReportEventRuntimeHealthAsync(
        string deviceName, string inboundEndpointName, string assetName, List<EventRuntimeHealth> eventsRuntimeHealth,
        TimeSpan? telemetryTimeout = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            DeviceRegistryTopics.EventRuntimeHealthEvent, deviceName, inboundEndpointName,
            new EventRuntimeHealthEventTelemetry { EventRuntimeHealthEvent = new() { AssetName = assetName, Events = eventsRuntimeHealth } },
            telemetryTimeout, cancellationToken);

    /// <summary>Reports the health of streams of an asset (<c>streamRuntimeHealthEvent</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="streamsRuntimeHealth">The health of each stream.</param>
    /// <param name="telemetryTimeout">The message expiry (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the report.</returns>
    public Task ReportStreamRuntimeHealthAsync(
        string deviceName, string inboundEndpointName, string assetName, List<StreamRuntimeHealth> streamsRuntimeHealth,
        TimeSpan? telemetryTimeout = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            DeviceRegistryTopics.StreamRuntimeHealthEvent, deviceName, inboundEndpointName,
            new StreamRuntimeHealthEventTelemetry { StreamRuntimeHealthEvent = new() { AssetName = assetName, Streams = streamsRuntimeHealth } },
            telemetryTimeout, cancellationToken);

    /// <summary>Reports the health of management actions of an asset (<c>managementActionRuntimeHealthEvent</c>).</summary>
    /// <param name="deviceName">The device's name.</param>
    /// <param name="inboundEndpointName">The inbound endpoint's name.</param>
    /// <param name="assetName">The asset's name.</param>
    /// <param name="managementActionsRuntimeHealth">The health of each action.</param>
    /// <param name="telemetryTimeout">The message expiry (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the broker acknowledged the report.</returns>
    public Task ReportManagementActionRuntimeHealthAsync(
        string deviceName, string inboundEndpointName, string assetName, List<ManagementActionRuntimeHealth> managementActionsRuntimeHealth,
        TimeSpan? telemetryTimeout = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            DeviceRegistryTopics.ManagementActionRuntimeHealthEvent, deviceName, inboundEndpointName,
            new ManagementActionRuntimeHealthEventTelemetry
            {
                ManagementActionRuntimeHealthEvent = new() { AssetName = assetName, ManagementActions = managementActionsRuntimeHealth },
            },
            telemetryTimeout, cancellationToken);

    /// <summary>Lists every device with every endpoint and its status (orleans-aio extension <c>listDevices</c>; not AIO).</summary>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The devices, ordered by name.</returns>
    public async Task<IReadOnlyList<DeviceListEntry>> ListDevicesAsync(TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        var invoker = Invoker<ListResourcesRequestPayload, ListDevicesResponsePayload>(
            DeviceRegistryTopics.ListDevices, DeviceRegistryTopics.ExtensionTopic(DeviceRegistryTopics.ListDevices));
        ClientId();
        var response = (await invoker.InvokeCommandAsync(new(), null, null, commandTimeout, cancellationToken).ConfigureAwait(false)).Response;
        return Unwrap(DeviceRegistryTopics.ListDevices, response?.Devices, response?.ListDevicesError);
    }

    /// <summary>Lists assets with their status (orleans-aio extension <c>listAssets</c>; not AIO).</summary>
    /// <param name="deviceName">Only the assets of this device; all when <see langword="null"/>.</param>
    /// <param name="commandTimeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The assets, ordered by name.</returns>
    public async Task<IReadOnlyList<AssetListEntry>> ListAssetsAsync(
        string? deviceName = null, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        var invoker = Invoker<ListResourcesRequestPayload, ListAssetsResponsePayload>(
            DeviceRegistryTopics.ListAssets, DeviceRegistryTopics.ExtensionTopic(DeviceRegistryTopics.ListAssets));
        ClientId();
        var response = (await invoker.InvokeCommandAsync(new() { DeviceName = deviceName }, null, null, commandTimeout, cancellationToken).ConfigureAwait(false)).Response;
        return Unwrap(DeviceRegistryTopics.ListAssets, response?.Assets, response?.ListAssetsError);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (deviceReceiver is { } devices)
        {
            await StopQuietlyAsync(devices.StopAsync).ConfigureAwait(false);
            await devices.DisposeAsync().ConfigureAwait(false);
        }

        if (assetReceiver is { } assets)
        {
            await StopQuietlyAsync(assets.StopAsync).ConfigureAwait(false);
            await assets.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var invoker in invokers.Values)
        {
            await invoker.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var sender in senders.Values)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }

        receiverGate.Dispose();
    }

    private static T Unwrap<T>(string commandName, T? value, AkriServiceError? error)
    {
        if (error is not null)
        {
            throw new AkriServiceErrorException(commandName, error);
        }

        return value ?? throw AioProtocolException.PayloadInvalid(
            $"The response of ADR command '{commandName}' has neither its result nor '{DeviceRegistryTopics.ErrorField(commandName)}'");
    }

    private async Task StopQuietlyAsync(Func<CancellationToken, Task> stop)
    {
        try
        {
            await stop(CancellationToken.None).ConfigureAwait(false);
        }
        catch (AioProtocolException ex)
        {
            LogStopFailed(ex);
        }
    }

    private string ClientId()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return mqttClient.ClientId is { Length: > 0 } clientId
            ? clientId
            : throw AioProtocolException.ConfigurationInvalid("ClientId", mqttClient.ClientId, "the MQTT session needs a client id (the connector client id of ADR topics)");
    }

    private CommandInvoker<TReq, TResp> Invoker<TReq, TResp>(string commandName, string topicPattern) =>
        (CommandInvoker<TReq, TResp>)invokers.GetOrAdd(
            commandName,
            _ => new CommandInvoker<TReq, TResp>(context, mqttClient, commandName, DeviceRegistryJson.Serializer, loggerFactory)
            {
                RequestTopicPattern = topicPattern,
            });

    private async Task<TResp?> InvokeAsync<TReq, TResp>(
        string commandName, string deviceName, string inboundEndpointName, TReq? request, TimeSpan? commandTimeout, CancellationToken cancellationToken)
        where TReq : class
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceName);
        ArgumentException.ThrowIfNullOrEmpty(inboundEndpointName);
        var clientId = ClientId();
        var invoker = Invoker<TReq, TResp>(commandName, DeviceRegistryTopics.CommandTopic(commandName));
        var tokens = new Dictionary<string, string>
        {
            [DeviceRegistryTopics.ConnectorClientIdToken] = clientId,
            [DeviceRegistryTopics.DeviceNameToken] = deviceName,
            [DeviceRegistryTopics.InboundEndpointNameToken] = inboundEndpointName,
        };
        var response = await invoker.InvokeCommandAsync(request, null, tokens, commandTimeout, cancellationToken).ConfigureAwait(false);
        return response.Response;
    }

    private Task SendAsync<T>(
        string eventName, string deviceName, string inboundEndpointName, T telemetry, TimeSpan? telemetryTimeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceName);
        ArgumentException.ThrowIfNullOrEmpty(inboundEndpointName);
        var clientId = ClientId();
        var sender = (TelemetrySender<T>)senders.GetOrAdd(
            eventName,
            _ => new TelemetrySender<T>(context, mqttClient, DeviceRegistryJson.Serializer, loggerFactory) { TopicPattern = DeviceRegistryTopics.TelemetryTopic(eventName) });
        var tokens = new Dictionary<string, string>
        {
            [DeviceRegistryTopics.ConnectorClientIdToken] = clientId,
            [DeviceRegistryTopics.DeviceNameToken] = deviceName,
            [DeviceRegistryTopics.InboundEndpointNameToken] = inboundEndpointName,
        };
        return sender.SendTelemetryAsync(telemetry, tokens, telemetryTimeout: telemetryTimeout, cancellationToken: cancellationToken);
    }

    private async Task EnsureDeviceReceiverAsync(CancellationToken cancellationToken)
    {
        var clientId = ClientId();
        await receiverGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (deviceReceiver is not null)
            {
                return;
            }

            var receiver = new TelemetryReceiver<DeviceUpdateEventTelemetry>(context, mqttClient, DeviceRegistryJson.Serializer, loggerFactory)
            {
                TopicPattern = DeviceRegistryTopics.TelemetryTopic(DeviceRegistryTopics.DeviceUpdateEvent),
                TopicTokenMap = new Dictionary<string, string> { [DeviceRegistryTopics.ConnectorClientIdToken] = clientId },
                OnTelemetryReceived = OnDeviceUpdateAsync,
            };
            await receiver.StartAsync(cancellationToken).ConfigureAwait(false);
            deviceReceiver = receiver;
        }
        finally
        {
            receiverGate.Release();
        }
    }

    private async Task EnsureAssetReceiverAsync(CancellationToken cancellationToken)
    {
        var clientId = ClientId();
        await receiverGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (assetReceiver is not null)
            {
                return;
            }

            var receiver = new TelemetryReceiver<AssetUpdateEventTelemetry>(context, mqttClient, DeviceRegistryJson.Serializer, loggerFactory)
            {
                TopicPattern = DeviceRegistryTopics.TelemetryTopic(DeviceRegistryTopics.AssetUpdateEvent),
                TopicTokenMap = new Dictionary<string, string> { [DeviceRegistryTopics.ConnectorClientIdToken] = clientId },
                OnTelemetryReceived = OnAssetUpdateAsync,
            };
            await receiver.StartAsync(cancellationToken).ConfigureAwait(false);
            assetReceiver = receiver;
        }
        finally
        {
            receiverGate.Release();
        }
    }

    private async Task OnDeviceUpdateAsync(string senderId, DeviceUpdateEventTelemetry? telemetry, IncomingTelemetryMetadata metadata)
    {
        // The device and endpoint come from the topic, as in the SDK; an event without them is dropped.
        if (telemetry?.DeviceUpdateEvent is not { } update
            || !metadata.TopicTokens.TryGetValue(DeviceRegistryTopics.DeviceNameToken, out var deviceName)
            || !metadata.TopicTokens.TryGetValue(DeviceRegistryTopics.InboundEndpointNameToken, out var endpointName))
        {
            LogEventDropped(metadata.Topic);
            return;
        }

        if (OnReceiveDeviceUpdateEventTelemetry is { } handler)
        {
            await handler(deviceName, endpointName, update.Device).ConfigureAwait(false);
        }
    }

    private async Task OnAssetUpdateAsync(string senderId, AssetUpdateEventTelemetry? telemetry, IncomingTelemetryMetadata metadata)
    {
        if (telemetry?.AssetUpdateEvent is not { } update)
        {
            LogEventDropped(metadata.Topic);
            return;
        }

        if (OnReceiveAssetUpdateEventTelemetry is { } handler)
        {
            await handler(update.AssetName, update.Asset).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ADR update event on '{Topic}' dropped: it lacks the device, endpoint or body")]
    private partial void LogEventDropped(string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping an ADR update-event receiver failed")]
    private partial void LogStopFailed(Exception exception);
}

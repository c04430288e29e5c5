using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>The persisted state of one device.</summary>
[GenerateSerializer]
public sealed class DeviceGrainState
{
    /// <summary>The definition; <see langword="null"/> when the device is not defined.</summary>
    [Id(0)]
    public Device? Device { get; set; }

    /// <summary>The status connectors reported.</summary>
    [Id(1)]
    public DeviceStatus? Status { get; set; }

    /// <summary>The connectors subscribed to updates.</summary>
    [Id(2)]
    public List<UpdateSubscription> Subscriptions { get; set; } = [];

    /// <summary>The latest health per inbound endpoint.</summary>
    [Id(3)]
    public Dictionary<string, RuntimeHealth> EndpointHealth { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One device (see <c>README.md</c>): every change is persisted, then notified to the subscribed connectors, then answered.
/// </summary>
/// <param name="state">The persisted device (default grain storage).</param>
/// <param name="options">Limits.</param>
/// <param name="services">Resolves the wire endpoint's <see cref="IDeviceRegistryNotificationSink"/> and the <see cref="TimeProvider"/>.</param>
/// <param name="logger">Logs changes and failed notifications.</param>
public sealed partial class DeviceGrain(
    [PersistentState("device")] IPersistentState<DeviceGrainState> state,
    IOptions<DeviceRegistryOptions> options,
    IServiceProvider services,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    private readonly DeviceRegistryOptions settings = options.Value;
    private readonly TimeProvider timeProvider = services.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
    private readonly IDeviceRegistryNotificationSink? sink = services.GetService(typeof(IDeviceRegistryNotificationSink)) as IDeviceRegistryNotificationSink;

    private string Name => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public Task<DeviceRegistryResult<Device>> GetDeviceAsync(string inboundEndpointName) =>
        Task.FromResult(Find(inboundEndpointName, out var device) is { } error
            ? DeviceRegistryResult<Device>.Failure(error)
            : DeviceRegistryResult<Device>.Success(device!));

    /// <inheritdoc />
    public Task<DeviceEntry?> GetEntryAsync() => Task.FromResult(state.State.Device is { } device
        ? new DeviceEntry(Name, device, state.State.Status, new Dictionary<string, RuntimeHealth>(state.State.EndpointHealth, StringComparer.Ordinal))
        : null);

    /// <inheritdoc />
    public Task<DeviceRegistryResult<DeviceStatus>> GetStatusAsync(string inboundEndpointName) =>
        Task.FromResult(Find(inboundEndpointName, out _) is { } error
            ? DeviceRegistryResult<DeviceStatus>.Failure(error)
            : DeviceRegistryResult<DeviceStatus>.Success(StatusFor(state.State.Status, inboundEndpointName)));

    /// <inheritdoc />
    public async Task<DeviceRegistryResult<DeviceStatus>> UpdateStatusAsync(string inboundEndpointName, DeviceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (Find(inboundEndpointName, out _) is { } error)
        {
            return DeviceRegistryResult<DeviceStatus>.Failure(error);
        }

        var inbound = new Dictionary<string, DeviceStatusInboundEndpoint>(state.State.Status?.Endpoints?.Inbound ?? [], StringComparer.Ordinal);
        inbound.Remove(inboundEndpointName);
        if (status.Endpoints?.Inbound is { } update && update.TryGetValue(inboundEndpointName, out var entry) && entry is not null)
        {
            inbound[inboundEndpointName] = entry;
        }

        state.State.Status = new DeviceStatus
        {
            Config = status.Config,
            Endpoints = inbound.Count == 0 ? null : new DeviceStatusEndpoints { Inbound = inbound },
        };
        await state.WriteStateAsync();
        LogStatusUpdated(Name, inboundEndpointName);
        await NotifyAsync();
        return DeviceRegistryResult<DeviceStatus>.Success(StatusFor(state.State.Status, inboundEndpointName));
    }

    /// <inheritdoc />
    public async Task<DeviceRegistryResult<NotificationPreference>> SetNotificationPreferenceAsync(
        string connectorClientId, string inboundEndpointName, NotificationPreference preference)
    {
        if (string.IsNullOrEmpty(connectorClientId))
        {
            return DeviceRegistryResult<NotificationPreference>.Failure(DeviceRegistryError.BadRequest("the connector client id is missing"));
        }

        if (Find(inboundEndpointName, out _) is { } error)
        {
            return DeviceRegistryResult<NotificationPreference>.Failure(error);
        }

        var subscription = new UpdateSubscription(connectorClientId, Name, inboundEndpointName);
        var subscriptions = state.State.Subscriptions;
        var exists = subscriptions.Contains(subscription);
        if (preference == NotificationPreference.On && !exists)
        {
            if (subscriptions.Count >= settings.MaxSubscriptionsPerResource)
            {
                return DeviceRegistryResult<NotificationPreference>.Failure(DeviceRegistryError.BadRequest(
                    $"device '{Name}' already has {subscriptions.Count} update subscriptions (limit {DeviceRegistryOptions.SectionName}:{nameof(DeviceRegistryOptions.MaxSubscriptionsPerResource)})"));
            }

            subscriptions.Add(subscription);
            await state.WriteStateAsync();
        }
        else if (preference == NotificationPreference.Off && exists)
        {
            subscriptions.Remove(subscription);
            await state.WriteStateAsync();
        }

        LogPreferenceSet(Name, inboundEndpointName, connectorClientId, preference);
        return DeviceRegistryResult<NotificationPreference>.Success(preference);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UpdateSubscription>> GetSubscriptionsAsync() =>
        Task.FromResult<IReadOnlyList<UpdateSubscription>>([.. state.State.Subscriptions]);

    /// <inheritdoc />
    public async Task<DeviceRegistryResult<Device>> CreateOrUpdateAsync(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (DeviceRegistryRules.CheckName("device name", Name) is { } badName)
        {
            return DeviceRegistryResult<Device>.Failure(DeviceRegistryError.BadRequest(badName));
        }

        foreach (var (endpointName, endpoint) in device.Endpoints?.Inbound ?? [])
        {
            if (DeviceRegistryRules.CheckEndpointName(endpointName) is { } badEndpoint)
            {
                return DeviceRegistryResult<Device>.Failure(DeviceRegistryError.BadRequest($"device '{Name}': {badEndpoint}"));
            }

            if (endpoint is null || string.IsNullOrEmpty(endpoint.Address) || string.IsNullOrEmpty(endpoint.EndpointType))
            {
                return DeviceRegistryResult<Device>.Failure(DeviceRegistryError.BadRequest(
                    $"device '{Name}': inbound endpoint '{endpointName}' needs 'address' and 'endpointType'"));
            }
        }

        var previous = state.State.Device;
        if (previous is not null && DeviceRegistryRules.SameContent(Comparable(previous), Comparable(device)))
        {
            return DeviceRegistryResult<Device>.Success(previous);
        }

        var stored = device with
        {
            Version = Math.Max(device.Version ?? 0, (previous?.Version ?? 0) + 1),
            LastTransitionTime = timeProvider.GetUtcNow(),
            Uuid = device.Uuid ?? previous?.Uuid ?? Guid.NewGuid().ToString(),
        };
        state.State.Device = stored;
        await state.WriteStateAsync();
        if (previous is null)
        {
            await GrainFactory.GetGrain<IDeviceRegistryIndexGrain>(IDeviceRegistryIndexGrain.Key).AddDeviceAsync(Name);
        }

        LogDefined(Name, stored.Version ?? 0);
        await NotifyAsync();
        return DeviceRegistryResult<Device>.Success(stored);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync()
    {
        if (state.State.Device is null)
        {
            return false;
        }

        await state.ClearStateAsync();
        state.State = new DeviceGrainState();
        await GrainFactory.GetGrain<IDeviceRegistryIndexGrain>(IDeviceRegistryIndexGrain.Key).RemoveDeviceAsync(Name);
        LogDeleted(Name);
        return true;
    }

    /// <inheritdoc />
    public async Task<DeviceRegistryResult<bool>> ReportEndpointHealthAsync(string inboundEndpointName, RuntimeHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        if (Find(inboundEndpointName, out _) is { } error)
        {
            return DeviceRegistryResult<bool>.Failure(error);
        }

        state.State.EndpointHealth.TryGetValue(inboundEndpointName, out var kept);
        if (!DeviceRegistryRules.IsNewer(kept, health))
        {
            return DeviceRegistryResult<bool>.Success(false);
        }

        state.State.EndpointHealth[inboundEndpointName] = health;
        await state.WriteStateAsync();
        return DeviceRegistryResult<bool>.Success(true);
    }

    private static Device Comparable(Device device) => device with { Version = null, LastTransitionTime = null, Uuid = null };

    private static DeviceStatus StatusFor(DeviceStatus? status, string inboundEndpointName)
    {
        if (status is null)
        {
            return new DeviceStatus();
        }

        var inbound = status.Endpoints?.Inbound;
        return status with
        {
            Endpoints = inbound is not null && inbound.TryGetValue(inboundEndpointName, out var entry)
                ? new DeviceStatusEndpoints { Inbound = new(StringComparer.Ordinal) { [inboundEndpointName] = entry } }
                : null,
        };
    }

    private static Device Filter(Device device, string inboundEndpointName, InboundEndpoint endpoint) => device with
    {
        Endpoints = device.Endpoints! with { Inbound = new(StringComparer.Ordinal) { [inboundEndpointName] = endpoint } },
    };

    private DeviceRegistryError? Find(string inboundEndpointName, out Device? device)
    {
        device = null;
        if (state.State.Device is not { } defined)
        {
            return DeviceRegistryError.NotFound($"device '{Name}' not found");
        }

        if (defined.Endpoints?.Inbound is not { } inbound || string.IsNullOrEmpty(inboundEndpointName)
            || !inbound.TryGetValue(inboundEndpointName, out var endpoint))
        {
            return DeviceRegistryError.NotFound($"device '{Name}' has no inbound endpoint '{inboundEndpointName}'");
        }

        device = Filter(defined, inboundEndpointName, endpoint);
        return null;
    }

    private async Task NotifyAsync()
    {
        if (sink is null || state.State.Device is not { } device)
        {
            return;
        }

        foreach (var subscription in state.State.Subscriptions.ToList())
        {
            if (device.Endpoints?.Inbound?.TryGetValue(subscription.InboundEndpointName, out var endpoint) != true)
            {
                continue;
            }

            using var timeout = new CancellationTokenSource(settings.NotificationTimeout, timeProvider);
            try
            {
                await sink.PublishDeviceUpdateAsync(subscription, Filter(device, subscription.InboundEndpointName, endpoint!), timeout.Token);
            }
            catch (Exception ex)
            {
                LogNotificationFailed(ex, Name, subscription.ConnectorClientId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceName} defined (version {Version})")]
    private partial void LogDefined(string deviceName, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceName} deleted")]
    private partial void LogDeleted(string deviceName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceName} status updated through endpoint {EndpointName}")]
    private partial void LogStatusUpdated(string deviceName, string endpointName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceName} endpoint {EndpointName}: update events for {ConnectorClientId} {Preference}")]
    private partial void LogPreferenceSet(string deviceName, string endpointName, string connectorClientId, NotificationPreference preference);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a deviceUpdateEvent of {DeviceName} to connector {ConnectorClientId} failed")]
    private partial void LogNotificationFailed(Exception exception, string deviceName, string connectorClientId);
}

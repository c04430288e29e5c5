using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>The persisted state of one asset.</summary>
[GenerateSerializer]
public sealed class AssetGrainState
{
    /// <summary>The definition; <see langword="null"/> when the asset is not defined.</summary>
    [Id(0)]
    public Asset? Asset { get; set; }

    /// <summary>The status connectors reported.</summary>
    [Id(1)]
    public AssetStatus? Status { get; set; }

    /// <summary>The connectors subscribed to updates.</summary>
    [Id(2)]
    public List<UpdateSubscription> Subscriptions { get; set; } = [];

    /// <summary>The latest health per dataset.</summary>
    [Id(3)]
    public Dictionary<string, RuntimeHealth> DatasetHealth { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest health per <c>{eventGroupName}/{eventName}</c>.</summary>
    [Id(4)]
    public Dictionary<string, RuntimeHealth> EventHealth { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest health per stream.</summary>
    [Id(5)]
    public Dictionary<string, RuntimeHealth> StreamHealth { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest health per <c>{managementGroupName}/{managementActionName}</c>.</summary>
    [Id(6)]
    public Dictionary<string, RuntimeHealth> ManagementActionHealth { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One asset (see <c>README.md</c>): every change is persisted, then notified to subscribed connectors, then answered.</summary>
/// <param name="state">The persisted asset (default grain storage).</param>
/// <param name="options">Limits.</param>
/// <param name="services">Resolves the wire endpoint's <see cref="IDeviceRegistryNotificationSink"/> and the <see cref="TimeProvider"/>.</param>
/// <param name="logger">Logs changes and failed notifications.</param>
public sealed partial class AssetGrain(
    [PersistentState("asset")] IPersistentState<AssetGrainState> state,
    IOptions<DeviceRegistryOptions> options,
    IServiceProvider services,
    ILogger<AssetGrain> logger) : Grain, IAssetGrain
{
    private readonly DeviceRegistryOptions settings = options.Value;
    private readonly TimeProvider timeProvider = services.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
    private readonly IDeviceRegistryNotificationSink? sink = services.GetService(typeof(IDeviceRegistryNotificationSink)) as IDeviceRegistryNotificationSink;

    private string Name => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public Task<DeviceRegistryResult<Asset>> GetAssetAsync(string deviceName, string inboundEndpointName) =>
        Task.FromResult(Find(deviceName, inboundEndpointName) is { } error
            ? DeviceRegistryResult<Asset>.Failure(error)
            : DeviceRegistryResult<Asset>.Success(state.State.Asset!));

    /// <inheritdoc />
    public Task<AssetEntry?> GetEntryAsync() => Task.FromResult(state.State.Asset is { } asset
        ? new AssetEntry(Name, asset, state.State.Status, Health())
        : null);

    /// <inheritdoc />
    public Task<DeviceRegistryResult<AssetStatus>> GetStatusAsync(string deviceName, string inboundEndpointName) =>
        Task.FromResult(Find(deviceName, inboundEndpointName) is { } error
            ? DeviceRegistryResult<AssetStatus>.Failure(error)
            : DeviceRegistryResult<AssetStatus>.Success(state.State.Status ?? new AssetStatus()));

    /// <inheritdoc />
    public async Task<DeviceRegistryResult<AssetStatus>> UpdateStatusAsync(string deviceName, string inboundEndpointName, AssetStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (Find(deviceName, inboundEndpointName) is { } error)
        {
            return DeviceRegistryResult<AssetStatus>.Failure(error);
        }

        state.State.Status = status;
        await state.WriteStateAsync();
        LogStatusUpdated(Name);
        await NotifyAsync();
        return DeviceRegistryResult<AssetStatus>.Success(status);
    }

    /// <inheritdoc />
    public async Task<DeviceRegistryResult<NotificationPreference>> SetNotificationPreferenceAsync(
        string connectorClientId, string deviceName, string inboundEndpointName, NotificationPreference preference)
    {
        if (string.IsNullOrEmpty(connectorClientId))
        {
            return DeviceRegistryResult<NotificationPreference>.Failure(DeviceRegistryError.BadRequest("the connector client id is missing"));
        }

        if (Find(deviceName, inboundEndpointName) is { } error)
        {
            return DeviceRegistryResult<NotificationPreference>.Failure(error);
        }

        var subscription = new UpdateSubscription(connectorClientId, deviceName, inboundEndpointName);
        var subscriptions = state.State.Subscriptions;
        var exists = subscriptions.Contains(subscription);
        if (preference == NotificationPreference.On && !exists)
        {
            if (subscriptions.Count >= settings.MaxSubscriptionsPerResource)
            {
                return DeviceRegistryResult<NotificationPreference>.Failure(DeviceRegistryError.BadRequest(
                    $"asset '{Name}' already has {subscriptions.Count} update subscriptions (limit {DeviceRegistryOptions.SectionName}:{nameof(DeviceRegistryOptions.MaxSubscriptionsPerResource)})"));
            }

            subscriptions.Add(subscription);
            await state.WriteStateAsync();
        }
        else if (preference == NotificationPreference.Off && exists)
        {
            subscriptions.Remove(subscription);
            await state.WriteStateAsync();
        }

        return DeviceRegistryResult<NotificationPreference>.Success(preference);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UpdateSubscription>> GetSubscriptionsAsync() =>
        Task.FromResult<IReadOnlyList<UpdateSubscription>>([.. state.State.Subscriptions]);

    /// <inheritdoc />
    public async Task<DeviceRegistryResult<Asset>> CreateOrUpdateAsync(Asset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        if (DeviceRegistryRules.CheckName("asset name", Name) is { } badName)
        {
            return DeviceRegistryResult<Asset>.Failure(DeviceRegistryError.BadRequest(badName));
        }

        if (CheckParts(asset) is { } badPart)
        {
            return DeviceRegistryResult<Asset>.Failure(DeviceRegistryError.BadRequest($"asset '{Name}': {badPart}"));
        }

        var reference = asset.DeviceRef;
        var device = string.IsNullOrEmpty(reference?.DeviceName)
            ? null
            : await GrainFactory.GetGrain<IDeviceGrain>(reference.DeviceName).GetEntryAsync();
        if (reference is null || device is null)
        {
            return DeviceRegistryResult<Asset>.Failure(DeviceRegistryError.BadRequest(
                $"asset '{Name}': deviceRef.deviceName '{reference?.DeviceName}' is not a defined device"));
        }

        if (device.Device.Endpoints?.Inbound?.ContainsKey(reference.EndpointName ?? string.Empty) != true)
        {
            return DeviceRegistryResult<Asset>.Failure(DeviceRegistryError.BadRequest(
                $"asset '{Name}': deviceRef.endpointName '{reference.EndpointName}' is not an inbound endpoint of device '{reference.DeviceName}'"));
        }

        var previous = state.State.Asset;
        if (previous is not null && DeviceRegistryRules.SameContent(Comparable(previous), Comparable(asset)))
        {
            return DeviceRegistryResult<Asset>.Success(previous);
        }

        var stored = asset with
        {
            Version = Math.Max(asset.Version ?? 0, (previous?.Version ?? 0) + 1),
            LastTransitionTime = timeProvider.GetUtcNow(),
            Uuid = asset.Uuid ?? previous?.Uuid ?? Guid.NewGuid().ToString(),
        };
        state.State.Asset = stored;
        await state.WriteStateAsync();
        if (previous is null || previous.DeviceRef.DeviceName != stored.DeviceRef.DeviceName)
        {
            await GrainFactory.GetGrain<IDeviceRegistryIndexGrain>(IDeviceRegistryIndexGrain.Key).AddAssetAsync(Name, stored.DeviceRef.DeviceName);
        }

        LogDefined(Name, stored.Version ?? 0);
        await NotifyAsync();
        return DeviceRegistryResult<Asset>.Success(stored);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync()
    {
        if (state.State.Asset is null)
        {
            return false;
        }

        await state.ClearStateAsync();
        state.State = new AssetGrainState();
        await GrainFactory.GetGrain<IDeviceRegistryIndexGrain>(IDeviceRegistryIndexGrain.Key).RemoveAssetAsync(Name);
        LogDeleted(Name);
        return true;
    }

    /// <inheritdoc />
    public Task<DeviceRegistryResult<int>> ReportDatasetHealthAsync(IReadOnlyList<DatasetRuntimeHealth> datasets) =>
        KeepAsync(datasets, d => d.DatasetName, d => d.RuntimeHealth, state.State.DatasetHealth);

    /// <inheritdoc />
    public Task<DeviceRegistryResult<int>> ReportEventHealthAsync(IReadOnlyList<EventRuntimeHealth> events) =>
        KeepAsync(events, e => $"{e.EventGroupName}/{e.EventName}", e => e.RuntimeHealth, state.State.EventHealth);

    /// <inheritdoc />
    public Task<DeviceRegistryResult<int>> ReportStreamHealthAsync(IReadOnlyList<StreamRuntimeHealth> streams) =>
        KeepAsync(streams, s => s.StreamName, s => s.RuntimeHealth, state.State.StreamHealth);

    /// <inheritdoc />
    public Task<DeviceRegistryResult<int>> ReportManagementActionHealthAsync(IReadOnlyList<ManagementActionRuntimeHealth> actions) =>
        KeepAsync(actions, a => $"{a.ManagementGroupName}/{a.ManagementActionName}", a => a.RuntimeHealth, state.State.ManagementActionHealth);

    private static Asset Comparable(Asset asset) => asset with { Version = null, LastTransitionTime = null, Uuid = null };

    private static string? CheckParts(Asset asset)
    {
        static string? Unique<T>(string what, IEnumerable<T>? items, Func<T, string?> name)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in items ?? [])
            {
                var itemName = item is null ? null : name(item);
                if (string.IsNullOrEmpty(itemName))
                {
                    return $"{what}[{index}].name is missing";
                }

                if (!seen.Add(itemName))
                {
                    return $"{what}[{index}].name '{itemName}' is used twice";
                }

                index++;
            }

            return null;
        }

        return Unique("datasets", asset.Datasets, d => d.Name)
            ?? Unique("eventGroups", asset.EventGroups, g => g.Name)
            ?? Unique("streams", asset.Streams, s => s.Name)
            ?? Unique("managementGroups", asset.ManagementGroups, g => g.Name);
    }

    private AssetHealth Health() => new(
        new(state.State.DatasetHealth, StringComparer.Ordinal),
        new(state.State.EventHealth, StringComparer.Ordinal),
        new(state.State.StreamHealth, StringComparer.Ordinal),
        new(state.State.ManagementActionHealth, StringComparer.Ordinal));

    private async Task<DeviceRegistryResult<int>> KeepAsync<T>(
        IReadOnlyList<T> reports, Func<T, string> key, Func<T, RuntimeHealth> health, Dictionary<string, RuntimeHealth> kept)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (state.State.Asset is null)
        {
            return DeviceRegistryResult<int>.Failure(DeviceRegistryError.NotFound($"asset '{Name}' not found"));
        }

        var changed = 0;
        foreach (var report in reports)
        {
            if (report is null || health(report) is not { } value)
            {
                continue;
            }

            var name = key(report);
            kept.TryGetValue(name, out var current);
            if (DeviceRegistryRules.IsNewer(current, value))
            {
                kept[name] = value;
                changed++;
            }
        }

        if (changed > 0)
        {
            await state.WriteStateAsync();
        }

        return DeviceRegistryResult<int>.Success(changed);
    }

    private DeviceRegistryError? Find(string deviceName, string inboundEndpointName)
    {
        if (state.State.Asset is not { } asset)
        {
            return DeviceRegistryError.NotFound($"asset '{Name}' not found");
        }

        return asset.DeviceRef.DeviceName == deviceName && asset.DeviceRef.EndpointName == inboundEndpointName
            ? null
            : DeviceRegistryError.NotFound($"asset '{Name}' not found on device '{deviceName}' endpoint '{inboundEndpointName}'");
    }

    private async Task NotifyAsync()
    {
        if (sink is null || state.State.Asset is not { } asset)
        {
            return;
        }

        foreach (var subscription in state.State.Subscriptions.ToList())
        {
            using var timeout = new CancellationTokenSource(settings.NotificationTimeout, timeProvider);
            try
            {
                await sink.PublishAssetUpdateAsync(subscription, Name, asset, timeout.Token);
            }
            catch (Exception ex)
            {
                LogNotificationFailed(ex, Name, subscription.ConnectorClientId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asset {AssetName} defined (version {Version})")]
    private partial void LogDefined(string assetName, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Asset {AssetName} deleted")]
    private partial void LogDeleted(string assetName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Asset {AssetName} status updated")]
    private partial void LogStatusUpdated(string assetName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing an assetUpdateEvent of {AssetName} to connector {ConnectorClientId} failed")]
    private partial void LogNotificationFailed(Exception exception, string assetName, string connectorClientId);
}

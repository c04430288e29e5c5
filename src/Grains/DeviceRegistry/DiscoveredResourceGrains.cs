using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Grains.DeviceRegistry;

/// <summary>The persisted state of one discovered device.</summary>
[GenerateSerializer]
public sealed class DiscoveredDeviceGrainState
{
    /// <summary>The last report, or <see langword="null"/>.</summary>
    [Id(0)]
    public DiscoveredDeviceEntry? Entry { get; set; }
}

/// <summary>The persisted state of one discovered asset.</summary>
[GenerateSerializer]
public sealed class DiscoveredAssetGrainState
{
    /// <summary>The last report, or <see langword="null"/>.</summary>
    [Id(0)]
    public DiscoveredAssetEntry? Entry { get; set; }
}

/// <summary>A discovered device: the last report, persisted before the reply; its discovery id is its name.</summary>
/// <param name="state">The persisted report.</param>
/// <param name="services">Resolves the <see cref="TimeProvider"/>.</param>
/// <param name="logger">Logs new discoveries.</param>
public sealed partial class DiscoveredDeviceGrain(
    [PersistentState("discoveredDevice")] IPersistentState<DiscoveredDeviceGrainState> state,
    IServiceProvider services,
    ILogger<DiscoveredDeviceGrain> logger) : Grain, IDiscoveredDeviceGrain
{
    private readonly TimeProvider timeProvider = services.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<DiscoveryResult> CreateOrUpdateAsync(DiscoveredDevice device, string inboundEndpointType, string? discoveryClientId)
    {
        ArgumentNullException.ThrowIfNull(device);
        var name = this.GetPrimaryKeyString();
        var previous = state.State.Entry;
        if (previous is not null && previous.InboundEndpointType == inboundEndpointType && DeviceRegistryRules.SameContent(previous.Device, device))
        {
            return new DiscoveryResult(name, previous.Version);
        }

        var entry = new DiscoveredDeviceEntry(name, device, inboundEndpointType, discoveryClientId, (previous?.Version ?? 0) + 1, timeProvider.GetUtcNow());
        state.State.Entry = entry;
        await state.WriteStateAsync();
        if (previous is null)
        {
            await GrainFactory.GetGrain<IDeviceRegistryIndexGrain>(IDeviceRegistryIndexGrain.Key).AddDiscoveredDeviceAsync(name);
            LogDiscovered(name, inboundEndpointType);
        }

        return new DiscoveryResult(name, entry.Version);
    }

    /// <inheritdoc />
    public Task<DiscoveredDeviceEntry?> GetAsync() => Task.FromResult(state.State.Entry);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovered device {Name} reported (endpoint type {EndpointType})")]
    private partial void LogDiscovered(string name, string endpointType);
}

/// <summary>A discovered asset: the last report, persisted before the reply; its discovery id is its name.</summary>
/// <param name="state">The persisted report.</param>
/// <param name="services">Resolves the <see cref="TimeProvider"/>.</param>
/// <param name="logger">Logs new discoveries.</param>
public sealed partial class DiscoveredAssetGrain(
    [PersistentState("discoveredAsset")] IPersistentState<DiscoveredAssetGrainState> state,
    IServiceProvider services,
    ILogger<DiscoveredAssetGrain> logger) : Grain, IDiscoveredAssetGrain
{
    private readonly TimeProvider timeProvider = services.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<DiscoveryResult> CreateOrUpdateAsync(DiscoveredAsset asset, string deviceName, string inboundEndpointName)
    {
        ArgumentNullException.ThrowIfNull(asset);
        var name = this.GetPrimaryKeyString();
        var previous = state.State.Entry;
        if (previous is not null && previous.DeviceName == deviceName && previous.InboundEndpointName == inboundEndpointName
            && DeviceRegistryRules.SameContent(previous.Asset, asset))
        {
            return new DiscoveryResult(name, previous.Version);
        }

        var entry = new DiscoveredAssetEntry(name, asset, deviceName, inboundEndpointName, (previous?.Version ?? 0) + 1, timeProvider.GetUtcNow());
        state.State.Entry = entry;
        await state.WriteStateAsync();
        if (previous is null)
        {
            await GrainFactory.GetGrain<IDeviceRegistryIndexGrain>(IDeviceRegistryIndexGrain.Key).AddDiscoveredAssetAsync(name);
            LogDiscovered(name, deviceName, inboundEndpointName);
        }

        return new DiscoveryResult(name, entry.Version);
    }

    /// <inheritdoc />
    public Task<DiscoveredAssetEntry?> GetAsync() => Task.FromResult(state.State.Entry);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovered asset {Name} reported on device {DeviceName} endpoint {EndpointName}")]
    private partial void LogDiscovered(string name, string deviceName, string endpointName);
}

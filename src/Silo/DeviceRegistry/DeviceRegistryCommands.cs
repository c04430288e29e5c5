using System.Text.Json;
using OrleansAio.Client.DeviceRegistry;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Protocol.DeviceRegistry;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Silo.DeviceRegistry;

/// <summary>
/// Serves the ADR commands (services.md 4.3) and the orleans-aio list extension: parses the JSON request, calls the registry
/// grains and writes the JSON response, with the success field or the <c>{command}Error</c> object (<c>AkriServiceError</c>).
/// </summary>
/// <remarks>
/// Every refusal is an ADR error in a 200 response, never an RPC error: an oversized payload or a missing field is
/// <c>BadRequest</c>, JSON that does not parse or has a wrong type is <c>SerializationError</c>, an unknown device, endpoint or
/// asset is <c>KubeError</c>, and a failure inside the cluster is <c>InternalError</c>.
/// </remarks>
internal sealed partial class DeviceRegistryCommands(IGrainFactory grainFactory, DeviceRegistryOptions options, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>The commands served on the base-service topic.</summary>
    public static readonly IReadOnlyList<string> BaseCommands =
    [
        DeviceRegistryTopics.GetDevice,
        DeviceRegistryTopics.GetDeviceStatus,
        DeviceRegistryTopics.GetAsset,
        DeviceRegistryTopics.GetAssetStatus,
        DeviceRegistryTopics.UpdateDeviceStatus,
        DeviceRegistryTopics.UpdateAssetStatus,
        DeviceRegistryTopics.SetNotificationPreferenceForDeviceUpdates,
        DeviceRegistryTopics.SetNotificationPreferenceForAssetUpdates,
        DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset,
    ];

    /// <summary>Serves one request.</summary>
    /// <param name="command">The command name.</param>
    /// <param name="tokens">The request topic's tokens.</param>
    /// <param name="payload">The request payload (possibly empty).</param>
    /// <returns>The response payload.</returns>
    public async Task<byte[]> HandleAsync(string command, IReadOnlyDictionary<string, string> tokens, byte[]? payload)
    {
        if (payload is { Length: var size } && size > options.MaxPayloadBytes)
        {
            return Error(command, AkriServiceErrorCode.BadRequest,
                $"the request payload is {size} bytes; the limit is {options.MaxPayloadBytes} bytes ({DeviceRegistryOptions.SectionName}:{nameof(DeviceRegistryOptions.MaxPayloadBytes)})");
        }

        tokens.TryGetValue(DeviceRegistryTopics.DeviceNameToken, out var deviceName);
        tokens.TryGetValue(DeviceRegistryTopics.InboundEndpointNameToken, out var endpointName);
        deviceName ??= string.Empty;
        endpointName ??= string.Empty;
        try
        {
            return command switch
            {
                DeviceRegistryTopics.GetDevice => await GetDeviceAsync(deviceName, endpointName),
                DeviceRegistryTopics.GetDeviceStatus => await GetDeviceStatusAsync(deviceName, endpointName),
                DeviceRegistryTopics.GetAsset => await WithBodyAsync<AssetNameRequestPayload>(command, payload, r => GetAssetAsync(deviceName, endpointName, r)),
                DeviceRegistryTopics.GetAssetStatus => await WithBodyAsync<AssetNameRequestPayload>(command, payload, r => GetAssetStatusAsync(deviceName, endpointName, r)),
                DeviceRegistryTopics.UpdateDeviceStatus => await WithBodyAsync<UpdateDeviceStatusRequestPayload>(command, payload, r => UpdateDeviceStatusAsync(deviceName, endpointName, r)),
                DeviceRegistryTopics.UpdateAssetStatus => await WithBodyAsync<UpdateAssetStatusRequestPayload>(command, payload, r => UpdateAssetStatusAsync(deviceName, endpointName, r)),
                DeviceRegistryTopics.SetNotificationPreferenceForDeviceUpdates => await WithBodyAsync<SetNotificationPreferenceForDeviceUpdatesRequestPayload>(
                    command, payload, r => SetDevicePreferenceAsync(Connector(tokens), deviceName, endpointName, r)),
                DeviceRegistryTopics.SetNotificationPreferenceForAssetUpdates => await WithBodyAsync<SetNotificationPreferenceForAssetUpdatesRequestPayload>(
                    command, payload, r => SetAssetPreferenceAsync(Connector(tokens), deviceName, endpointName, r)),
                DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset => await WithBodyAsync<CreateOrUpdateDiscoveredAssetRequestPayload>(
                    command, payload, r => DiscoveredAssetAsync(deviceName, endpointName, r)),
                DeviceRegistryTopics.CreateOrUpdateDiscoveredDevice => await WithBodyAsync<CreateOrUpdateDiscoveredDeviceRequestPayload>(
                    command, payload, r => DiscoveredDeviceAsync(tokens, r)),
                DeviceRegistryTopics.ListDevices => await ListDevicesAsync(),
                DeviceRegistryTopics.ListAssets => await WithOptionalBodyAsync<ListResourcesRequestPayload>(command, payload, ListAssetsAsync),
                _ => Error(command, AkriServiceErrorCode.BadRequest, $"unknown command '{command}'"),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCommandFailed(ex, command, deviceName, endpointName);
            return Error(command, AkriServiceErrorCode.InternalError, $"the device registry failed to serve '{command}': {ex.Message}");
        }
    }

    // A grain key must not be empty (an empty topic level matches '+'); an empty name is simply not found.
    private static string Key(string name) => name.Length == 0 ? "-" : name;

    private static string Connector(IReadOnlyDictionary<string, string> tokens) =>
        tokens.TryGetValue(DeviceRegistryTopics.ConnectorClientIdToken, out var id) ? id : string.Empty;

    private static string? CheckDiscoveredName(string kind, string? name) =>
        string.IsNullOrWhiteSpace(name) ? $"{kind} is missing or empty"
        : name.Length > DeviceRegistryRules.MaxNameLength ? $"{kind} is {name.Length} characters long (at most {DeviceRegistryRules.MaxNameLength})"
        : name.Any(char.IsControl) ? $"{kind} contains control characters"
        : null;

    /// <summary>The commands that change a device or asset (the others read, or subscribe to updates).</summary>
    public static readonly IReadOnlySet<string> WriteCommands = new HashSet<string>(StringComparer.Ordinal)
    {
        DeviceRegistryTopics.UpdateDeviceStatus,
        DeviceRegistryTopics.UpdateAssetStatus,
        DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset,
        DeviceRegistryTopics.CreateOrUpdateDiscoveredDevice,
    };

    /// <summary>The reply to a write the invoker may not make (<c>Registries:Authorization:DeviceRegistry</c>).</summary>
    /// <param name="command">The command.</param>
    /// <returns>The error payload (code <see cref="AkriServiceErrorCode.Unauthorized"/>).</returns>
    public byte[] NotAuthorized(string command) => Error(command, AkriServiceErrorCode.Unauthorized, "not authorized to change devices or assets");

    private byte[] Error(string command, AkriServiceErrorCode code, string message)
    {
        DeviceRegistryDiagnostics.Errors.Add(1, new KeyValuePair<string, object?>("rpc.method", command), new KeyValuePair<string, object?>("code", code.ToString()));
        return JsonSerializer.SerializeToUtf8Bytes(
            new Dictionary<string, AkriServiceError>
            {
                [DeviceRegistryTopics.ErrorField(command)] = new() { Code = code, Message = message, Timestamp = timeProvider.GetUtcNow() },
            },
            DeviceRegistryJson.Options);
    }

    private byte[] Error(string command, G.DeviceRegistryError error) => Error(command, (AkriServiceErrorCode)(int)error.Code, error.Message);

    private static byte[] Json<T>(T payload) => JsonSerializer.SerializeToUtf8Bytes(payload, DeviceRegistryJson.Options);

    private async Task<byte[]> WithBodyAsync<T>(string command, byte[]? payload, Func<T, Task<byte[]>> work)
        where T : class
    {
        if (payload is null || payload.Length == 0)
        {
            return Error(command, AkriServiceErrorCode.BadRequest, $"the request of '{command}' has an empty payload; a JSON object is required");
        }

        return TryParse<T>(command, payload, out var request, out var error) ? await work(request!) : error!;
    }

    private async Task<byte[]> WithOptionalBodyAsync<T>(string command, byte[]? payload, Func<T?, Task<byte[]>> work)
        where T : class
    {
        if (payload is null || payload.Length == 0)
        {
            return await work(null);
        }

        return TryParse<T>(command, payload, out var request, out var error) ? await work(request) : error!;
    }

    private bool TryParse<T>(string command, byte[] payload, out T? request, out byte[]? error)
        where T : class
    {
        request = null;
        error = null;
        try
        {
            request = JsonSerializer.Deserialize<T>(payload, DeviceRegistryJson.Options);
        }
        catch (JsonException ex)
        {
            var (path, problem, missing) = DeviceRegistryJson.DescribeError(ex);
            var where = path is null ? string.Empty : $" at '{path}'";
            error = Error(command, missing ? AkriServiceErrorCode.BadRequest : AkriServiceErrorCode.SerializationError, $"the request of '{command}' is invalid{where}: {problem}");
            return false;
        }

        if (request is null)
        {
            error = Error(command, AkriServiceErrorCode.BadRequest, $"the request of '{command}' is JSON null; a JSON object is required");
            return false;
        }

        return true;
    }

    private async Task<byte[]> GetDeviceAsync(string deviceName, string endpointName)
    {
        var result = await grainFactory.GetGrain<G.IDeviceGrain>(Key(deviceName)).GetDeviceAsync(endpointName);
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.GetDevice, error)
            : Json(new GetDeviceResponsePayload { Device = DeviceRegistryMapping.Convert<Device>(result.Value!) });
    }

    private async Task<byte[]> GetDeviceStatusAsync(string deviceName, string endpointName)
    {
        var result = await grainFactory.GetGrain<G.IDeviceGrain>(Key(deviceName)).GetStatusAsync(endpointName);
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.GetDeviceStatus, error)
            : Json(new GetDeviceStatusResponsePayload { DeviceStatus = DeviceRegistryMapping.Convert<DeviceStatus>(result.Value!) });
    }

    private async Task<byte[]> GetAssetAsync(string deviceName, string endpointName, AssetNameRequestPayload request)
    {
        if (string.IsNullOrEmpty(request.AssetName))
        {
            return Error(DeviceRegistryTopics.GetAsset, AkriServiceErrorCode.BadRequest, "'assetName' is empty");
        }

        var result = await grainFactory.GetGrain<G.IAssetGrain>(Key(request.AssetName)).GetAssetAsync(deviceName, endpointName);
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.GetAsset, error)
            : Json(new GetAssetResponsePayload { Asset = DeviceRegistryMapping.Convert<Asset>(result.Value!) });
    }

    private async Task<byte[]> GetAssetStatusAsync(string deviceName, string endpointName, AssetNameRequestPayload request)
    {
        if (string.IsNullOrEmpty(request.AssetName))
        {
            return Error(DeviceRegistryTopics.GetAssetStatus, AkriServiceErrorCode.BadRequest, "'assetName' is empty");
        }

        var result = await grainFactory.GetGrain<G.IAssetGrain>(Key(request.AssetName)).GetStatusAsync(deviceName, endpointName);
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.GetAssetStatus, error)
            : Json(new GetAssetStatusResponsePayload { AssetStatus = DeviceRegistryMapping.Convert<AssetStatus>(result.Value!) });
    }

    private async Task<byte[]> UpdateDeviceStatusAsync(string deviceName, string endpointName, UpdateDeviceStatusRequestPayload request)
    {
        var result = await grainFactory.GetGrain<G.IDeviceGrain>(Key(deviceName))
            .UpdateStatusAsync(endpointName, DeviceRegistryMapping.Convert<G.DeviceStatus>(request.DeviceStatusUpdate));
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.UpdateDeviceStatus, error)
            : Json(new UpdateDeviceStatusResponsePayload { UpdatedDeviceStatus = DeviceRegistryMapping.Convert<DeviceStatus>(result.Value!) });
    }

    private async Task<byte[]> UpdateAssetStatusAsync(string deviceName, string endpointName, UpdateAssetStatusRequestPayload request)
    {
        var update = request.AssetStatusUpdate;
        if (string.IsNullOrEmpty(update.AssetName))
        {
            return Error(DeviceRegistryTopics.UpdateAssetStatus, AkriServiceErrorCode.BadRequest, "'assetStatusUpdate.assetName' is empty");
        }

        var result = await grainFactory.GetGrain<G.IAssetGrain>(Key(update.AssetName))
            .UpdateStatusAsync(deviceName, endpointName, DeviceRegistryMapping.Convert<G.AssetStatus>(update.AssetStatus));
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.UpdateAssetStatus, error)
            : Json(new UpdateAssetStatusResponsePayload { UpdatedAssetStatus = DeviceRegistryMapping.Convert<AssetStatus>(result.Value!) });
    }

    private async Task<byte[]> SetDevicePreferenceAsync(
        string connector, string deviceName, string endpointName, SetNotificationPreferenceForDeviceUpdatesRequestPayload request)
    {
        var result = await grainFactory.GetGrain<G.IDeviceGrain>(Key(deviceName))
            .SetNotificationPreferenceAsync(connector, endpointName, (G.NotificationPreference)(int)request.NotificationPreferenceRequest);
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.SetNotificationPreferenceForDeviceUpdates, error)
            : Json(new SetNotificationPreferenceForDeviceUpdatesResponsePayload { ResponsePayload = $"Notifications {result.Value}" });
    }

    private async Task<byte[]> SetAssetPreferenceAsync(
        string connector, string deviceName, string endpointName, SetNotificationPreferenceForAssetUpdatesRequestPayload request)
    {
        var preference = request.NotificationPreferenceRequest;
        if (string.IsNullOrEmpty(preference.AssetName))
        {
            return Error(DeviceRegistryTopics.SetNotificationPreferenceForAssetUpdates, AkriServiceErrorCode.BadRequest, "'notificationPreferenceRequest.assetName' is empty");
        }

        var result = await grainFactory.GetGrain<G.IAssetGrain>(Key(preference.AssetName))
            .SetNotificationPreferenceAsync(connector, deviceName, endpointName, (G.NotificationPreference)(int)preference.NotificationPreference);
        return result.Error is { } error
            ? Error(DeviceRegistryTopics.SetNotificationPreferenceForAssetUpdates, error)
            : Json(new SetNotificationPreferenceForAssetUpdatesResponsePayload { ResponsePayload = $"Notifications {result.Value}" });
    }

    private async Task<byte[]> DiscoveredAssetAsync(string deviceName, string endpointName, CreateOrUpdateDiscoveredAssetRequestPayload request)
    {
        var discovered = request.DiscoveredAssetRequest;
        if (CheckDiscoveredName("'discoveredAssetRequest.discoveredAssetName'", discovered.DiscoveredAssetName) is { } problem)
        {
            return Error(DeviceRegistryTopics.CreateOrUpdateDiscoveredAsset, AkriServiceErrorCode.BadRequest, problem);
        }

        var result = await grainFactory.GetGrain<G.IDiscoveredAssetGrain>(discovered.DiscoveredAssetName)
            .CreateOrUpdateAsync(DeviceRegistryMapping.Convert<G.DiscoveredAsset>(discovered.DiscoveredAsset), deviceName, endpointName);
        return Json(new CreateOrUpdateDiscoveredAssetResponsePayload
        {
            DiscoveredAssetResponse = new DiscoveryResponse { DiscoveryId = result.DiscoveryId, Version = result.Version },
        });
    }

    private async Task<byte[]> DiscoveredDeviceAsync(IReadOnlyDictionary<string, string> tokens, CreateOrUpdateDiscoveredDeviceRequestPayload request)
    {
        var discovered = request.DiscoveredDeviceRequest;
        if (CheckDiscoveredName("'discoveredDeviceRequest.discoveredDeviceName'", discovered.DiscoveredDeviceName) is { } problem)
        {
            return Error(DeviceRegistryTopics.CreateOrUpdateDiscoveredDevice, AkriServiceErrorCode.BadRequest, problem);
        }

        tokens.TryGetValue(DeviceRegistryTopics.InboundEndpointTypeToken, out var endpointType);
        tokens.TryGetValue(DeviceRegistryTopics.DiscoveryClientIdToken, out var discoveryClientId);
        var result = await grainFactory.GetGrain<G.IDiscoveredDeviceGrain>(discovered.DiscoveredDeviceName)
            .CreateOrUpdateAsync(DeviceRegistryMapping.Convert<G.DiscoveredDevice>(discovered.DiscoveredDevice), endpointType ?? string.Empty, discoveryClientId);
        return Json(new CreateOrUpdateDiscoveredDeviceResponsePayload
        {
            DiscoveredDeviceResponse = new DiscoveryResponse { DiscoveryId = result.DiscoveryId, Version = result.Version },
        });
    }

    private async Task<byte[]> ListDevicesAsync()
    {
        var devices = await grainFactory.GetGrain<G.IDeviceRegistryGrain>(DeviceRegistryEndpoint.RegistryGrainKey).ListDevicesAsync();
        return Json(new ListDevicesResponsePayload
        {
            Devices = [.. devices.Select(d => new DeviceListEntry
            {
                DeviceName = d.Name,
                Device = DeviceRegistryMapping.Convert<Device>(d.Device),
                Status = d.Status is null ? null : DeviceRegistryMapping.Convert<DeviceStatus>(d.Status),
            })],
        });
    }

    private async Task<byte[]> ListAssetsAsync(ListResourcesRequestPayload? request)
    {
        var assets = await grainFactory.GetGrain<G.IDeviceRegistryGrain>(DeviceRegistryEndpoint.RegistryGrainKey).ListAssetsAsync(request?.DeviceName);
        return Json(new ListAssetsResponsePayload
        {
            Assets = [.. assets.Select(a => new AssetListEntry
            {
                AssetName = a.Name,
                Asset = DeviceRegistryMapping.Convert<Asset>(a.Asset),
                Status = a.Status is null ? null : DeviceRegistryMapping.Convert<AssetStatus>(a.Status),
            })],
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "ADR command {Command} for device {DeviceName} endpoint {EndpointName} failed")]
    private partial void LogCommandFailed(Exception exception, string command, string deviceName, string endpointName);
}

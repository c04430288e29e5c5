using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.DeviceRegistry;

namespace OrleansAio.Cli.DeviceRegistry;

/// <summary>
/// <c>aio device list|get|set-status</c> and <c>aio asset list|get</c>: the AIO device registry (ADR) through
/// <see cref="AzureDeviceRegistryClient"/>.
/// </summary>
public static class DeviceCommands
{
    /// <summary>Creates the <c>device</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command CreateDevice(GlobalOptions global, CliConsole console)
    {
        var device = new CliCommand("device", "List and read devices of the AIO device registry (ADR) and report their status");
        device.Examples.Add("aio device list && aio device get pump-1");
        device.Subcommands.Add(ListDevices(global, console));
        device.Subcommands.Add(GetDevice(global, console));
        device.Subcommands.Add(SetDeviceStatus(global, console));
        return device;
    }

    /// <summary>Creates the <c>asset</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command CreateAsset(GlobalOptions global, CliConsole console)
    {
        var asset = new CliCommand("asset", "List and read assets of the AIO device registry (ADR)");
        asset.Examples.Add("aio asset list --device pump-1 && aio asset get pump-1-motor");
        asset.Subcommands.Add(ListAssets(global, console));
        asset.Subcommands.Add(GetAsset(global, console));
        return asset;
    }

    private static Option<string?> EndpointOption() => new("--endpoint", "-e")
    {
        Description = "The device's inbound endpoint [default: the device's only inbound endpoint]",
    };

    private static async Task<AzureDeviceRegistryClient> ConnectAsync(CliContext context)
    {
        var session = await context.ConnectAsync().ConfigureAwait(false);
        return context.Own(new AzureDeviceRegistryClient(context.Application, session, context.LoggerFactory));
    }

    private static JsonNode? ToJson<T>(T? value) => value is null ? null : JsonSerializer.SerializeToNode(value, DeviceRegistryJson.Options);

    private static async Task<string> EndpointOfAsync(CliContext context, AzureDeviceRegistryClient client, string device, string? endpoint)
    {
        if (endpoint is not null)
        {
            return endpoint;
        }

        var entry = (await client.ListDevicesAsync(context.Timeout, context.CancellationToken).ConfigureAwait(false))
            .FirstOrDefault(d => d.DeviceName == device)
            ?? throw new CliException(ExitCodes.NotFound, $"no device named '{device}'");
        var inbound = entry.Device.Endpoints?.Inbound?.Keys.ToList() ?? [];
        return inbound.Count == 1
            ? inbound[0]
            : throw CliException.BadInput(inbound.Count == 0
                ? $"device '{device}' has no inbound endpoint"
                : $"--endpoint: device '{device}' has several inbound endpoints; choose one of {string.Join(", ", inbound)}");
    }

    private static string? Problem(ConfigError? error) => error is null ? null : $"{error.Code}: {error.Message}";

    private static Command ListDevices(GlobalOptions global, CliConsole console)
    {
        var command = new CliCommand("list", "List every device with its endpoints and reported status");
        command.Examples.Add("aio device list");
        command.Examples.Add("aio device list --json | jq -r '.devices[].name'");
        CliActions.Set(command, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var devices = await client.ListDevicesAsync(context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                var array = new JsonArray();
                foreach (var entry in devices)
                {
                    array.Add(new JsonObject { ["name"] = entry.DeviceName, ["device"] = ToJson(entry.Device), ["status"] = ToJson(entry.Status) });
                }

                context.Output.WriteJson(new JsonObject { ["devices"] = array });
            }
            else if (devices.Count == 0)
            {
                context.Output.WriteLine("no devices", Colour.Yellow);
            }
            else
            {
                context.Output.WriteTable(
                    ["NAME", "ENABLED", "MANUFACTURER", "MODEL", "INBOUND ENDPOINTS", "STATUS"],
                    devices.Select(d => (IReadOnlyList<string?>)
                    [
                        d.DeviceName,
                        d.Device.Enabled is { } enabled ? (enabled ? "yes" : "no") : null,
                        d.Device.Manufacturer,
                        d.Device.Model,
                        string.Join(",", d.Device.Endpoints?.Inbound?.Keys ?? Enumerable.Empty<string>()),
                        DeviceHealth(d.Status),
                    ]));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string DeviceHealth(DeviceStatus? status)
    {
        if (status is null || (status.Config is null && status.Endpoints is null))
        {
            return "-";
        }

        var problems = new List<string>();
        if (Problem(status.Config?.Error) is { } config)
        {
            problems.Add(config);
        }

        foreach (var (name, endpoint) in status.Endpoints?.Inbound ?? [])
        {
            if (Problem(endpoint.Error) is { } problem)
            {
                problems.Add($"{name} {problem}");
            }
        }

        return problems.Count == 0 ? "ok" : string.Join("; ", problems);
    }

    private static Command GetDevice(GlobalOptions global, CliConsole console)
    {
        var name = new Argument<string>("device") { Description = "The device's name" };
        var endpoint = EndpointOption();
        var command = new CliCommand("get", "Show a device with one inbound endpoint, and its status") { name, endpoint };
        command.Examples.Add("aio device get pump-1");
        command.Examples.Add("aio device get pump-1 --endpoint opc --json");
        CliActions.Set(command, global, console, async context =>
        {
            var deviceName = context.Parse.GetRequiredValue(name);
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var endpointName = await EndpointOfAsync(context, client, deviceName, context.Parse.GetValue(endpoint)).ConfigureAwait(false);
            var device = await client.GetDeviceAsync(deviceName, endpointName, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            var status = await client.GetDeviceStatusAsync(deviceName, endpointName, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["name"] = deviceName, ["endpoint"] = endpointName, ["device"] = ToJson(device), ["status"] = ToJson(status),
                });
            }
            else
            {
                var inbound = device.Endpoints?.Inbound?.GetValueOrDefault(endpointName);
                context.Output.WriteProperties([
                    ("Name", deviceName),
                    ("Enabled", device.Enabled is { } enabled ? (enabled ? "yes" : "no") : null),
                    ("Manufacturer", device.Manufacturer),
                    ("Model", device.Model),
                    ("Version", device.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("Endpoint", inbound is null ? endpointName : $"{endpointName} ({inbound.EndpointType}) {inbound.Address}"),
                    ("Attributes", device.Attributes is { Count: > 0 } a ? string.Join('\n', a.Select(p => $"{p.Key}={p.Value}")) : null),
                    ("Status", DeviceHealth(status)),
                ]);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command SetDeviceStatus(GlobalOptions global, CliConsole console)
    {
        var name = new Argument<string>("device") { Description = "The device's name" };
        var endpoint = EndpointOption();
        var errorCode = new Option<string?>("--error-code") { Description = "Report this error on the endpoint (with --error-message)" };
        var errorMessage = new Option<string?>("--error-message") { Description = "The reported error's message" };
        var statusJson = new Option<string?>("--status")
        {
            Description = "The whole status as ADR JSON ({\"config\":...,\"endpoints\":{\"inbound\":...}}): text, @file or -",
            HelpName = "json",
        };
        var command = new CliCommand("set-status", "Report a device's status: healthy (no options), an endpoint error, or a whole status document")
        {
            name, endpoint, errorCode, errorMessage, statusJson,
        };
        command.Examples.Add("aio device set-status pump-1");
        command.Examples.Add("aio device set-status pump-1 --endpoint opc --error-code 503 --error-message 'server unreachable'");
        command.Examples.Add("aio device set-status pump-1 --status @status.json");
        command.Validators.Add(result =>
        {
            if (result.GetValue(statusJson) is not null && (result.GetValue(errorCode) ?? result.GetValue(errorMessage)) is not null)
            {
                result.AddError("--status replaces the whole status: do not combine it with --error-code/--error-message");
            }
            else if (result.GetValue(errorMessage) is not null && result.GetValue(errorCode) is null)
            {
                result.AddError("--error-message needs --error-code");
            }
        });
        CliActions.Set(command, global, console, async context =>
        {
            var deviceName = context.Parse.GetRequiredValue(name);
            DeviceStatus? given = null;
            if (await PayloadInput.ReadAsync(context.Parse.GetValue(statusJson), "--status", context.Console, context.CancellationToken).ConfigureAwait(false) is { } bytes)
            {
                PayloadInput.EnsureJson(bytes, "--status");
                try
                {
                    given = JsonSerializer.Deserialize<DeviceStatus>(bytes, DeviceRegistryJson.Options)
                        ?? throw CliException.BadInput("--status: the status is null");
                }
                catch (JsonException ex)
                {
                    throw CliException.BadInput($"--status: not a device status{(ex.Path is null ? string.Empty : $" (at {ex.Path})")}: {ex.Message}", ex);
                }
            }

            var client = await ConnectAsync(context).ConfigureAwait(false);
            var endpointName = await EndpointOfAsync(context, client, deviceName, context.Parse.GetValue(endpoint)).ConfigureAwait(false);
            if (given is null)
            {
                var device = await client.GetDeviceAsync(deviceName, endpointName, context.Timeout, context.CancellationToken).ConfigureAwait(false);
                var code = context.Parse.GetValue(errorCode);
                given = new DeviceStatus
                {
                    Config = new ConfigStatus { Version = device.Version, LastTransitionTime = context.Application.TimeProvider.GetUtcNow() },
                    Endpoints = new DeviceStatusEndpoints
                    {
                        Inbound = new Dictionary<string, DeviceStatusInboundEndpoint>
                        {
                            [endpointName] = new() { Error = code is null ? null : new ConfigError { Code = code, Message = context.Parse.GetValue(errorMessage) } },
                        },
                    },
                };
            }

            var stored = await client.UpdateDeviceStatusAsync(deviceName, endpointName, given, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject { ["name"] = deviceName, ["endpoint"] = endpointName, ["status"] = ToJson(stored) });
            }
            else
            {
                context.Output.WriteProperties([("Device", deviceName), ("Endpoint", endpointName), ("Status", DeviceHealth(stored))]);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ListAssets(GlobalOptions global, CliConsole console)
    {
        var device = new Option<string?>("--device", "-d") { Description = "Only this device's assets" };
        var command = new CliCommand("list", "List assets with their device, endpoint and datasets") { device };
        command.Examples.Add("aio asset list");
        command.Examples.Add("aio asset list --device pump-1 --json");
        CliActions.Set(command, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var assets = await client.ListAssetsAsync(context.Parse.GetValue(device), context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                var array = new JsonArray();
                foreach (var entry in assets)
                {
                    array.Add(new JsonObject { ["name"] = entry.AssetName, ["asset"] = ToJson(entry.Asset), ["status"] = ToJson(entry.Status) });
                }

                context.Output.WriteJson(new JsonObject { ["assets"] = array });
            }
            else if (assets.Count == 0)
            {
                context.Output.WriteLine("no assets", Colour.Yellow);
            }
            else
            {
                context.Output.WriteTable(
                    ["NAME", "DEVICE", "ENDPOINT", "DISPLAY NAME", "ENABLED", "DATASETS"],
                    assets.Select(a => (IReadOnlyList<string?>)
                    [
                        a.AssetName,
                        a.Asset.DeviceRef.DeviceName,
                        a.Asset.DeviceRef.EndpointName,
                        a.Asset.DisplayName,
                        a.Asset.Enabled is { } enabled ? (enabled ? "yes" : "no") : null,
                        (a.Asset.Datasets?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ]));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command GetAsset(GlobalOptions global, CliConsole console)
    {
        var name = new Argument<string>("asset") { Description = "The asset's name" };
        var device = new Option<string?>("--device", "-d") { Description = "The asset's device [default: looked up by the asset's name]" };
        var endpoint = EndpointOption();
        var command = new CliCommand("get", "Show an asset and its status") { name, device, endpoint };
        command.Examples.Add("aio asset get pump-1-motor");
        command.Examples.Add("aio asset get pump-1-motor --device pump-1 --endpoint opc --json");
        CliActions.Set(command, global, console, async context =>
        {
            var assetName = context.Parse.GetRequiredValue(name);
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var deviceName = context.Parse.GetValue(device);
            var endpointName = context.Parse.GetValue(endpoint);
            if (deviceName is null || endpointName is null)
            {
                var entry = (await client.ListAssetsAsync(deviceName, context.Timeout, context.CancellationToken).ConfigureAwait(false))
                    .FirstOrDefault(a => a.AssetName == assetName)
                    ?? throw new CliException(ExitCodes.NotFound, $"no asset named '{assetName}'{(deviceName is null ? string.Empty : $" on device '{deviceName}'")}");
                deviceName ??= entry.Asset.DeviceRef.DeviceName;
                endpointName ??= entry.Asset.DeviceRef.EndpointName;
            }

            var asset = await client.GetAssetAsync(deviceName, endpointName, assetName, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            var status = await client.GetAssetStatusAsync(deviceName, endpointName, assetName, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["name"] = assetName, ["device"] = deviceName, ["endpoint"] = endpointName, ["asset"] = ToJson(asset), ["status"] = ToJson(status),
                });
            }
            else
            {
                context.Output.WriteProperties([
                    ("Name", assetName),
                    ("Device", $"{deviceName} (endpoint {endpointName})"),
                    ("Display name", asset.DisplayName),
                    ("Description", asset.Description),
                    ("Enabled", asset.Enabled is { } enabled ? (enabled ? "yes" : "no") : null),
                    ("Manufacturer", asset.Manufacturer),
                    ("Model", asset.Model),
                    ("Datasets", asset.Datasets is { Count: > 0 } sets ? string.Join('\n', sets.Select(s => s.Name)) : null),
                    ("Status", Problem(status.Config?.Error) ?? (status.Config is null ? "-" : "ok")),
                ]);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

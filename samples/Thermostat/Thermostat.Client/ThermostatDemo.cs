using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using OrleansAio.Client.Security;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.GrainsInterfaces.Telemetry;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Samples.Thermostat;

/// <summary>Where the demo finds the silo.</summary>
public sealed class ThermostatDemoOptions
{
    /// <summary>The silo's Orleans gateway port (the silo's <c>Silo:GatewayPort</c>, default 30000).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The MQTT broker port (the silo's embedded broker, <c>Silo:BrokerPort</c>, default 1883).</summary>
    public int BrokerPort { get; set; } = 1883;

    /// <summary>The Orleans cluster id (the silo's <c>Silo:ClusterId</c>).</summary>
    public string ClusterId { get; set; } = "orleans-aio";

    /// <summary>The Orleans service id (the silo's <c>Silo:ServiceId</c>).</summary>
    public string ServiceId { get; set; } = "orleans-aio";

    /// <summary>The thermostat (device) ID.</summary>
    public string ThermostatId { get; set; } = "thermostat-1";

    /// <summary>How long to try to reach the silo (its gateway and its broker) before giving up (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether <c>--help</c> was asked for.</summary>
    public bool ShowHelp { get; set; }

    /// <summary>The usage text printed by <c>--help</c>.</summary>
    public const string Usage = """
        Thermostat sample client: plays a thermostat device (AIO over MQTT) and an Orleans client of the cluster.

        Usage: dotnet run --project samples/Thermostat/Thermostat.Client [-- options]

          --gateway-port N    the silo's Orleans gateway port (Silo:GatewayPort, default 30000)
          --broker-port N     the silo's MQTT broker port (Silo:BrokerPort, default 1883)
          --thermostat ID     the device id (default thermostat-1)
          --help              this text

        A TLS gateway (the silos' Cluster:Tls): set the same keys as environment variables, e.g.
          Cluster__Tls__Enabled=true Cluster__Tls__CaFile=ca.pem Cluster__Tls__CertFile=client.pfx Cluster__Tls__PasswordFile=pw

        Start the silo first: dotnet run --project samples/Thermostat/Thermostat.Silo
        """;

    /// <summary>Reads <c>--gateway-port N</c>, <c>--broker-port N</c> and <c>--thermostat ID</c>.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The options.</returns>
    public static ThermostatDemoOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ThermostatDemoOptions();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h" or "-?")
            {
                options.ShowHelp = true;
                continue;
            }

            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"'{args[i]}' needs a value");
            switch (args[i])
            {
                case "--gateway-port":
                    options.GatewayPort = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--broker-port":
                    options.BrokerPort = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--thermostat":
                    options.ThermostatId = value;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}' (known: --gateway-port, --broker-port, --thermostat, --help)");
            }

            i++;
        }

        return options;
    }
}

/// <summary>
/// The end-to-end walk through the sample, in one process playing two roles: a thermostat device speaking AIO over MQTT (its
/// own session, our protocol envoys), and an Orleans client of the cluster over the gateway.
/// </summary>
public static class ThermostatDemo
{
    /// <summary>Runs the walk-through and writes what happens to <paramref name="output"/>.</summary>
    /// <param name="options">Where the silo is.</param>
    /// <param name="output">Where to report.</param>
    /// <param name="cancellationToken">Cancels the demo.</param>
    /// <returns>The thermostat's final status.</returns>
    public static async Task<ThermostatStatus> RunAsync(ThermostatDemoOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var id = options.ThermostatId;

        // The Orleans client: static gateway list, so it needs nothing but the silo's gateway port.
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var giveUpAt = TimeProvider.System.GetUtcNow() + options.ConnectTimeout;
        builder.ConfigureOpenTelemetry();
        builder.UseOrleansClient(client => client
            .AddActivityPropagation()
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, options.GatewayPort))
            // The silos' own Cluster:Tls settings (Cluster__Tls__Enabled, __CaFile, __CertFile...) connect to a TLS gateway.
            .UseAioClusterTls()
            .UseConnectionRetryFilter(async (_, ct) =>
            {
                // Orleans retries a gateway that does not answer for minutes; the sample says what to start instead.
                if (TimeProvider.System.GetUtcNow() >= giveUpAt)
                {
                    return false;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                return true;
            })
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ServiceId;
            }));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new ThermostatSiloUnreachableException(
                $"cannot reach the silo's Orleans gateway at 127.0.0.1:{options.GatewayPort} within {options.ConnectTimeout.TotalSeconds:0} s: start it first (dotnet run --project samples/Thermostat/Thermostat.Silo) or pass --gateway-port",
                ex);
        }

        var grains = host.Services.GetRequiredService<IClusterClient>();

        // The device: its own MQTT session to the silo's broker.
        await using var device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connecting.CancelAfter(options.ConnectTimeout);
            try
            {
                await device.ConnectAsync(
                    new MqttConnectionSettings { HostName = "127.0.0.1", TcpPort = options.BrokerPort, UseTls = false, ClientId = $"{id}-{Guid.NewGuid():N}"[..24] },
                    connecting.Token);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ThermostatSiloUnreachableException(
                    $"cannot connect to the silo's MQTT broker at 127.0.0.1:{options.BrokerPort}: start the silo first (dotnet run --project samples/Thermostat/Thermostat.Silo) or pass --broker-port",
                    ex);
            }
        }
        var context = new ApplicationContext();
        var json = new JsonPayloadSerializer();

        // 1. The device serves getFirmware, which the cluster will call.
        await using var firmware = new CommandExecutor<FirmwareRequest, FirmwareResponse>(context, device, ThermostatTopics.GetFirmwareCommand, json)
        {
            RequestTopicPattern = ThermostatTopics.CommandPattern,
            TopicTokenMap = new Dictionary<string, string> { ["executorId"] = id, ["commandName"] = ThermostatTopics.GetFirmwareCommand },
            OnCommandReceived = (request, _) => Task.FromResult(ExtendedResponse<FirmwareResponse>.CreateFromResponse(
                new FirmwareResponse(request.Request?.Detail == true ? "2.4.1+build.77" : "2.4.1"))),
        };
        await firmware.StartAsync(cancellationToken: cancellationToken);

        // 2. The Orleans client observes the thermostat's temperature topic grain.
        var temperature = grains.GetGrain<ITelemetryTopicGrain<TemperatureReading>>(TelemetryTopicKey.Format(ThermostatTopics.TemperatureTelemetry, id));
        var observer = new PrintingObserver(output);
        var reference = grains.CreateObjectReference<ITelemetryObserver<TemperatureReading>>(observer);
        await temperature.SubscribeAsync(reference);

        // 3. The device sends three readings as AIO telemetry.
        await using var sender = new TelemetrySender<TemperatureReading>(context, device, json)
        {
            TopicPattern = ThermostatTopics.TemperaturePattern,
            PropagateTraceContext = true,
        };
        foreach (var celsius in new[] { 19.0, 19.5, 20.5 })
        {
            var metadata = new OutgoingTelemetryMetadata { CloudEvent = new CloudEvent($"aio://thermostats/{id}", "temperature") };
            await sender.SendTelemetryAsync(new TemperatureReading(celsius), metadata, new Dictionary<string, string> { ["deviceId"] = id }, cancellationToken: cancellationToken);
        }

        await observer.WaitForAsync(3, cancellationToken);
        var last = await temperature.GetLastAsync();
        await output.WriteLineAsync($"last reading kept by the cluster: {last?.Value?.Celsius} °C from {last?.SenderId}");

        // 4. The device asks the cluster to change its target: an AIO command served by the thermostat grain.
        await using var setTarget = new CommandInvoker<SetTargetRequest, SetTargetResponse>(context, device, ThermostatTopics.SetTargetCommand, json)
        {
            RequestTopicPattern = ThermostatTopics.CommandPattern,
            TopicTokenMap = new Dictionary<string, string> { ["executorId"] = id, ["commandName"] = ThermostatTopics.SetTargetCommand },
            PropagateTraceContext = true,
        };
        var changed = await setTarget.InvokeCommandAsync(new SetTargetRequest(22.5), cancellationToken: cancellationToken);
        await output.WriteLineAsync(
            $"setTarget answered: {changed.Response!.PreviousCelsius} -> {changed.Response.Celsius} °C, heating: {changed.Response.Heating}");
        var refused = await setTarget.InvokeCommandAsync(new SetTargetRequest(80), cancellationToken: cancellationToken);
        refused.TryGetApplicationError(out var code, out var detail);
        await output.WriteLineAsync($"setTarget 80 °C answered with application error {code} {detail}");

        // 5. The Orleans client calls the device's getFirmware through the cluster's invoker grain.
        var invoker = grains.GetGrain<ICommandInvokerGrain<FirmwareRequest, FirmwareResponse>>(ThermostatTopics.GetFirmwareCommand);
        var version = await invoker.InvokeAsync(new FirmwareRequest(true), new Dictionary<string, string> { ["executorId"] = id }, cancellationToken: cancellationToken);
        await output.WriteLineAsync($"getFirmware answered by the device: {version.Response!.Version}");

        // 6. The cluster's view of the thermostat.
        var status = await grains.GetGrain<IThermostatGrain>(id).GetStatusAsync();
        await output.WriteLineAsync($"status: target {status.TargetCelsius} °C, last {status.LastCelsius} °C");

        await temperature.UnsubscribeAsync(reference);
        grains.DeleteObjectReference<ITelemetryObserver<TemperatureReading>>(reference);
        await host.StopAsync(cancellationToken);
        return status;
    }

    private sealed class PrintingObserver(TextWriter output) : ITelemetryObserver<TemperatureReading>
    {
        private readonly ConcurrentQueue<TelemetryMessage<TemperatureReading>> received = new();
        private readonly SemaphoreSlim arrived = new(0);

        public async Task OnTelemetryAsync(TelemetryMessage<TemperatureReading> message)
        {
            received.Enqueue(message);
            await output.WriteLineAsync($"observer: {message.TopicTokens["deviceId"]} reads {message.Value?.Celsius} °C (source {message.CloudEvent?.Source})");
            arrived.Release();
        }

        public async Task WaitForAsync(int count, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (received.Count < count)
            {
                await arrived.WaitAsync(timeout.Token);
            }
        }
    }
}

/// <summary>The demo could not reach the silo (its gateway or its broker); the message says what to start.</summary>
/// <param name="message">One line for the user.</param>
/// <param name="innerException">The cause.</param>
public sealed class ThermostatSiloUnreachableException(string message, Exception innerException) : Exception(message, innerException);

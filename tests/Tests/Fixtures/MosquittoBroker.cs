using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// A Mosquitto broker run as a child process on a free loopback port with its own configuration in a temporary directory
/// (anonymous access, no persistence). Killed on dispose.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    /// <summary>The skip message for machines without Mosquitto.</summary>
    public const string SkipMessage = "Mosquitto is not installed; install Mosquitto: apt-get install -y mosquitto";

    private const int LogCapacity = 4000;
    private readonly string directory;
    private readonly string config;
    private readonly ConcurrentQueue<string> log = new();
    private Process process;

    MosquittoBroker(string directory, string config, int port)
    {
        this.directory = directory;
        this.config = config;
        Port = port;
        process = Launch(config, log);
    }

    /// <summary>The last lines Mosquitto logged (connections, disconnections and their reasons), oldest first.</summary>
    public IReadOnlyList<string> Log => [.. log];

    /// <summary>The loopback port Mosquitto listens on.</summary>
    public int Port { get; }

    /// <summary>The mosquitto executable found on PATH or in /usr/sbin, or <see langword="null"/>.</summary>
    public static string? ExecutablePath
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
            foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin"))
            {
                var candidate = Path.Combine(directory, "mosquitto");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    /// <summary>Whether Mosquitto is installed.</summary>
    public static bool IsInstalled => ExecutablePath is not null;

    /// <summary>Starts Mosquitto on a free port and waits until it accepts TCP connections.</summary>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <param name="persistent">
    /// Whether Mosquitto saves sessions and queued messages in its directory when it stops (SIGTERM in <see cref="RestartAsync"/>)
    /// and loads them when it starts again.
    /// </param>
    /// <exception cref="InvalidOperationException">Mosquitto is not installed, exited, or did not accept connections in time.</exception>
    /// <param name="extraConfiguration">More lines of <c>mosquitto.conf</c>, for example <c>max_packet_size 1000</c>.</param>
    public static async Task<MosquittoBroker> StartAsync(CancellationToken cancellationToken, bool persistent = false, string extraConfiguration = "")
    {
        _ = ExecutablePath ?? throw new InvalidOperationException(SkipMessage);
        var port = FreePort.Get();
        var directory = Directory.CreateTempSubdirectory("mosquitto-").FullName;
        var config = Path.Combine(directory, "mosquitto.conf");
        // Started as root, Mosquitto drops to the mosquitto user, which cannot write the private temporary directory.
        var persistence = persistent ? $"persistence true\npersistence_location {directory}/\nuser root\n" : "persistence false\n";
        await File.WriteAllTextAsync(
            config,
            $"listener {port} 127.0.0.1\nallow_anonymous true\n{persistence}max_queued_messages 10000\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\nconnection_messages true\nlog_timestamp_format %H:%M:%S\n{extraConfiguration}\n",
            cancellationToken);

        var broker = new MosquittoBroker(directory, config, port);
        await broker.WaitUntilListeningAsync(cancellationToken);
        return broker;
    }

    /// <summary>
    /// Stops Mosquitto gracefully (SIGTERM, so a persistent broker saves its sessions), then starts it again on the same port
    /// with the same configuration and waits until it accepts TCP connections.
    /// </summary>
    /// <param name="downtime">How long the broker stays down.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    public async Task RestartAsync(TimeSpan downtime, CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken);
        await Task.Delay(downtime, TimeProvider.System, cancellationToken);
        process.Dispose();
        process = Launch(config, log);
        await WaitUntilListeningAsync(cancellationToken);
    }

    /// <summary>Stops Mosquitto gracefully with SIGTERM and waits for it to exit.</summary>
    /// <param name="cancellationToken">Cancels waiting.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })
            ?? throw new InvalidOperationException("Could not run kill."))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken);
    }

    static Process Launch(string config, ConcurrentQueue<string> log)
    {
        var executable = ExecutablePath ?? throw new InvalidOperationException(SkipMessage);
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(config);
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}.");
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            log.Enqueue(line);
            while (log.Count > LogCapacity && log.TryDequeue(out _))
            {
            }
        }

        process.OutputDataReceived += (_, args) => Keep(args.Data);
        process.ErrorDataReceived += (_, args) => Keep(args.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20), TimeProvider.System);
        while (true)
        {
            if (process.HasExited)
            {
                var code = process.ExitCode;
                await DisposeAsync();
                throw new InvalidOperationException($"Mosquitto exited with code {code} before accepting connections on port {Port}.");
            }

            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException) when (!deadline.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, cancellationToken);
            }
            catch (SocketException exception)
            {
                await DisposeAsync();
                throw new InvalidOperationException($"Mosquitto did not accept connections on port {Port} within 20 s.", exception);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        process.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

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

    readonly Process _process;
    readonly string _directory;

    MosquittoBroker(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

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
    /// <exception cref="InvalidOperationException">Mosquitto is not installed, exited, or did not accept connections in time.</exception>
    public static async Task<MosquittoBroker> StartAsync(CancellationToken cancellationToken)
    {
        var executable = ExecutablePath ?? throw new InvalidOperationException(SkipMessage);
        var port = FreePort.Get();
        var directory = Directory.CreateTempSubdirectory("mosquitto-").FullName;
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(
            config,
            $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\n",
            cancellationToken);

        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(config);
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var broker = new MosquittoBroker(process, directory, port);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20), TimeProvider.System);
        while (true)
        {
            if (process.HasExited)
            {
                await broker.DisposeAsync();
                throw new InvalidOperationException($"Mosquitto exited with code {process.ExitCode} before accepting connections on port {port}.");
            }

            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return broker;
            }
            catch (SocketException) when (!deadline.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, cancellationToken);
            }
            catch (SocketException exception)
            {
                await broker.DisposeAsync();
                throw new InvalidOperationException($"Mosquitto did not accept connections on port {port} within 20 s.", exception);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

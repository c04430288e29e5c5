using System.Diagnostics;
using System.Net.Sockets;

namespace OrleansAio.Tests.Fixtures;

/// <summary>A real Redis server (Debian's <c>redis-server</c>) on a free loopback port, started and stopped by the test.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The message of tests skipped because Redis is missing.</summary>
    public const string SkipMessage = "Redis is not installed; install it: apt-get install -y redis-server";

    private readonly Process process;
    private readonly TempDirectory directory;

    private RedisServer(Process process, TempDirectory directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
    }

    /// <summary>The port Redis listens on.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The path of <c>redis-server</c>, or <see langword="null"/> when it is not installed.</summary>
    public static string? ExecutablePath =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// Why this machine's <c>redis-server</c> cannot serve TLS (not installed, older than 6, or built without TLS), or
    /// <see langword="null"/> when it can.
    /// </summary>
    public static string? TlsUnavailableReason()
    {
        if (ExecutablePath is not { } executable)
        {
            return SkipMessage;
        }

        var startInfo = new ProcessStartInfo(executable, "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(startInfo)!;
        var version = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var match = System.Text.RegularExpressions.Regex.Match(version, @"v=(\d+)\.", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        return match.Success && int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 6
            ? null
            : $"redis-server has no TLS ('{version.Trim()}'; needs Redis 6 or later built with TLS): install Debian's, apt-get install -y redis-server";
    }

    /// <summary>Starts Redis with persistence off in a temporary directory and waits until it accepts connections.</summary>
    public static Task<RedisServer> StartAsync(CancellationToken cancellationToken) => StartCoreAsync(null, cancellationToken);

    /// <summary>
    /// Starts Redis with TLS only (<c>--port 0 --tls-port</c>): <paramref name="certFile"/> and <paramref name="keyFile"/> are its PEM
    /// certificate and key, <paramref name="caFile"/> the CA of client certificates, which it requires when
    /// <paramref name="requireClientCertificates"/>.
    /// </summary>
    public static Task<RedisServer> StartWithTlsAsync(string certFile, string keyFile, string caFile, bool requireClientCertificates, CancellationToken cancellationToken) =>
        StartCoreAsync(
            ["--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", caFile, "--tls-auth-clients", requireClientCertificates ? "yes" : "no"],
            cancellationToken);

    private static async Task<RedisServer> StartCoreAsync(string[]? tls, CancellationToken cancellationToken)
    {
        var executable = ExecutablePath ?? throw new InvalidOperationException(SkipMessage);
        var directory = new TempDirectory("redis");
        var port = FreePort.Get();
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] ports = tls is null ? ["--port", portText] : ["--port", "0", "--tls-port", portText, .. tls];
        foreach (var arg in ports.Concat(["--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", directory.Path]))
        {
            startInfo.ArgumentList.Add(arg);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, directory, port);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100, cancellationToken);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        directory.Dispose();
    }
}

using System.Diagnostics;
using Garnet;
using Microsoft.Extensions.Logging;

namespace OrleansAio.Silo.Storage;

/// <summary>Settings of the embedded Garnet store.</summary>
public sealed class EmbeddedGarnetOptions
{
    /// <summary>The TCP port; must be free. Pick one with a loopback listener on port 0 when any port will do.</summary>
    public int Port { get; set; }

    /// <summary>The address to bind. Default <c>127.0.0.1</c>.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>The folder for the append-only file and checkpoints; created when missing.</summary>
    public required string DataDirectory { get; set; }

    /// <summary>Total main-log memory (Garnet size syntax). Default <c>64m</c>.</summary>
    public string MemorySize { get; set; } = "64m";

    /// <summary>Start size of the hash index (Garnet size syntax). Default <c>16m</c>.</summary>
    public string IndexSize { get; set; } = "16m";

    /// <summary>The lowest level of Garnet's own log entries that are passed on. Default <see cref="LogLevel.Warning"/>.</summary>
    public LogLevel GarnetLogLevel { get; set; } = LogLevel.Warning;
}

/// <summary>
/// An in-process Garnet server (Microsoft.Garnet) speaking RESP on loopback, with Lua (needed by Orleans' Redis providers) and an
/// append-only file that is committed before every reply, so every acknowledged write survives a crash of the process.
/// </summary>
/// <remarks>
/// On start Garnet recovers from the append-only file in <see cref="EmbeddedGarnetOptions.DataDirectory"/>. The device type is
/// <c>RandomAccess</c> because Garnet's native Linux device needs a libaio that Debian 12 lacks.
/// </remarks>
public sealed partial class EmbeddedGarnet : IDisposable
{
    private readonly EmbeddedGarnetOptions options;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private GarnetServer? server;

    /// <summary>Creates the server; nothing runs before <see cref="Start"/>.</summary>
    /// <param name="options">Port, data directory and memory sizes.</param>
    /// <param name="loggerFactory">Garnet's own logs go here too.</param>
    public EmbeddedGarnet(EmbeddedGarnetOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.options = options;
        this.loggerFactory = loggerFactory;
        logger = loggerFactory.CreateLogger<EmbeddedGarnet>();
    }

    /// <summary>The port the server listens on.</summary>
    public int Port => options.Port;

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => $"{options.BindAddress}:{options.Port}";

    /// <summary>The absolute path of the data directory.</summary>
    public string DataDirectory => Path.GetFullPath(options.DataDirectory);

    /// <summary>Recovers from the append-only file and starts listening.</summary>
    /// <exception cref="InvalidOperationException">Garnet refused its settings or could not start.</exception>
    public void Start()
    {
        if (server is not null)
        {
            return;
        }

        var dataDirectory = DataDirectory;
        Directory.CreateDirectory(dataDirectory);
        string[] args =
        [
            "--port", options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", options.BindAddress,
            "--lua",
            "--aof",
            "--aof-commit-freq", "0",
            "--aof-commit-wait",
            "--recover",
            "--device-type", "RandomAccess",
            "--checkpointdir", dataDirectory,
            "--memory", options.MemorySize,
            "--index", options.IndexSize,
            "-q",
        ];

        var stopwatch = Stopwatch.StartNew();
        GarnetServer created;
        try
        {
            created = new GarnetServer(args, new MinimumLevelLoggerFactory(loggerFactory, options.GarnetLogLevel));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"Garnet did not accept its settings: {ex.Message}", ex);
        }

        try
        {
            created.Start();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            created.Dispose();
            throw new InvalidOperationException($"Garnet could not start on {ConnectionString}: {ex.Message}", ex);
        }

        server = created;
        LogStarted(ConnectionString, dataDirectory, stopwatch.ElapsedMilliseconds);
    }

    /// <summary>Stops the server; the append-only file stays for the next start.</summary>
    public void Dispose()
    {
        var running = Interlocked.Exchange(ref server, null);
        if (running is null)
        {
            return;
        }

        running.Dispose();
        LogStopped(ConnectionString);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded Garnet store listening on {Endpoint}, append-only file in {DataDirectory} (started in {ElapsedMs} ms)")]
    private partial void LogStarted(string endpoint, string dataDirectory, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded Garnet store on {Endpoint} stopped")]
    private partial void LogStopped(string endpoint);
}

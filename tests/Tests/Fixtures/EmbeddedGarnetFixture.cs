using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Silo.Storage;

namespace OrleansAio.Tests.Fixtures;

/// <summary>An embedded Garnet store on a free loopback port with its append-only file in a temporary directory.</summary>
public sealed class EmbeddedGarnetFixture : IAsyncLifetime
{
    private readonly TempDirectory directory = new("garnet");
    private EmbeddedGarnet? garnet;

    /// <summary>The data directory, kept across <see cref="RestartAsync"/>.</summary>
    public string DataDirectory => directory.Path;

    /// <summary>The port of the running store.</summary>
    public int Port { get; } = FreePort.Get();

    /// <summary>A StackExchange.Redis connection string for the store.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <inheritdoc />
    public ValueTask InitializeAsync()
    {
        Start();
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the store and starts it again on the same port and data directory (recovery from the append-only file).</summary>
    public ValueTask RestartAsync()
    {
        garnet?.Dispose();
        Start();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        garnet?.Dispose();
        directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Start()
    {
        garnet = new EmbeddedGarnet(new EmbeddedGarnetOptions { Port = Port, DataDirectory = DataDirectory }, NullLoggerFactory.Instance);
        garnet.Start();
    }
}

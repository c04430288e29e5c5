using Microsoft.Extensions.Logging;
using OrleansAio.Silo.Broker;

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// An <see cref="EmbeddedMqttBroker"/> on a free loopback port, for use as a class or collection fixture. Its log is captured
/// (<see cref="Logs"/>) so tests can assert on it.
/// </summary>
public sealed class EmbeddedBrokerFixture : IAsyncLifetime
{
    private readonly ILoggerFactory loggerFactory;

    /// <summary>Creates the fixture with default options on a free port.</summary>
    public EmbeddedBrokerFixture()
        : this(new EmbeddedMqttBrokerOptions())
    {
    }

    /// <summary>Creates the fixture with the given options (port replaced with a free one), for tests that own their broker.</summary>
    /// <param name="options">The broker options.</param>
    internal EmbeddedBrokerFixture(EmbeddedMqttBrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Port = FreePort.Get();
        loggerFactory = Logs.CreateFactory(LogLevel.Debug);
        Broker = new EmbeddedMqttBroker(options, loggerFactory);
    }

    /// <summary>Everything the broker and MQTTnet logged at Debug or above.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The Error and Critical entries logged so far (a broker test fails on any).</summary>
    public IReadOnlyList<CapturedLog> Errors => [.. Logs.Entries.Where(e => e.Level >= LogLevel.Error)];

    /// <summary>The broker.</summary>
    public EmbeddedMqttBroker Broker { get; }

    /// <summary>The broker's loopback port.</summary>
    public int Port => Broker.Port;

    /// <summary>Connects an MQTT 5 client whose id carries the running test's name.</summary>
    /// <param name="suffix">Tells clients of one test apart.</param>
    /// <param name="sessionExpirySeconds">0 for a session that ends with the connection; more for a persistent session.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public Task<MqttTestClient> ConnectClientAsync(string suffix, uint sessionExpirySeconds = 0, CancellationToken cancellationToken = default) =>
        MqttTestClient.ConnectAsync(Port, suffix, sessionExpirySeconds, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => await Broker.StartAsync(TestContext.Current.CancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        loggerFactory.Dispose();
    }
}

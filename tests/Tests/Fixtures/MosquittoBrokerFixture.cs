namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// A <see cref="MosquittoBroker"/> for a test class, started when Mosquitto is installed. Tests call <see cref="RequirePort"/>,
/// which skips the test with an install hint when it is not.
/// </summary>
public sealed class MosquittoBrokerFixture : IAsyncLifetime
{
    MosquittoBroker? _broker;

    /// <summary>The running broker's port, or a skip of the current test when Mosquitto is not installed.</summary>
    public int RequirePort()
    {
        if (_broker is null)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        return _broker.Port;
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (MosquittoBroker.IsInstalled)
        {
            _broker = await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// A <see cref="MosquittoBroker"/> for a test class, started when Mosquitto is installed. Tests call <see cref="RequirePort"/>,
/// which skips the test with an install hint when it is not.
/// </summary>
public sealed class MosquittoBrokerFixture : IAsyncLifetime
{
    private MosquittoBroker? broker;

    /// <summary>The running broker's port, or a skip of the current test when Mosquitto is not installed.</summary>
    public int RequirePort()
    {
        if (broker is null)
        {
            Assert.Skip(MosquittoBroker.SkipMessage);
        }

        return broker.Port;
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (MosquittoBroker.IsInstalled)
        {
            broker = await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }
    }
}

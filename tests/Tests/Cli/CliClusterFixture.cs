using OrleansAio.Silo.Rpc;
using OrleansAio.Tests.Fixtures;
using OrleansAio.Tests.Rpc;

namespace OrleansAio.Tests.Cli;

/// <summary>The embedded broker and one silo with the state store, leases and a test command (<c>increment</c>, <see cref="ICounterGrain"/>).</summary>
public sealed class CliClusterFixture : AioClusterFixture
{
    /// <summary>The request topic pattern of the test command.</summary>
    public const string CommandPattern = "test/cli/{executorId}/{commandName}";

    /// <summary>Creates the fixture with one silo.</summary>
    public CliClusterFixture()
        : base(1)
    {
    }

    /// <inheritdoc />
    protected override void ConfigureSilo(ISiloBuilder silo) =>
        silo.AddAioCommand<CounterRequest, CounterResponse, ICounterGrain>("increment", options =>
        {
            options.RequestTopicPattern = CommandPattern;
            options.ExecutionTimeout = TimeSpan.FromSeconds(5);
        });
}

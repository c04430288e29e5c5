using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Protocol.Common;
using OrleansAio.Silo.Rpc;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>A cluster whose Orleans call timeout (1 s) is shorter than the command's execution timeout (20 s).</summary>
public sealed class LongCommandClusterFixture : AioClusterFixture
{
    /// <summary>The command's request topic pattern.</summary>
    public const string Pattern = "test/long/{executorId}/{commandName}";

    /// <inheritdoc />
    protected override void ConfigureSilo(ISiloBuilder silo)
    {
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(1));
        silo.AddAioCommand<CounterRequest, CounterResponse, ICounterGrain>("long", options =>
        {
            options.RequestTopicPattern = Pattern;
            options.ExecutionTimeout = TimeSpan.FromSeconds(20);
        });
    }
}

/// <summary>The grain call of a command is bounded by the command's execution timeout, not by Orleans' call timeout.</summary>
public sealed class LongCommandTests(LongCommandClusterFixture fixture) : IClassFixture<LongCommandClusterFixture>
{
    [Fact]
    public async Task AHandlerSlowerThanTheOrleansCallTimeoutButWithinTheExecutionTimeoutAnswers200()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await device.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId("long")), ct);
        await using var invoker = new CommandInvoker<CounterRequest, CounterResponse>(new ApplicationContext(), device, "long", new JsonPayloadSerializer())
        {
            RequestTopicPattern = LongCommandClusterFixture.Pattern,
            TopicTokenMap = new Dictionary<string, string> { ["commandName"] = "long" },
        };

        // It was a 500 (Orleans' 30 s timeout, here 1 s, fired first) though the command may run 20 s.
        var response = await invoker.InvokeCommandAsync(
            new CounterRequest("pause", 1),
            null,
            new Dictionary<string, string> { ["executorId"] = $"long-{Guid.NewGuid():N}" },
            TimeSpan.FromSeconds(30),
            ct);

        Assert.Equal(1, response.Response!.Executions);
    }
}

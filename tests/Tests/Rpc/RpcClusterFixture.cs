using OrleansAio.Silo.Rpc;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>Two silos serving the <c>increment</c> command with <see cref="ICounterGrain"/> and calling a stand-in device.</summary>
public class RpcClusterFixture : AioClusterFixture
{
    public const string CounterPattern = "test/rpc/{executorId}/{commandName}";
    public const string DevicePattern = "test/device/{executorId}/{commandName}";

    protected override void ConfigureSilo(ISiloBuilder silo)
    {
        silo.AddAioCommand<CounterRequest, CounterResponse, ICounterGrain>("increment", options =>
        {
            options.RequestTopicPattern = CounterPattern;
            options.ExecutionTimeout = TimeSpan.FromSeconds(2);
        });
        // The same grain type serving a second command, its dedup record kept in the activation only.
        silo.AddAioCommand<CounterRequest, CounterResponse, ICounterGrain>("incrementInMemory", options =>
        {
            options.RequestTopicPattern = CounterPattern;
            options.DedupDurability = nameof(CommandDedupDurability.Activation);
        });
        silo.AddAioCommandInvoker<DeviceRequest, DeviceResponse>("echo", options => options.RequestTopicPattern = DevicePattern);
        silo.AddAioCommandInvoker<DeviceRequest, DeviceResponse>("nobody", options => options.RequestTopicPattern = DevicePattern);

        // Same topic as "echo", but a payload the device cannot read as a DeviceRequest.
        silo.AddAioCommandInvoker<int, DeviceResponse>("echoWithBadPayload", options =>
        {
            options.RequestTopicPattern = DevicePattern;
            options.TopicTokenMap["commandName"] = "echo";
        });
    }
}

using System.Diagnostics;
using MQTTnet;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Diagnostics;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Tests.Protocol.Rpc;

public sealed class CommandExecutorDispatchTests
{
    private readonly RecordingMqttClient client = new("executor-client");
    private readonly ApplicationContext context = new();

    [Fact]
    public async Task A_duplicate_of_an_in_flight_request_waits_and_gets_the_same_response()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executions = 0;
        await using var executor = new CommandExecutor<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            OnCommandReceived = async (_, ct) =>
            {
                Interlocked.Increment(ref executions);
                await release.Task.WaitAsync(ct);
                return ExtendedResponse<string>.CreateFromResponse("once");
            },
        };
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var correlation = Guid.NewGuid().ToByteArray();

        await client.ReceiveAsync(Request(correlation));
        await client.ReceiveAsync(Request(correlation));
        release.SetResult();
        var first = await client.NextPublishAsync();
        var second = await client.NextPublishAsync();
        await client.WaitForAcknowledgementsAsync(2);

        Assert.Equal(1, executions);
        Assert.Equal("\"once\"", first.PayloadText());
        Assert.Equal("\"once\"", second.PayloadText());
        Assert.Equal(correlation, second.CorrelationData);
    }

    [Fact]
    public async Task Concurrency_limit_holds_requests_in_arrival_order_and_all_are_answered()
    {
        var running = 0;
        var maxRunning = 0;
        var entered = new List<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var executor = new CommandExecutor<int, int>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            OnCommandReceived = async (request, ct) =>
            {
                lock (entered)
                {
                    entered.Add(request.Request);
                    maxRunning = Math.Max(maxRunning, ++running);
                }

                await gate.Task.WaitAsync(ct);
                lock (entered)
                {
                    running--;
                }

                return ExtendedResponse<int>.CreateFromResponse(request.Request * 2);
            },
        };
        await executor.StartAsync(preferredDispatchConcurrency: 2, cancellationToken: TestContext.Current.CancellationToken);

        for (var i = 1; i <= 6; i++)
        {
            await client.ReceiveAsync(TestMessages.Create("mock/test", i.ToString(System.Globalization.CultureInfo.InvariantCulture), correlationData: Guid.NewGuid().ToByteArray(), responseTopic: "r"));
        }

        await MqttWait(() => Volatile.Read(ref running) == 2);
        gate.SetResult();
        await client.WaitForAcknowledgementsAsync(6);

        Assert.Equal(2, maxRunning);
        Assert.Equal([1, 2, 3, 4, 5, 6], entered);
        Assert.Equal(6, client.Published.Count(m => m.Property("__stat") == "200"));
    }

    [Fact]
    public async Task A_request_that_expires_while_its_handler_runs_gets_no_response_but_is_acked()
    {
        await using var executor = new CommandExecutor<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            ExecutionTimeout = TimeSpan.FromSeconds(20),
            OnCommandReceived = async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return default;
            },
        };
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        await client.ReceiveAsync(TestMessages.Create("mock/test", "\"x\"", correlationData: Guid.NewGuid().ToByteArray(), responseTopic: "r", messageExpiry: 1));
        await client.WaitForAcknowledgementsAsync(1);

        Assert.Empty(client.Published);
    }

    [Fact]
    public async Task A_failed_subscribe_leaves_the_executor_startable_again()
    {
        client.SubscribeResultCode = MqttClientSubscribeResultCode.NotAuthorized;
        await using var executor = new CommandExecutor<string, string>(context, client, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            OnCommandReceived = (_, _) => Task.FromResult(ExtendedResponse<string>.CreateFromResponse("ok")),
        };

        await Assert.ThrowsAsync<AioProtocolException>(() => executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken));
        client.SubscribeResultCode = MqttClientSubscribeResultCode.GrantedQoS1;
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await client.ReceiveAsync(Request(Guid.NewGuid().ToByteArray()));

        Assert.Equal("200", (await client.NextPublishAsync()).Property("__stat"));
        Assert.Equal(2, client.Subscribed.Count);
    }

    [Fact]
    public async Task Trace_context_is_only_propagated_when_enabled_and_parents_the_execute_activity()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ProtocolDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (activities)
                {
                    activities.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var hub = new LoopbackHub();
        var invokerClient = new RecordingMqttClient("invoker", hub);
        var executorClient = new RecordingMqttClient("executor", hub);
        await using var executor = new CommandExecutor<string, string>(context, executorClient, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            OnCommandReceived = (_, _) => Task.FromResult(ExtendedResponse<string>.CreateFromResponse("ok")),
        };
        await executor.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var plain = new CommandInvoker<string, string>(context, invokerClient, "test", new JsonPayloadSerializer()) { RequestTopicPattern = "mock/test" };
        await using var traced = new CommandInvoker<string, string>(context, invokerClient, "test", new JsonPayloadSerializer())
        {
            RequestTopicPattern = "mock/test",
            PropagateTraceContext = true,
        };

        await plain.InvokeCommandAsync("a", cancellationToken: TestContext.Current.CancellationToken);
        await traced.InvokeCommandAsync("b", cancellationToken: TestContext.Current.CancellationToken);
        await executorClient.WaitForAcknowledgementsAsync(2);

        var requests = invokerClient.Published.ToArray();
        Assert.Null(requests[0].Property("traceparent"));
        var traceParent = requests[1].Property("traceparent");
        Assert.NotNull(traceParent);
        Assert.Equal(string.Empty, requests[1].Property("$high_priority"));
        Assert.Equal("$high_priority", requests[1].PropertyNames()[^1]);
        lock (activities)
        {
            var invoke = activities.Single(a => a.Kind == ActivityKind.Client && a.Id == traceParent);
            Assert.Contains(activities, a => a.Kind == ActivityKind.Server && a.ParentId == invoke.Id);
        }
    }

    private static MqttApplicationMessage Request(byte[] correlation) =>
        TestMessages.Create("mock/test", "\"Test_Request\"", correlationData: correlation, responseTopic: "response/mock/test");

    private static async Task MqttWait(Func<bool> condition)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, guard.Token);
        }
    }
}

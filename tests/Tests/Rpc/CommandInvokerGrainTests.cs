using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Abstractions.Common;
using OrleansAio.GrainsInterfaces.Rpc;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>Invoker side: an Orleans client calls a stand-in device's executor through <see cref="ICommandInvokerGrain{TReq, TResp}"/>.</summary>
public sealed class CommandInvokerGrainTests(RpcClusterFixture fixture) : IClassFixture<RpcClusterFixture>, IAsyncLifetime
{
    private readonly string deviceId = $"dev-{Guid.NewGuid():N}"[..12];
    private MqttSessionClient? device;
    private CommandExecutor<DeviceRequest, DeviceResponse>? executor;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        device = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await device.ConnectAsync(fixture.MqttSettings(MqttTestClient.TestClientId("device")), Ct);
        executor = new CommandExecutor<DeviceRequest, DeviceResponse>(new ApplicationContext(), device, "echo", new JsonPayloadSerializer())
        {
            RequestTopicPattern = RpcClusterFixture.DevicePattern,
            TopicTokenMap = new Dictionary<string, string> { ["executorId"] = deviceId, ["commandName"] = "echo" },
            ExecutionTimeout = TimeSpan.FromSeconds(1),
            OnCommandReceived = async (request, ct) =>
            {
                switch (request.Request!.Mode)
                {
                    case "throw":
                        throw new InvalidOperationException("the device is off");
                    case "slow":
                        await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, ct);
                        break;
                }

                var response = ExtendedResponse<DeviceResponse>.CreateFromResponse(new DeviceResponse(request.Request.Text, deviceId));
                response.ResponseMetadata?.UserData.Add("x", "y");
                return request.Request.Mode == "appError"
                    ? response.WithApplicationError("Busy", "{}")
                    : response with { ResponseMetadata = new CommandResponseMetadata { UserData = { ["unit"] = "C" } } };
            },
        };
        await executor.StartAsync(cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (executor is not null)
        {
            await executor.DisposeAsync();
        }

        if (device is not null)
        {
            await device.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheResponseComesBackWithItsMetadata()
    {
        var invoker = fixture.Client.GetGrain<ICommandInvokerGrain<DeviceRequest, DeviceResponse>>("echo");

        var response = await invoker.InvokeAsync(new DeviceRequest("ok", "hello"), Tokens(), cancellationToken: Ct);

        Assert.Equal(new DeviceResponse("hello", deviceId), response.Response);
        Assert.Equal("C", response.UserData["unit"]);
        Assert.NotNull(response.Timestamp);
        Assert.Equal("application/json", response.ContentType);
        Assert.Null(response.ApplicationErrorCode);
    }

    [Fact]
    public async Task ManyCallsFromSeveralSilosShareEachSilosInvoker()
    {
        var invoker = fixture.Client.GetGrain<ICommandInvokerGrain<DeviceRequest, DeviceResponse>>("echo");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            invoker.InvokeAsync(new DeviceRequest("ok", $"m{i}"), Tokens(), cancellationToken: Ct)));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), responses.Select(r => r.Response!.Echo));
    }

    [Fact]
    public async Task AnApplicationErrorIsAResponseNotAnException()
    {
        var invoker = fixture.Client.GetGrain<ICommandInvokerGrain<DeviceRequest, DeviceResponse>>("echo");

        var response = await invoker.InvokeAsync(new DeviceRequest("appError", "x"), Tokens(), cancellationToken: Ct);

        Assert.Equal("Busy", response.ApplicationErrorCode);
        Assert.Equal("{}", response.ApplicationErrorPayload);
    }

    [Fact]
    public async Task AFailingExecutorIsARemoteExecutionError()
    {
        var error = await InvokeFailingAsync("echo", new DeviceRequest("throw", "x"), Tokens());

        Assert.Equal(AioErrorKind.ExecutionException, error.Kind);
        Assert.True(error.IsRemote);
        Assert.False(error.IsShallow);
        Assert.Equal("echo", error.CommandName);
        Assert.NotNull(error.CorrelationId);
        Assert.Contains("the device is off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExecutorPastItsTimeoutIsARemoteTimeout()
    {
        var error = await InvokeFailingAsync("echo", new DeviceRequest("slow", "x"), Tokens());

        Assert.Equal(AioErrorKind.Timeout, error.Kind);
        Assert.True(error.IsRemote);
        Assert.Equal("ExecutionTimeout", error.TimeoutName);
        Assert.Equal(TimeSpan.FromSeconds(1), error.TimeoutValue);
    }

    [Fact]
    public async Task NoSubscriberIsAnMqttError()
    {
        // §1.10: a PUBACK other than Success ("no matching subscribers") fails the call locally.
        var error = await InvokeFailingAsync("nobody", new DeviceRequest("ok", "x"), Tokens(), TimeSpan.FromSeconds(1));

        Assert.Equal(AioErrorKind.MqttError, error.Kind);
        Assert.False(error.IsRemote);
        Assert.False(error.IsShallow);
    }

    [Fact]
    public async Task AnExecutorThatNeverAnswersIsALocalTimeout()
    {
        await using var mute = await MqttTestClient.ConnectAsync(fixture.Broker.Port, "mute", cancellationToken: Ct);
        await mute.SubscribeAsync($"test/device/{deviceId}/nobody", Ct);

        var error = await InvokeFailingAsync("nobody", new DeviceRequest("ok", "x"), Tokens(), TimeSpan.FromSeconds(1));

        Assert.Equal(AioErrorKind.Timeout, error.Kind);
        Assert.False(error.IsRemote);
        Assert.Equal("commandTimeout", error.TimeoutName);
        Assert.Equal(TimeSpan.FromSeconds(1), error.TimeoutValue);
    }

    [Fact]
    public async Task APayloadTheExecutorCannotReadIsARemoteInvalidPayload()
    {
        var invoker = fixture.Client.GetGrain<ICommandInvokerGrain<int, DeviceResponse>>("echoWithBadPayload");

        var error = await Assert.ThrowsAsync<AioEnvoyException>(() => invoker.InvokeAsync(42, Tokens(), cancellationToken: Ct));

        Assert.Equal(AioErrorKind.PayloadInvalid, error.Kind);
        Assert.True(error.IsRemote);
    }

    [Fact]
    public async Task AMissingTopicTokenIsAShallowConfigurationError()
    {
        var error = await InvokeFailingAsync("echo", new DeviceRequest("ok", "x"), topicTokens: null);

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.True(error.IsShallow);
        Assert.False(error.IsRemote);
        Assert.Equal("executorId", error.PropertyName);
    }

    [Fact]
    public async Task AnUnregisteredCommandIsAConfigurationErrorNamingIt()
    {
        var error = await InvokeFailingAsync("unheardOf", new DeviceRequest("ok", "x"), Tokens());

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.Equal("unheardOf", error.PropertyValue);
        Assert.Contains("AddAioCommandInvoker", error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Tokens() => new() { ["executorId"] = deviceId };

    private Task<AioEnvoyException> InvokeFailingAsync(string command, DeviceRequest request, Dictionary<string, string>? topicTokens, TimeSpan? timeout = null) =>
        Assert.ThrowsAsync<AioEnvoyException>(() =>
            fixture.Client.GetGrain<ICommandInvokerGrain<DeviceRequest, DeviceResponse>>(command).InvokeAsync(request, topicTokens, timeout, cancellationToken: Ct));
}

using System.Text;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>The exact bytes and properties of the wire endpoint (services.md 1.3-1.9), seen by a plain MQTT client.</summary>
public sealed class StateStoreWireTests(AioClusterFixture fixture) : IClassFixture<AioClusterFixture>, IAsyncLifetime
{
    private RawStateStoreRequester? requester;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RawStateStoreRequester Raw => requester!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => requester = await RawStateStoreRequester.ConnectAsync(fixture.Broker.Port, "raw", Ct);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (requester is not null)
        {
            await requester.DisposeAsync();
        }
    }

    [Fact]
    public async Task RepliesAreTheExactRespValuesWithTheVersionInTimestamp()
    {
        var key = Encoding.UTF8.GetBytes($"wire-{Guid.NewGuid():N}");
        var set = await Raw.SendAsync(Resp3.EncodeArray("SET"u8.ToArray(), key, "v"u8.ToArray()), Ct);
        Assert.Equal("+OK\r\n", set.PayloadText());
        Assert.Equal("200", set.Property("__stat"));
        Assert.Equal("application/octet-stream", set.ContentType);
        var version = set.Property("__ts");
        Assert.True(HlcTimestamp.TryParse(version, out _));

        var refused = await Raw.SendAsync(Resp3.EncodeArray("SET"u8.ToArray(), key, "w"u8.ToArray(), "NX"u8.ToArray()), Ct);
        Assert.Equal(":-1\r\n", refused.PayloadText());
        Assert.Equal(version, refused.Property("__ts"));

        var hit = await Raw.SendAsync(Resp3.EncodeArray("GET"u8.ToArray(), key), Ct);
        Assert.Equal("$1\r\nv\r\n", hit.PayloadText());
        Assert.Equal(version, hit.Property("__ts"));

        Assert.Equal(":-1\r\n", (await Raw.SendAsync(Resp3.EncodeArray("VDEL"u8.ToArray(), key, "x"u8.ToArray()), Ct)).PayloadText());
        Assert.Equal(":1\r\n", (await Raw.SendAsync(Resp3.EncodeArray("DEL"u8.ToArray(), key), Ct)).PayloadText());
        Assert.Equal(":0\r\n", (await Raw.SendAsync(Resp3.EncodeArray("DEL"u8.ToArray(), key), Ct)).PayloadText());

        var miss = await Raw.SendAsync(Resp3.EncodeArray("GET"u8.ToArray(), key), Ct);
        Assert.Equal("$-1\r\n", miss.PayloadText());
        Assert.Null(miss.Property("__ts"));

        Assert.Equal("+OK\r\n", (await Raw.SendAsync(Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), key), Ct)).PayloadText());
        Assert.Equal("+OK\r\n", (await Raw.SendAsync(Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), key, "STOP"u8.ToArray()), Ct)).PayloadText());
        Assert.Equal(":0\r\n", (await Raw.SendAsync(Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), key, "STOP"u8.ToArray()), Ct)).PayloadText());
    }

    [Theory]
    [InlineData("*1\r\n$4\r\nPING\r\n", "unknown command")]
    [InlineData("*2\r\n$3\r\nset\r\n$1\r\nk\r\n", "unknown command")]
    [InlineData("*1\r\n$3\r\nGET\r\n", "wrong number of arguments")]
    [InlineData("*3\r\n$3\r\nGET\r\n$1\r\nk\r\n$1\r\nx\r\n", "wrong number of arguments")]
    [InlineData("*2\r\n$3\r\nSET\r\n$1\r\nk\r\n", "wrong number of arguments")]
    [InlineData("*7\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n$2\r\nPX\r\n$2\r\n10\r\n$1\r\nx\r\n", "wrong number of arguments")]
    [InlineData("*2\r\n$4\r\nVDEL\r\n$1\r\nk\r\n", "wrong number of arguments")]
    [InlineData("*4\r\n$9\r\nKEYNOTIFY\r\n$1\r\nk\r\n$4\r\nSTOP\r\n$1\r\nx\r\n", "wrong number of arguments")]
    [InlineData("*3\r\n$9\r\nKEYNOTIFY\r\n$1\r\nk\r\n$4\r\nSTAP\r\n", "syntax error")]
    [InlineData("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nXX\r\n", "syntax error")]
    [InlineData("*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nPX\r\n$2\r\nab\r\n", "syntax error")]
    [InlineData("*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nPX\r\n$1\r\n0\r\n", "syntax error")]
    [InlineData("*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n$3\r\nNEX\r\n", "syntax error")]
    [InlineData("*2\r\n$3\r\nGET\r\n$5\r\nk\r\n", "syntax error")]
    [InlineData("GET k\r\n", "syntax error")]
    [InlineData("", "syntax error")]
    [InlineData("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", "the key length is zero")]
    public async Task MalformedRequestsGetTheExactErrorText(string payload, string error)
    {
        var reply = await Raw.SendAsync(Encoding.UTF8.GetBytes(payload), Ct);
        Assert.Equal("200", reply.Property("__stat"));
        Assert.Equal($"-ERR {error}\r\n", reply.PayloadText());
    }

    [Fact]
    public async Task TimestampsAndFencingTokensAreValidated()
    {
        var get = Resp3.EncodeArray("GET"u8.ToArray(), "k"u8.ToArray());
        Assert.Equal("-ERR missing timestamp\r\n", (await Raw.SendAsync(get, Ct, withTimestamp: false)).PayloadText());
        Assert.Equal("-ERR malformed timestamp\r\n", (await Raw.SendAsync(get, Ct, false, ("__ts", "not-a-clock"))).PayloadText());
        var future = $"{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds():D15}:00000:node";
        Assert.Equal(
            $"-ERR {StateStoreErrors.TextOf(StateStoreServiceError.TimestampSkew)}\r\n",
            (await Raw.SendAsync(get, Ct, false, ("__ts", future))).PayloadText());

        var set = Resp3.EncodeArray("SET"u8.ToArray(), Encoding.UTF8.GetBytes($"ft-{Guid.NewGuid():N}"), "v"u8.ToArray());
        Assert.Equal("-ERR malformed timestamp\r\n", (await Raw.SendAsync(set, Ct, true, ("__ft", "1:2"))).PayloadText());
        Assert.Equal(
            $"-ERR {StateStoreErrors.TextOf(StateStoreServiceError.FencingTokenSkew)}\r\n",
            (await Raw.SendAsync(set, Ct, true, ("__ft", future))).PayloadText());
    }

    [Fact]
    public async Task NotificationsReachAnObserverThatNeverSubscribedToThem()
    {
        var key = Encoding.UTF8.GetBytes($"notify-{Guid.NewGuid():N}");
        Assert.Equal("+OK\r\n", (await Raw.SendAsync(Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), key), Ct)).PayloadText());
        var set = await Raw.SendAsync(Resp3.EncodeArray("SET"u8.ToArray(), key, "client-b"u8.ToArray()), Ct);
        var del = await Raw.SendAsync(Resp3.EncodeArray("DEL"u8.ToArray(), key), Ct);

        // Published before the reply, so both are already queued in this session ahead of the DEL reply.
        var notifications = Raw.Notifications.ToArray();
        Assert.Equal(2, notifications.Length);
        var topic = $"clients/statestore/v1/FA9AE35F-2F64-47CD-9BFF-08E2B32A0FE8/{Convert.ToHexString(Encoding.UTF8.GetBytes(Raw.ClientId))}/command/notify/{Convert.ToHexString(key)}";
        Assert.All(notifications, n => Assert.Equal(topic, n.Topic));
        Assert.Equal("*4\r\n$6\r\nNOTIFY\r\n$3\r\nSET\r\n$5\r\nVALUE\r\n$8\r\nclient-b\r\n", notifications[0].PayloadText());
        Assert.Equal(set.Property("__ts"), notifications[0].Property("__ts"));
        Assert.Equal("*2\r\n$6\r\nNOTIFY\r\n$6\r\nDELETE\r\n", notifications[1].PayloadText());
        Assert.True(HlcTimestamp.Parse(notifications[1].Property("__ts")!) > HlcTimestamp.Parse(set.Property("__ts")!));
        Assert.Equal(":1\r\n", del.PayloadText());
    }

    [Fact]
    public async Task AClientsObservationsEndWhenItDisconnects()
    {
        var key = Encoding.UTF8.GetBytes($"gone-{Guid.NewGuid():N}");
        await using var observer = await RawStateStoreRequester.ConnectAsync(fixture.Broker.Port, "observer", Ct);
        Assert.Equal("+OK\r\n", (await observer.SendAsync(Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), key), Ct)).PayloadText());

        var grain = fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(key));
        Assert.Contains(observer.ClientId, await grain.GetObservingClientsAsync());
        await observer.DisconnectAsync(Ct);

        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await grain.GetObservingClientsAsync()).Contains(observer.ClientId))
        {
            await Task.Delay(50, guard.Token);
        }
    }

    [Fact]
    public async Task AWireClientsObservationsSurviveAReconnect()
    {
        var key = $"reconnect-{Guid.NewGuid():N}";
        var clientId = MqttTestClient.TestClientId("reobserve");
        await using var session = new OrleansAio.Protocol.Session.MqttSessionClient(
            new OrleansAio.Protocol.Session.MqttSessionClientOptions(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await session.ConnectAsync(fixture.MqttSettings(clientId), Ct);
        await using var store = new StateStoreClient(new OrleansAio.Protocol.Common.ApplicationContext(), session);
        var changes = new System.Collections.Concurrent.ConcurrentQueue<KeyChangeMessageReceivedEventArgs>();
        store.KeyChangeMessageReceivedAsync += (_, e) =>
        {
            changes.Enqueue(e);
            return Task.CompletedTask;
        };
        await store.ObserveAsync(key, cancellationToken: Ct);
        var grain = fixture.Client.GetGrain<IStateStoreKeyGrain>(StateStoreGrainKey.ToGrainKey(Encoding.UTF8.GetBytes(key)));

        // The broker drops the connection; the state store ends the client's observations; the session reconnects.
        await fixture.Broker.Broker.Server.DisconnectClientAsync(clientId, new MQTTnet.Server.MqttServerClientDisconnectOptions());
        await MqttTestClient.WaitUntilAsync(async () => !(await grain.GetObservingClientsAsync()).Contains(clientId), "the observation to end", Ct);
        await MqttTestClient.WaitUntilAsync(async () => (await grain.GetObservingClientsAsync()).Contains(clientId), "the observation to be renewed", Ct);

        Assert.True((await grain.SetAsync(new StateStoreSetRequest("after"u8.ToArray()))).Applied);
        await MqttTestClient.WaitUntilAsync(() => !changes.IsEmpty, "the notification after the reconnect", Ct);
        Assert.Equal("after", Assert.Single(changes).NewValue!.GetString());
    }
}

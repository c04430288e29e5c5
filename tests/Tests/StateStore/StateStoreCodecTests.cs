using System.Text;
using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Grains.StateStore;
using OrleansAio.GrainsInterfaces.StateStore;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.StateStore;

namespace OrleansAio.Tests.StateStore;

/// <summary>The RESP3 codec, request validation, key mapping, HLC values and the version clock, without a cluster.</summary>
public sealed class StateStoreCodecTests
{
    [Theory]
    [InlineData("*3\r\n$3\r\nSET\r\n$7\r\ntestkey\r\n$9\r\ntestvalue\r\n", "SET", "testkey", "testvalue")]
    [InlineData("*4\r\n$3\r\nSET\r\n$7\r\ntestkey\r\n$9\r\ntestvalue\r\n$2\r\nNX\r\n", "SET", "testkey", "testvalue", "NX")]
    [InlineData("*6\r\n$3\r\nSET\r\n$5\r\nlock1\r\n$8\r\nclient-a\r\n$3\r\nNEX\r\n$2\r\nPX\r\n$5\r\n10000\r\n", "SET", "lock1", "client-a", "NEX", "PX", "10000")]
    [InlineData("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n", "SET", "", "")]
    [InlineData("*2\r\n$3\r\nGET\r\n$7\r\ntestkey\r\n", "GET", "testkey")]
    [InlineData("*3\r\n$9\r\nKEYNOTIFY\r\n$5\r\nlock1\r\n$4\r\nSTOP\r\n", "KEYNOTIFY", "lock1", "STOP")]
    public void RequestsEncodeAndParseAsTheSpecExamples(string wire, params string[] elements)
    {
        var encoded = Resp3.EncodeArray([.. elements.Select(e => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e))]);
        Assert.Equal(wire, Encoding.UTF8.GetString(encoded));
        Assert.True(Resp3.TryParseArray(encoded, out var parsed, out _));
        Assert.Equal(elements, parsed.Select(Encoding.UTF8.GetString));
    }

    [Fact]
    public void BinaryElementsMayContainLineBreaks()
    {
        var value = "a\r\nb\r\n"u8.ToArray();
        Assert.True(Resp3.TryParseArray(Resp3.EncodeArray("SET"u8.ToArray(), "k"u8.ToArray(), value), out var parsed, out _));
        Assert.Equal(value, parsed[2]);
    }

    [Theory]
    [InlineData("+OK\r\n", Resp3ReplyKind.SimpleString)]
    [InlineData(":-1\r\n", Resp3ReplyKind.Integer)]
    [InlineData("$-1\r\n", Resp3ReplyKind.Null)]
    [InlineData("$0\r\n\r\n", Resp3ReplyKind.BulkString)]
    [InlineData("-ERR \r\n", Resp3ReplyKind.Error)]
    [InlineData("*2\r\n$6\r\nNOTIFY\r\n$6\r\nDELETE\r\n", Resp3ReplyKind.Array)]
    public void RepliesParse(string wire, Resp3ReplyKind kind)
    {
        Assert.True(Resp3.TryParseReply(Encoding.UTF8.GetBytes(wire), out var reply, out _));
        Assert.Equal(kind, reply.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+OK")]
    [InlineData("$3\r\nab\r\n")]
    [InlineData("$2\r\nabc\r\n")]
    [InlineData(":1\r\n:2\r\n")]
    [InlineData("?\r\n")]
    public void MalformedRepliesAreRefused(string wire) => Assert.False(Resp3.TryParseReply(Encoding.UTF8.GetBytes(wire), out _, out _));

    [Fact]
    public void TheConditionMayFollowTheExpiryAndEveryErrorHasItsExactText()
    {
        var server = new StateStoreServer(new ApplicationContext(), new NeverConnectedClient());
        var ts = new HybridLogicalClock().EncodeToString();
        var payload = Resp3.EncodeArray("SET"u8.ToArray(), "k"u8.ToArray(), "v"u8.ToArray(), "PX"u8.ToArray(), "10"u8.ToArray(), "NX"u8.ToArray());
        Assert.Null(server.Validate(payload, ts, null, "c", out var command));
        Assert.Equal((SetCondition.OnlyIfDoesNotExist, 10L), (command.Condition, command.ExpiryMilliseconds!.Value));
        Assert.Equal(
            "the request fencing token is a lower version than the fencing token protecting the resource",
            StateStoreErrors.TextOf(StateStoreServiceError.FencingTokenLowerVersion));
        Assert.Equal(StateStoreServiceError.KeyLengthZero, StateStoreErrors.Parse("ERR the key length is zero"));
    }

    [Fact]
    public void GrainKeysMapEveryBinaryKeyOneToOne()
    {
        byte[][] keys = ["lock1"u8.ToArray(), new byte[] { 0, 0, 0 }, new byte[] { 0xFF, 0xFE }, "u:x"u8.ToArray(), "é"u8.ToArray()];
        var grainKeys = keys.Select(k => StateStoreGrainKey.ToGrainKey(k)).ToArray();
        Assert.Equal(keys.Length, grainKeys.Distinct().Count());
        Assert.Equal("u:lock1", grainKeys[0]);
        Assert.Equal("x:FFFE", grainKeys[2]);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(keys[i], StateStoreGrainKey.FromGrainKey(grainKeys[i]));
        }

        Assert.Throws<ArgumentException>(() => StateStoreGrainKey.ToGrainKey(ReadOnlySpan<byte>.Empty));
        Assert.Throws<FormatException>(() => StateStoreGrainKey.FromGrainKey("lock1"));
    }

    [Fact]
    public void HlcTimestampsRoundTripAndOrderLikeTheProtocolClock()
    {
        var epoch = HlcTimestamp.Parse("000000000000000:00000:00000000-0000-0000-0000-000000000000");
        var later = HlcTimestamp.Parse("001723456789012:00001:node");
        Assert.True(epoch < later);
        Assert.Equal("001723456789012:00001:node", later.ToString());
        Assert.Equal(later, HybridLogicalClock.FromTimestamp(later).ToTimestamp());
        Assert.False(HlcTimestamp.TryParse("1:2", out _));
        Assert.False(HlcTimestamp.TryParse("1:2:", out _));
    }

    [Fact]
    public void VersionsIncreaseStrictlyAndJumpAboveFloors()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var clock = new StateStoreVersionClock(time, "cluster");
        var first = clock.Next();
        var second = clock.Next(first);
        Assert.Equal((1_000_000L, 0, 1_000_000L, 1), (first.UnixMilliseconds, first.Counter, second.UnixMilliseconds, second.Counter));

        var floor = new HlcTimestamp(1_000_500, 3, "client");
        var above = clock.Next(floor);
        Assert.Equal((1_000_501L, 0, "cluster"), (above.UnixMilliseconds, above.Counter, above.NodeId));

        time.Now = DateTimeOffset.FromUnixTimeMilliseconds(1_002_000);
        var renewed = clock.Next(above);
        Assert.Equal((1_002_000L, 0), (renewed.UnixMilliseconds, renewed.Counter));
    }

    private sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class NeverConnectedClient : OrleansAio.Protocol.Mqtt.IMqttPubSubClient
    {
        public event Func<MQTTnet.MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync
        {
            add { }
            remove { }
        }

        public string? ClientId => "never";

        public MQTTnet.Formatter.MqttProtocolVersion ProtocolVersion => MQTTnet.Formatter.MqttProtocolVersion.V500;

        public Task<MQTTnet.MqttClientPublishResult> PublishAsync(MQTTnet.MqttApplicationMessage message, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("not connected");

        public Task<MQTTnet.MqttClientSubscribeResult> SubscribeAsync(MQTTnet.MqttClientSubscribeOptions options, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("not connected");

        public Task<MQTTnet.MqttClientUnsubscribeResult> UnsubscribeAsync(MQTTnet.MqttClientUnsubscribeOptions options, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("not connected");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using CsCheck;
using MQTTnet;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>
/// Random and mutated RESP3 payloads, with random <c>__ts</c> and <c>__ft</c> headers now and then, never crash the endpoint, always
/// get a well-formed reply, and a refused request writes nothing.
/// </summary>
public sealed class StateStoreFuzzTests(AioClusterFixture fixture) : IClassFixture<AioClusterFixture>
{
    private static readonly byte[] SentinelKey = "fuzz-sentinel"u8.ToArray();

    private static readonly byte[][] Seeds =
    [
        Resp3.EncodeArray("SET"u8.ToArray(), SentinelKey, "value"u8.ToArray()),
        Resp3.EncodeArray("SET"u8.ToArray(), SentinelKey, "value"u8.ToArray(), "NX"u8.ToArray()),
        Resp3.EncodeArray("SET"u8.ToArray(), SentinelKey, "value"u8.ToArray(), "NEX"u8.ToArray(), "PX"u8.ToArray(), "60000"u8.ToArray()),
        Resp3.EncodeArray("SET"u8.ToArray(), SentinelKey, "value"u8.ToArray(), "PX"u8.ToArray(), "60000"u8.ToArray()),
        Resp3.EncodeArray("GET"u8.ToArray(), SentinelKey),
        Resp3.EncodeArray("DEL"u8.ToArray(), SentinelKey),
        Resp3.EncodeArray("VDEL"u8.ToArray(), SentinelKey, "value"u8.ToArray()),
        Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), SentinelKey),
        Resp3.EncodeArray("KEYNOTIFY"u8.ToArray(), SentinelKey, "STOP"u8.ToArray()),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryPayloadGetsAWellFormedReplyAndErrorsWriteNothing()
    {
        await using var raw = await RawStateStoreRequester.ConnectAsync(fixture.Broker.Port, "fuzz", Ct);
        var random = Gen.Byte.Array[0, 80];
        var mutated = Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Int[0, 4], Gen.Int[0, 200], Gen.Byte, Mutate);
        var header = Gen.Select(Gen.Int[0, 7], Gen.String[0, 40], Gen.Long[0, 999_999_999_999_999], (kind, text, ms) => kind switch
        {
            0 => text,
            1 => $"{ms:D15}:00000:fuzz",
            _ => (string?)null,
        });
        var cases = Check.Single(Gen.Select(Gen.Frequency((1, random), (2, mutated)), header, header, (p, ts, ft) => (p, ts, ft)).Array[240]);
        var payloads = cases.Select(c => c.p).ToArray();

        await raw.SendAsync(Seeds[0], Ct);
        var errors = 0;
        foreach (var (payload, timestamp, fencingToken) in cases)
        {
            var before = (await raw.SendAsync(Resp3.EncodeArray("GET"u8.ToArray(), SentinelKey), Ct)).PayloadText();
            var headers = new List<(string, string)> { ("__srcId", raw.ClientId), ("__ts", timestamp ?? RawStateStoreRequester.Now()) };
            if (fencingToken is not null)
            {
                headers.Add(("__ft", fencingToken));
            }

            var reply = await raw.SendRawAsync(payload, headers, Ct);
            Assert.Equal("200", reply.Property("__stat"));
            Assert.True(Resp3.TryParseReply(System.Buffers.BuffersExtensions.ToArray(reply.Payload), out var value, out var error), $"{Convert.ToHexString(payload)}: {error}");
            Assert.NotEqual(Resp3ReplyKind.Array, value.Kind);
            if (value.Kind == Resp3ReplyKind.Error)
            {
                errors++;
                Assert.StartsWith("ERR ", value.Text);
                Assert.NotEqual(StateStoreServiceError.Unknown, StateStoreErrors.Parse(value.Text!));
                var after = (await raw.SendAsync(Resp3.EncodeArray("GET"u8.ToArray(), SentinelKey), Ct)).PayloadText();
                Assert.Equal(before, after);
            }
        }

        Assert.InRange(errors, 1, payloads.Length - 1);
        // Still serving (on a fresh key: a fuzzed fencing token may have protected the sentinel).
        var fresh = System.Text.Encoding.UTF8.GetBytes($"after-fuzz-{Guid.NewGuid():N}");
        Assert.Equal("+OK\r\n", (await raw.SendAsync(Resp3.EncodeArray("SET"u8.ToArray(), fresh, "value"u8.ToArray()), Ct)).PayloadText());
        Assert.Equal("$5\r\nvalue\r\n", (await raw.SendAsync(Resp3.EncodeArray("GET"u8.ToArray(), fresh), Ct)).PayloadText());
    }

    private static byte[] Mutate(int seed, int kind, int position, byte value)
    {
        var bytes = Seeds[seed].ToList();
        var at = position % (bytes.Count + 1);
        switch (kind)
        {
            case 0 when at < bytes.Count:
                bytes[at] = value;
                break;
            case 1:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 2:
                bytes.Insert(at, value);
                break;
            case 3 when at < bytes.Count:
                bytes.RemoveAt(at);
                break;
            default:
                bytes.InsertRange(at, bytes.GetRange(0, Math.Min(at, 12)));
                break;
        }

        return [.. bytes];
    }
}

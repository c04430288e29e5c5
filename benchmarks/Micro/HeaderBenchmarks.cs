using BenchmarkDotNet.Attributes;
using MQTTnet;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Micro;

/// <summary>The AIO user properties of a request, written and read back as the envoys do (strings to UTF-8 bytes and back).</summary>
[MemoryDiagnoser]
public class HeaderBenchmarks
{
    private MqttApplicationMessage request = null!;

    /// <summary>Builds one request with the usual headers.</summary>
    [GlobalSetup]
    public void Setup() => request = Encode();

    /// <summary>Writes the headers of a request: protocol version, timestamp, source id, partition and one user property.</summary>
    /// <returns>The message.</returns>
    [Benchmark]
    public MqttApplicationMessage Encode()
    {
        var message = new MqttApplicationMessage { Topic = "aio/bench/command/echo" };
        message.AddUserProperty("__protVer", "1.0");
        message.AddUserProperty("__ts", "1764662400000:00000:node-1");
        message.AddUserProperty("__srcId", "bench-client");
        message.AddUserProperty("$partition", "bench-client");
        message.AddUserProperty("label", "one");
        return message;
    }

    /// <summary>Reads them back as the executor does: each by name, then all of them into a dictionary.</summary>
    /// <returns>How many user properties were read.</returns>
    [Benchmark]
    public int Decode()
    {
        var count = 0;
        count += request.GetUserProperty("__protVer") is null ? 0 : 1;
        count += request.GetUserProperty("__ts") is null ? 0 : 1;
        count += request.GetUserProperty("__srcId") is null ? 0 : 1;
        count += request.GetUserProperty("$partition") is null ? 0 : 1;
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.EnumerateUserProperties())
        {
            all.TryAdd(name, value);
        }

        return count + all.Count;
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>
/// A plain MQTTnet client that publishes hand-made state-store requests (any payload, any user properties) and returns the
/// raw response; it never subscribes to notification topics, so what it receives there the server put into its session.
/// </summary>
internal sealed class RawStateStoreRequester : IAsyncDisposable
{
    private readonly IMqttClient client;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<MqttApplicationMessage>> pending = new();

    private RawStateStoreRequester(IMqttClient client, string clientId)
    {
        this.client = client;
        ClientId = clientId;
        ResponseTopic = $"clients/{clientId}/{StateStoreTopics.RequestTopic}";
        client.ApplicationMessageReceivedAsync += args =>
        {
            var message = args.ApplicationMessage;
            if (message.Topic == ResponseTopic && message.CorrelationData is { } correlation
                && pending.TryRemove(Convert.ToHexString(correlation), out var waiter))
            {
                waiter.TrySetResult(message);
            }
            else if (message.Topic.StartsWith(StateStoreTopics.NotificationPrefix, StringComparison.Ordinal))
            {
                Notifications.Enqueue(message);
            }

            return Task.CompletedTask;
        };
    }

    public string ClientId { get; }

    public string ResponseTopic { get; }

    public ConcurrentQueue<MqttApplicationMessage> Notifications { get; } = new();

    public static async Task<RawStateStoreRequester> ConnectAsync(int port, string suffix, CancellationToken cancellationToken)
    {
        var clientId = MqttTestClient.TestClientId(suffix);
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId(clientId).WithCleanStart(true).Build(),
            cancellationToken);
        var requester = new RawStateStoreRequester(client, clientId);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(requester.ResponseTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        return requester;
    }

    /// <summary>The current time as an HLC string (the request's <c>__ts</c>).</summary>
    public static string Now() => $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds():D15}:00000:{Guid.NewGuid()}";

    /// <summary>Sends a request with <c>__ts</c> = now (unless <paramref name="withTimestamp"/> is false) and extra properties.</summary>
    public Task<MqttApplicationMessage> SendAsync(byte[] payload, CancellationToken cancellationToken, bool withTimestamp = true, params (string Name, string Value)[] properties)
    {
        var all = new List<(string, string)> { ("__srcId", ClientId) };
        if (withTimestamp)
        {
            all.Add(("__ts", Now()));
        }

        all.AddRange(properties);
        return SendRawAsync(payload, all, cancellationToken);
    }

    public async Task<MqttApplicationMessage> SendRawAsync(byte[] payload, IEnumerable<(string Name, string Value)> properties, CancellationToken cancellationToken)
    {
        var correlation = Guid.NewGuid().ToByteArray();
        var waiter = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[Convert.ToHexString(correlation)] = waiter;
        var message = new MqttApplicationMessage
        {
            Topic = StateStoreTopics.RequestTopic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ResponseTopic = ResponseTopic,
            CorrelationData = correlation,
            MessageExpiryInterval = 10,
            Payload = new ReadOnlySequence<byte>(payload),
            ContentType = "application/octet-stream",
            UserProperties = [.. properties.Select(p => new MqttUserProperty(p.Name, Encoding.UTF8.GetBytes(p.Value)))],
        };
        await client.PublishAsync(message, cancellationToken);
        return await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    public Task DisconnectAsync(CancellationToken cancellationToken) => client.DisconnectAsync(cancellationToken: cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync();
        }

        client.Dispose();
    }
}

/// <summary>Reading helpers for raw responses.</summary>
internal static class RawMessageExtensions
{
    public static string? Property(this MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();

    public static string PayloadText(this MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload.ToArray());
}

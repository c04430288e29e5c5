using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>
/// A plain MQTTnet client that publishes hand-made JSON requests (any bytes) on any request topic, as the public SDKs shape
/// them, and returns the raw response: for golden-byte and bad-input tests of the registry endpoints.
/// </summary>
internal sealed class RawJsonRequester : IAsyncDisposable
{
    private readonly IMqttClient client;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<MqttApplicationMessage>> pending = new();
    private readonly HashSet<string> subscribed = new(StringComparer.Ordinal);

    private RawJsonRequester(IMqttClient client, string clientId)
    {
        this.client = client;
        ClientId = clientId;
        client.ApplicationMessageReceivedAsync += args =>
        {
            if (args.ApplicationMessage.CorrelationData is { } correlation && pending.TryRemove(Convert.ToHexString(correlation), out var waiter))
            {
                waiter.TrySetResult(args.ApplicationMessage);
            }

            return Task.CompletedTask;
        };
    }

    public string ClientId { get; }

    public static async Task<RawJsonRequester> ConnectAsync(int port, string suffix, CancellationToken cancellationToken)
    {
        var clientId = MqttTestClient.TestClientId(suffix);
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId(clientId).WithCleanStart(true).Build(),
            cancellationToken);
        return new RawJsonRequester(client, clientId);
    }

    /// <summary>Sends <paramref name="json"/> (UTF-8; empty for no payload) to <paramref name="topic"/> and awaits the response.</summary>
    public Task<MqttApplicationMessage> SendAsync(string topic, string json, CancellationToken cancellationToken) =>
        SendBytesAsync(topic, Encoding.UTF8.GetBytes(json), "application/json", cancellationToken);

    /// <summary>Sends <paramref name="json"/> with another content type.</summary>
    public Task<MqttApplicationMessage> SendWithContentTypeAsync(string topic, string json, string contentType, CancellationToken cancellationToken) =>
        SendBytesAsync(topic, Encoding.UTF8.GetBytes(json), contentType, cancellationToken);

    public async Task<MqttApplicationMessage> SendBytesAsync(string topic, byte[] payload, string contentType, CancellationToken cancellationToken)
    {
        var responseTopic = $"clients/{ClientId}/{topic}";
        if (subscribed.Add(responseTopic))
        {
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(responseTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        }

        var correlation = Guid.NewGuid().ToByteArray();
        var waiter = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[Convert.ToHexString(correlation)] = waiter;
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ResponseTopic = responseTopic,
            CorrelationData = correlation,
            MessageExpiryInterval = 10,
            Payload = new ReadOnlySequence<byte>(payload),
            UserProperties =
            [
                new MqttUserProperty("__srcId", Encoding.UTF8.GetBytes(ClientId)),
                new MqttUserProperty("__protVer", Encoding.UTF8.GetBytes("1.0")),
                new MqttUserProperty("__ts", Encoding.UTF8.GetBytes($"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds():D15}:00000:{Guid.NewGuid()}")),
            ],
        };
        if (payload.Length > 0)
        {
            message.ContentType = contentType;
            message.PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData;
        }

        await client.PublishAsync(message, cancellationToken);
        return await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

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
internal static class RawJsonResponseExtensions
{
    public static string? Property(this MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();

    public static string PayloadText(this MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload.ToArray());
}

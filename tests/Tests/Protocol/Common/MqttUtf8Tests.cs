using MQTTnet;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Tests.Protocol.Common;

public sealed class MqttUtf8Tests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\nb", "a b")]
    [InlineData("a\r\n\tb", "a b")]
    [InlineData("a\u0000b", "a b")]
    [InlineData("a\u0085b\u007F", "a b ")]
    [InlineData("x\uFDD0y\uFFFEz", "x y z")]
    [InlineData("emoji \U0001F600 kept, é kept", "emoji \U0001F600 kept, é kept")]
    public void SanitizeReplacesWhatBrokersRefuse(string input, string expected) =>
        Assert.Equal(expected, MqttUtf8.Sanitize(input));

    [Fact]
    public void FirstDisallowedNamesTheCodePointAndIndex()
    {
        Assert.Null(MqttUtf8.FirstDisallowed("clean \U0001F600"));
        Assert.Equal("U+000A at index 3", MqttUtf8.FirstDisallowed("abc\ndef"));
        Assert.Equal("an unpaired surrogate U+DC00 at index 1", MqttUtf8.FirstDisallowed("a\uDC00"));
        Assert.Equal("lone   surrogate", MqttUtf8.Sanitize("lone \uD800 surrogate"));
    }

    [Theory]
    [InlineData("bad\ttopic", null, null, "topic")]
    [InlineData("ok/topic", "resp\u0001", null, "response topic")]
    [InlineData("ok/topic", null, "application/\njson", "content type")]
    public void ThrowIfUnsendableNamesTheField(string topic, string? responseTopic, string? contentType, string field)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithResponseTopic(responseTopic).WithContentType(contentType).Build();
        var error = Assert.Throws<AioProtocolException>(() => MqttUtf8.ThrowIfUnsendable(message));
        Assert.Equal(field, error.PropertyName);
    }

    [Fact]
    public void ThrowIfUnsendableChecksUserPropertyBytes()
    {
        var message = new MqttApplicationMessageBuilder().WithTopic("t").Build();
        message.UserProperties = [new MQTTnet.Packets.MqttUserProperty("k", new byte[] { 0xC3, 0x28 })];
        var error = Assert.Throws<AioProtocolException>(() => MqttUtf8.ThrowIfUnsendable(message));
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);

        message.UserProperties = [new MQTTnet.Packets.MqttUserProperty("k", "fine é"u8.ToArray())];
        MqttUtf8.ThrowIfUnsendable(message);
    }
}

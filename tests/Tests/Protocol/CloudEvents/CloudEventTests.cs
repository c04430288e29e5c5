using System.Text;
using MQTTnet;
using MQTTnet.Packets;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Tests.Protocol.CloudEvents;

public sealed class CloudEventTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 14, 52, 10, TimeSpan.Zero);

    [Fact]
    public void Defaults_fill_spec_version_id_type_time_and_subject_in_sdk_order()
    {
        var message = new MqttApplicationMessage { Topic = "mock/test", ContentType = "application/json" };

        message.SetCloudEvent(new CloudEvent("aio://probe/thermostat"), CloudEventMessageExtensions.TelemetryType, Now);

        var names = message.UserProperties.Select(p => p.Name).ToArray();
        Assert.Equal(["specversion", "id", "type", "source", "time", "subject"], names);
        Assert.Equal("1.0", Value(message, "specversion"));
        Assert.True(Guid.TryParse(Value(message, "id"), out _));
        Assert.Equal("ms.aio.telemetry", Value(message, "type"));
        Assert.Equal("2026-11-26T14:52:10Z", Value(message, "time"));
        Assert.Equal("mock/test", Value(message, "subject"));
    }

    [Theory]
    [InlineData("source", "::::")]
    [InlineData("source", "has space")]
    [InlineData("specversion", "")]
    [InlineData("id", "")]
    [InlineData("type", "")]
    [InlineData("subject", "")]
    [InlineData("dataschema", "")]
    [InlineData("dataschema", "::::")]
    [InlineData("dataschema", "note/absence/of/scheme")]
    public void Invalid_attributes_are_refused_on_send_as_invalid_configuration_named_CloudEvent(string attribute, string value)
    {
        var cloudEvent = new CloudEvent(attribute == "source" ? value : "dtmi:test:myEventSource;1");
        switch (attribute)
        {
            case "specversion": cloudEvent.SpecVersion = value; break;
            case "id": cloudEvent.Id = value; break;
            case "type": cloudEvent.Type = value; break;
            case "subject": cloudEvent.Subject = value; break;
            case "dataschema": cloudEvent.DataSchema = value; break;
        }

        var message = new MqttApplicationMessage { Topic = "mock/test", ContentType = "application/json" };
        var error = Assert.Throws<AioProtocolException>(() => message.SetCloudEvent(cloudEvent, CloudEventMessageExtensions.TelemetryType, Now));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.True(error.IsShallow);
        Assert.Equal("CloudEvent", error.PropertyName);
    }

    [Theory]
    [InlineData("myEventSource")]
    [InlineData("dtmi:test:myEventSource;1")]
    [InlineData("aio://probe/thermostat")]
    public void Relative_and_absolute_sources_and_odd_ids_are_sent(string source)
    {
        var message = new MqttApplicationMessage { Topic = "mock/test", ContentType = "application/json" };

        message.SetCloudEvent(new CloudEvent(source, "odd type !?", "one point zero") { Id = "::::" }, CloudEventMessageExtensions.TelemetryType, Now);

        Assert.Equal(source, Value(message, "source"));
        Assert.Equal("one point zero", Value(message, "specversion"));
        Assert.Equal("::::", Value(message, "id"));
    }

    [Fact]
    public void A_non_conforming_content_type_is_refused_when_a_cloud_event_is_attached()
    {
        var message = new MqttApplicationMessage { Topic = "mock/test", ContentType = "non.conforming" };

        var error = Assert.Throws<AioProtocolException>(() => message.SetCloudEvent(new CloudEvent("src"), CloudEventMessageExtensions.TelemetryType, Now));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
    }

    [Fact]
    public void A_valid_cloud_event_is_read_back_with_content_type_and_time()
    {
        var message = Received(("specversion", "1.0"), ("id", "::::"), ("source", "dtmi:test:myEventSource;1"), ("type", "test-type"),
            ("time", "1955-11-12T22:04:00Z"), ("subject", "mock/test"), ("dataschema", "dtmi:test:MyModel:_contents:__test;1"));

        var cloudEvent = message.GetCloudEvent();

        Assert.NotNull(cloudEvent);
        Assert.Equal("::::", cloudEvent.Id);
        Assert.Equal("1955-11-12T22:04:00Z", CloudEventRules.FormatTime(cloudEvent.Time!.Value));
        Assert.Equal("application/json", cloudEvent.DataContentType);
        Assert.Equal("dtmi:test:MyModel:_contents:__test;1", cloudEvent.DataSchema);
    }

    [Fact]
    public void Optional_attributes_may_be_absent()
    {
        var cloudEvent = Received(("specversion", "1.0"), ("id", "1"), ("source", "s"), ("type", "t")).GetCloudEvent();

        Assert.NotNull(cloudEvent);
        Assert.Null(cloudEvent.Time);
        Assert.Null(cloudEvent.Subject);
        Assert.Null(cloudEvent.DataSchema);
    }

    [Theory]
    [InlineData("specversion", null)]
    [InlineData("specversion", "")]
    [InlineData("specversion", "2.0")]
    [InlineData("id", "")]
    [InlineData("type", null)]
    [InlineData("type", "")]
    [InlineData("source", "::::")]
    [InlineData("subject", "")]
    [InlineData("dataschema", "")]
    [InlineData("dataschema", "::::")]
    [InlineData("dataschema", "note/absence/of/scheme")]
    [InlineData("time", "yesterday")]
    public void An_invalid_attribute_means_no_cloud_event(string attribute, string? value)
    {
        var attributes = new Dictionary<string, string?>
        {
            ["specversion"] = "1.0", ["id"] = "1", ["source"] = "s", ["type"] = "t", ["subject"] = "mock/test",
        };
        attributes[attribute] = value;

        var message = Received(attributes.Where(a => a.Value is not null).Select(a => (a.Key, a.Value!)).ToArray());

        Assert.Null(message.GetCloudEvent());
    }

    [Fact]
    public void A_non_conforming_received_content_type_means_no_cloud_event()
    {
        var message = Received(("specversion", "1.0"), ("id", "1"), ("source", "s"), ("type", "t"));
        message.ContentType = "non.conforming";

        Assert.Null(message.GetCloudEvent());
    }

    private static MqttApplicationMessage Received(params (string Name, string Value)[] properties) => new()
    {
        Topic = "mock/test",
        ContentType = "application/json",
        UserProperties = properties.Select(p => new MqttUserProperty(p.Name, Encoding.UTF8.GetBytes(p.Value))).ToList(),
    };

    private static string? Value(MqttApplicationMessage message, string name) =>
        message.UserProperties.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();
}

using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Tests.Protocol.Common;

public sealed class TopicPatternTests
{
    private static readonly Dictionary<string, string> NoTokens = [];

    [Theory]
    [InlineData("")]
    [InlineData("$sys/test")]
    [InlineData("/leading")]
    [InlineData("trailing/")]
    [InlineData("double//slash")]
    [InlineData("has+plus")]
    [InlineData("has/#")]
    [InlineData("non ascii/\u00e9")]
    [InlineData("space here")]
    [InlineData("mock/{in/valid}/test")]
    [InlineData("mock/{}/test")]
    [InlineData("mock/a{b}/test")]
    [InlineData("mock/{a+b}/test")]
    public void Invalid_patterns_name_the_pattern_option_and_value(string pattern)
    {
        var error = Assert.Throws<AioProtocolException>(() => TopicPattern.Validate(pattern, "RequestTopicPattern", NoTokens, requireReplacement: false));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.True(error.IsShallow);
        Assert.False(error.IsRemote);
        Assert.Equal("RequestTopicPattern", error.PropertyName);
        Assert.Equal(pattern, error.PropertyValue);
    }

    [Theory]
    [InlineData("mock/test")]
    [InlineData("mock/{modelId}/test/{ex:foobar}")]
    [InlineData("a\"quote/ok")]
    [InlineData("dtmi:test:MyModel;1")]
    public void Valid_patterns_pass(string pattern)
    {
        TopicPattern.Validate(pattern, "TopicPattern", NoTokens, requireReplacement: false);
    }

    [Fact]
    public void A_token_without_replacement_is_refused_for_publishers_naming_the_token()
    {
        var error = Assert.Throws<AioProtocolException>(() => TopicPattern.ResolvePublishTopic("mock/{executorId}/test", "RequestTopicPattern", null, NoTokens));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.True(error.IsShallow);
        Assert.Equal("executorId", error.PropertyName);
    }

    [Theory]
    [InlineData("Invalid#Model")]
    [InlineData("")]
    [InlineData("/lead")]
    [InlineData("trail/")]
    [InlineData("a//b")]
    [InlineData("{brace}")]
    public void An_invalid_replacement_names_the_token_and_the_value(string replacement)
    {
        var map = new Dictionary<string, string> { ["modelId"] = replacement };

        var error = Assert.Throws<AioProtocolException>(() => TopicPattern.ResolveSubscribeFilter("mock/{modelId}/test", "RequestTopicPattern", null, map));

        Assert.Equal("modelId", error.PropertyName);
        Assert.Equal(replacement, error.PropertyValue);
    }

    [Theory]
    [InlineData("invalid/{modelId}")]
    [InlineData("/ns")]
    [InlineData("ns/")]
    [InlineData("a//b")]
    [InlineData("")]
    public void An_invalid_namespace_names_TopicNamespace(string topicNamespace)
    {
        var error = Assert.Throws<AioProtocolException>(() => TopicPattern.ResolvePublishTopic("mock/test", "TopicPattern", topicNamespace, NoTokens));

        Assert.Equal("TopicNamespace", error.PropertyName);
        Assert.Equal(topicNamespace, error.PropertyValue);
    }

    [Fact]
    public void Publish_topics_replace_tokens_and_prefix_the_namespace()
    {
        var combined = TopicPattern.CombineTokenMaps(
            new Dictionary<string, string> { ["ex:resident"] = "MyRes" },
            new Dictionary<string, string> { ["ex:transient"] = "MyTrans", ["ex:resident"] = "Loser", ["unused"] = "x" });

        Assert.Equal("telemetry/MyRes/MyTrans", TopicPattern.ResolvePublishTopic("telemetry/{ex:resident}/{ex:transient}", "TopicPattern", null, combined));
        Assert.Equal("ns/a/telemetry/MyRes/MyTrans", TopicPattern.ResolvePublishTopic("telemetry/{ex:resident}/{ex:transient}", "TopicPattern", "ns/a", combined));
    }

    [Fact]
    public void Subscribe_filters_use_resident_values_plus_wildcards_namespace_and_share_prefix()
    {
        var resident = new Dictionary<string, string> { ["modelId"] = "dtmi:test:MyModel;1" };

        Assert.Equal("mock/dtmi:test:MyModel;1/test/+", TopicPattern.ResolveSubscribeFilter("mock/{modelId}/test/{ex:foobar}", "TopicPattern", null, resident));
        Assert.Equal(
            "some/topic/namespace/mock/dtmi:test:MyModel;1/test/+",
            TopicPattern.ResolveSubscribeFilter("mock/{modelId}/test/{ex:foobar}", "TopicPattern", "some/topic/namespace", resident));
        Assert.Equal("$share/group1/ns/mock/+/test", TopicPattern.ResolveSubscribeFilter("mock/{commandName}/test", "RequestTopicPattern", "ns", NoTokens, "group1"));
    }

    [Fact]
    public void A_service_group_must_be_one_valid_label()
    {
        var error = Assert.Throws<AioProtocolException>(() => TopicPattern.ResolveSubscribeFilter("mock/test", "TopicPattern", null, NoTokens, "a/b"));

        Assert.Equal("ServiceGroupId", error.PropertyName);
    }

    [Fact]
    public void Tokens_are_extracted_from_received_topics_including_resident_ones()
    {
        var tokens = TopicPattern.ExtractTokens("mock/{modelId}/test/{ex:foobar}", "some/ns", "some/ns/mock/dtmi:test:MyModel;1/test/MyValue");

        Assert.Equal("dtmi:test:MyModel;1", tokens["modelId"]);
        Assert.Equal("MyValue", tokens["ex:foobar"]);
        Assert.Empty(TopicPattern.ExtractTokens("mock/{a}", null, "mock/x/extra"));
        Assert.Empty(TopicPattern.ExtractTokens("mock/{a}/x", null, "mock/y"));
        Assert.Equal("", TopicPattern.ExtractTokens("{a}/b", null, "/b")["a"]);
        var last = TopicPattern.ExtractTokens("{first}/mid/{last}", "ns", "ns/1/mid/2");
        Assert.Equal(("1", "2"), (last["first"], last["last"]));
    }

    [Theory]
    [InlineData("mock/test", "mock/test", true)]
    [InlineData("mock/x/test", "mock/+/test", true)]
    [InlineData("mock/x/y/test", "mock/+/test", false)]
    [InlineData("mock/x/y", "mock/#", true)]
    [InlineData("mock", "mock/#", true)]
    [InlineData("mock/wrong", "mock/test", false)]
    [InlineData("mock/test", "$share/g/mock/test", true)]
    [InlineData("$sys/x", "+/x", false)]
    [InlineData("$sys/x", "#", false)]
    [InlineData("$sys/x", "$sys/#", true)]
    [InlineData("mock/test", "mock", false)]
    [InlineData("mock", "mock/test", false)]
    [InlineData("mock/", "mock/+", true)]
    [InlineData("a/b", "+/+", true)]
    [InlineData("a/b/c", "+/+", false)]
    [InlineData("a", "+/#", true)]
    [InlineData("a/b", "a/b/#", true)]
    [InlineData("a/bc", "a/b", false)]
    [InlineData("a/b", "a/bc", false)]
    [InlineData("x", "$share/g", false)]
    [InlineData("x/y", "$share/g/+/y", true)]
    public void Topic_filter_matching_follows_mqtt_rules(string topic, string filter, bool matches)
    {
        Assert.Equal(matches, TopicPattern.MatchesFilter(topic, filter));
    }
}

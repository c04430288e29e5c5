using OrleansAio.Protocol.Common;

namespace OrleansAio.Tests.Protocol.Common;

public sealed class ProtocolVersionTests
{
    [Theory]
    [InlineData("1.0", true)]
    [InlineData("1.7", true)]
    [InlineData(null, true)]
    [InlineData("2.0", false)]
    [InlineData("123456.0", false)]
    [InlineData("1", false)]
    [InlineData("1.0.0", false)]
    [InlineData("one.zero", false)]
    [InlineData("", false)]
    [InlineData("-1.0", false)]
    public void Only_the_major_is_checked_and_absence_means_one_point_zero(string? text, bool supported)
    {
        Assert.Equal(supported, ProtocolVersion.IsSupported(text, ProtocolVersion.SupportedRpcMajors));
    }

    [Fact]
    public void Supported_majors_round_trip_through_their_wire_form()
    {
        Assert.Equal("1", ProtocolVersion.FormatSupportedMajors(ProtocolVersion.SupportedRpcMajors));
        Assert.Equal([2, 3, 4], ProtocolVersion.ParseSupportedMajors("2 3 4"));
        Assert.Equal("1.0", ProtocolVersion.Rpc.ToString());
        Assert.Equal("1.0", ProtocolVersion.Telemetry.ToString());
    }

    [Fact]
    public void Iso8601_durations_use_the_xml_schema_form()
    {
        Assert.Equal("PT1S", Iso8601Duration.Format(TimeSpan.FromSeconds(1)));
        Assert.True(Iso8601Duration.TryParse("PT1M30S", out var value));
        Assert.Equal(TimeSpan.FromSeconds(90), value);
        Assert.False(Iso8601Duration.TryParse("ninety seconds", out _));
    }
}

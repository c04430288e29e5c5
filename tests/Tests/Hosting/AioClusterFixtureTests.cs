using Microsoft.Extensions.DependencyInjection;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Hosting;

/// <summary>Every silo of the multi-silo fixture holds its own connected MQTT session, as in production.</summary>
public sealed class AioClusterFixtureTests(AioClusterFixture fixture) : IClassFixture<AioClusterFixture>
{
    [Fact]
    public void EachSiloHasItsOwnConnectedSession()
    {
        var sessions = Enumerable.Range(0, fixture.Cluster.Silos.Count).Select(fixture.SessionOf).ToArray();
        Assert.Equal(2, sessions.Length);
        Assert.Equal(sessions.Length, sessions.Select(s => s.ClientId).Distinct().Count());
        Assert.All(Enumerable.Range(0, fixture.Cluster.Silos.Count), i => Assert.True(
            fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[i].SiloAddress).GetRequiredService<OrleansAio.Silo.Mqtt.SiloMqttConnection>().IsConnected));
    }
}

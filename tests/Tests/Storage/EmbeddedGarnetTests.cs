using OrleansAio.Tests.Fixtures;
using StackExchange.Redis;

namespace OrleansAio.Tests.Storage;

/// <summary>The embedded Garnet store keeps acknowledged writes across a restart (append-only file recovery).</summary>
public sealed class EmbeddedGarnetTests : IClassFixture<EmbeddedGarnetFixture>
{
    private readonly EmbeddedGarnetFixture garnet;

    /// <summary>Creates the tests over the shared store.</summary>
    public EmbeddedGarnetTests(EmbeddedGarnetFixture garnet) => this.garnet = garnet;

    [Fact]
    public async Task AcknowledgedWritesSurviveARestart()
    {
        var key = $"durable-{Guid.NewGuid():N}";
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString))
        {
            Assert.True(await connection.GetDatabase().StringSetAsync(key, "kept"));
        }

        await garnet.RestartAsync();

        await using (var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString))
        {
            Assert.Equal("kept", (string?)await connection.GetDatabase().StringGetAsync(key));
        }
    }

    [Fact]
    public async Task LuaScriptsRunBecauseOrleansRedisProvidersNeedThem()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var result = await connection.GetDatabase().ScriptEvaluateAsync("return ARGV[1]", values: ["lua-on"]);
        Assert.Equal("lua-on", (string?)result);
    }
}

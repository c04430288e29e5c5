using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;
using OrleansAio.Grains.Rpc;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Rpc;

/// <summary>
/// A cluster whose silos have no <see cref="ICommandDedupStore"/>, as a silo whose default grain storage is not Redis: the
/// durable dedup records go to the grain storage as one state per grain.
/// </summary>
public sealed class RpcGrainStorageDedupClusterFixture : RpcClusterFixture
{
    protected override void ConfigureSilo(ISiloBuilder silo)
    {
        // Registered before AddAioCommand's TryAdd, and null: what the silo's own factory returns without Redis grain storage.
        silo.Services.AddSingleton<ICommandDedupStore>(_ => null!);
        base.ConfigureSilo(silo);
    }
}

/// <summary>Durable command dedup in the grain storage (no record-by-record store).</summary>
public sealed class CommandDedupGrainStorageTests(RpcGrainStorageDedupClusterFixture fixture) : IClassFixture<RpcGrainStorageDedupClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AfterAConflictingWriteTheDurableRecordsAreReadAgainAndWrittenByTheNextRequest()
    {
        var key = $"conflict-{Guid.NewGuid():N}";
        await using var device = await CommandGrainTests.RawDevice.ConnectAsync(fixture, key);
        await device.Client.Client.PublishAsync(device.Request(Guid.NewGuid().ToByteArray()), Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 1, "the first response", Ct);

        // Another writer (a second activation during a membership change) changes the stored records: the activation's ETag is stale.
        var grainId = fixture.Client.GetGrain<ICounterGrain>(key).GetGrainId();
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var stored = new GrainState<CommandDedupState>(new CommandDedupState());
        await storage.ReadStateAsync(CommandDedupFilter.StateName, grainId, stored);
        Assert.Single(stored.State!.Records);
        await storage.WriteStateAsync(CommandDedupFilter.StateName, grainId, stored);

        // The next request's write fails on the ETag (logged, answered anyway) and reads the state again; the one after it writes.
        await device.Client.Client.PublishAsync(device.Request(Guid.NewGuid().ToByteArray()), Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 2, "the second response", Ct);
        await device.Client.Client.PublishAsync(device.Request(Guid.NewGuid().ToByteArray()), Ct);
        await MqttTestClient.WaitUntilAsync(() => device.Responses.Count == 3, "the third response", Ct);

        var after = new GrainState<CommandDedupState>(new CommandDedupState());
        await storage.ReadStateAsync(CommandDedupFilter.StateName, grainId, after);
        Assert.Equal(3, after.State!.Records.Count);
        Assert.Equal(3, await fixture.Client.GetGrain<ICounterGrain>(key).GetExecutionsAsync());
    }
}

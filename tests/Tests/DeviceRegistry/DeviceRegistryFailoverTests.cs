using System.Collections.Concurrent;
using Orleans.Runtime;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Tests.Fixtures;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>
/// When a silo stops, the registry grains it hosted move to the remaining silo with their stored state, and the wire endpoint of
/// the remaining silo serves every request (its own fresh two-silo cluster: it stops one).
/// </summary>
public sealed class DeviceRegistryFailoverTests(DeviceRegistryFixture fixture) : IClassFixture<DeviceRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DevicesOfAStoppedSiloMoveWithTheirStatusAndSubscriptions()
    {
        var events = new ConcurrentQueue<string>();
        var (client, session) = await fixture.ConnectWireAsync(MqttTestClient.TestClientId("connector"));
        await using var sessionScope = session;
        await using var clientScope = client;
        client.OnReceiveDeviceUpdateEventTelemetry += (device, _, _) =>
        {
            events.Enqueue(device);
            return Task.CompletedTask;
        };

        var registry = fixture.Client.GetGrain<G.IDeviceRegistryGrain>("default");
        var names = Enumerable.Range(0, 12).Select(i => $"moving-{i}-{Guid.NewGuid().ToString("N")[..6]}").ToList();
        foreach (var name in names)
        {
            var created = await registry.CreateOrUpdateDeviceAsync(name, new G.Device
            {
                Endpoints = new G.DeviceEndpoints { Inbound = new() { ["ep"] = new G.InboundEndpoint { Address = "a", EndpointType = "t" } } },
            });
            Assert.True(created.IsSuccess, created.Error?.Message);
            await client.UpdateDeviceStatusAsync(name, "ep", new DeviceStatus { Config = new ConfigStatus { Version = 1, Error = new ConfigError { Message = name } } }, cancellationToken: Ct);
            await client.SetNotificationPreferenceForDeviceUpdatesAsync(name, "ep", NotificationPreference.On, cancellationToken: Ct);
        }

        // Stop the silo that hosts the most of these devices' grains.
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var hosts = await HostsAsync(management, names);
        var leaving = fixture.Cluster.Silos.OrderByDescending(s => hosts.Count(h => h.Value == s.SiloAddress)).First();
        var moved = hosts.Where(h => h.Value == leaving.SiloAddress).Select(h => h.Key).ToList();
        Assert.NotEmpty(moved);
        await fixture.Cluster.StopSiloAsync(leaving, Ct);
        var remaining = Assert.Single(fixture.Cluster.Silos).SiloAddress;

        foreach (var name in names)
        {
            var status = await client.GetDeviceStatusAsync(name, "ep", TimeSpan.FromSeconds(20), Ct);
            Assert.Equal(name, status.Config!.Error!.Message);
            Assert.Single(await fixture.Client.GetGrain<G.IDeviceGrain>(name).GetSubscriptionsAsync());
        }

        var after = await HostsAsync(management, moved);
        Assert.All(moved, name => Assert.Equal(remaining, after[name]));

        await client.UpdateDeviceStatusAsync(moved[0], "ep", new DeviceStatus(), TimeSpan.FromSeconds(20), Ct);
        await MqttTestClient.WaitUntilAsync(() => events.Contains(moved[0]), "a deviceUpdateEvent from the moved device grain", Ct);
    }

    private static async Task<Dictionary<string, SiloAddress>> HostsAsync(IManagementGrain management, IReadOnlyCollection<string> names)
    {
        var statistics = await management.GetDetailedGrainStatistics();
        return statistics
            .Where(s => s.GrainType.Contains(nameof(DeviceGrain), StringComparison.Ordinal) && names.Contains(s.GrainId.Key.ToString()))
            .GroupBy(s => s.GrainId.Key.ToString()!)
            .ToDictionary(g => g.Key, g => g.First().SiloAddress);
    }
}

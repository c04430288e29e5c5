using Orleans.TestingHost;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.StateStore;

/// <summary>A three-silo cluster of its own: the linearizability test kills one silo and starts another.</summary>
public sealed class StateStoreChaosClusterFixture : AioClusterFixture
{
    /// <summary>Creates the fixture with three silos.</summary>
    public StateStoreChaosClusterFixture()
        : base(3)
    {
    }
}

/// <summary>
/// Concurrent SET/GET/DEL/VDEL from Orleans and MQTT clients on a multi-silo cluster while a silo is killed and another started;
/// the recorded history must be linearizable per key (operations whose outcome the client never learnt may count either way).
/// </summary>
public sealed class StateStoreLinearizabilityTests(StateStoreChaosClusterFixture fixture) : IClassFixture<StateStoreChaosClusterFixture>
{
    private const int OperationsPerClient = 50;
    private static readonly string[] SharedValues = ["x", "y"];

    [Fact]
    public async Task AHistoryWithASiloKilledAndAnotherStartedIsLinearizable()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connections = new StateStoreConnections(fixture);
        var clients = new List<(IStateStoreClient Client, TimeSpan Timeout)>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add((connections.Grain(), TimeSpan.FromSeconds(5)));
        }

        for (var i = 0; i < 3; i++)
        {
            clients.Add((await connections.WireAsync($"lin{i}"), TimeSpan.FromSeconds(3)));
        }

        var keys = Enumerable.Range(0, 4).Select(i => $"lin-{Guid.NewGuid():N}-{i}").ToArray();
        var history = new System.Collections.Concurrent.ConcurrentBag<RegisterOperation>();
        var completed = 0;
        var total = clients.Count * OperationsPerClient;

        async Task RunClientAsync(int index)
        {
            var (client, timeout) = clients[index];
            var random = new Random(index * 7919);
            for (var i = 0; i < OperationsPerClient; i++)
            {
                history.Add(await RunOperationAsync(index, client, timeout, keys[random.Next(keys.Length)], random, i, ct));
                Interlocked.Increment(ref completed);
            }
        }

        async Task ChaosAsync()
        {
            await WaitForAsync(() => Volatile.Read(ref completed) >= total / 3, ct);
            var victim = fixture.Cluster.Silos[^1];
            await fixture.Cluster.KillSiloAsync(victim, ct);
            await WaitForAsync(() => Volatile.Read(ref completed) >= total * 2 / 3, ct);
            await fixture.Cluster.StartAdditionalSiloAsync();
        }

        var chaos = ChaosAsync();
        await Task.WhenAll(Enumerable.Range(0, clients.Count).Select(RunClientAsync));
        await chaos;

        var operations = history.ToList();
        Assert.Equal(total, operations.Count);
        var known = operations.Count(o => o.OutcomeKnown);
        TestContext.Current.TestOutputHelper?.WriteLine($"{known} of {total} operations answered; silos now {fixture.Cluster.Silos.Count}");
        Assert.True(known > total / 2, $"only {known} of {total} operations got an answer");
        var violation = LinearizabilityChecker.FindViolation(operations);
        Assert.True(violation is null, $"key {violation} is not linearizable:\n{string.Join('\n', operations.Where(o => o.Key == violation).OrderBy(o => o.Call))}");
    }

    private static async Task<RegisterOperation> RunOperationAsync(
        int clientIndex, IStateStoreClient client, TimeSpan timeout, string key, Random random, int sequence, CancellationToken ct)
    {
        var kind = (RegisterOperationKind)random.Next(4);
        var condition = kind == RegisterOperationKind.Set ? (RegisterCondition)random.Next(3) : RegisterCondition.Always;
        var value = kind is RegisterOperationKind.Set or RegisterOperationKind.VDelete
            ? random.Next(3) == 0 ? $"c{clientIndex}-{sequence}" : SharedValues[random.Next(SharedValues.Length)]
            : null;
        var call = TimeProvider.System.GetTimestamp();
        try
        {
            var operation = new RegisterOperation(clientIndex, key, kind, condition, value, call, 0, true);
            switch (kind)
            {
                case RegisterOperationKind.Set:
                    var set = await client.SetAsync(key, value!, new StateStoreSetRequestOptions
                    {
                        Condition = condition switch
                        {
                            RegisterCondition.NotSet => SetCondition.OnlyIfDoesNotExist,
                            RegisterCondition.EqualOrNotSet => SetCondition.OnlyIfEqualOrDoesNotExist,
                            _ => SetCondition.Unconditional,
                        },
                    }, timeout, ct);
                    return operation with { Return = TimeProvider.System.GetTimestamp(), Applied = set.Success };
                case RegisterOperationKind.Get:
                    var get = await client.GetAsync(key, timeout, ct);
                    return operation with { Return = TimeProvider.System.GetTimestamp(), ReadValue = get.Value?.GetString() };
                case RegisterOperationKind.Delete:
                    var del = await client.DeleteAsync(key, null, timeout, ct);
                    return operation with { Return = TimeProvider.System.GetTimestamp(), Count = del.DeletedItemsCount ?? 0 };
                default:
                    var vdel = await client.DeleteAsync(key, new StateStoreDeleteRequestOptions { OnlyDeleteIfValueEquals = value! }, timeout, ct);
                    return operation with { Return = TimeProvider.System.GetTimestamp(), Count = vdel.DeletedItemsCount ?? 0 };
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Timeouts, lost silos, failed storage writes: the client does not know whether the operation took effect.
            return new RegisterOperation(clientIndex, key, kind, condition, value, call, long.MaxValue, false);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(TimeSpan.FromMinutes(2));
        while (!condition())
        {
            await Task.Delay(20, guard.Token);
        }
    }
}

using OrleansAio.GrainsInterfaces.Rpc;

namespace OrleansAio.Tests.Rpc;

/// <summary>A request to the test command: <c>ok</c>, <c>throw</c>, <c>slow</c>, <c>pause</c> (3 s) or <c>appError</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record CounterRequest([property: Id(0)] string Mode, [property: Id(1)] int Amount);

/// <summary>What the counter grain answers.</summary>
[GenerateSerializer, Immutable]
public sealed record CounterResponse(
    [property: Id(0)] string Key,
    [property: Id(1)] int Executions,
    [property: Id(2)] int Total,
    [property: Id(3)] string CommandName,
    [property: Id(4)] string? Label);

/// <summary>A command served by grains keyed by the request topic's <c>executorId</c>.</summary>
public interface ICounterGrain : ICommandHandlerGrain<CounterRequest, CounterResponse>
{
    /// <summary>How many requests this grain executed.</summary>
    Task<int> GetExecutionsAsync();
}

/// <summary>Counts executions in memory (one activation per key) and behaves as the request's mode says.</summary>
public sealed class CounterGrain : Grain, ICounterGrain
{
    private int executions;
    private int total;

    public async Task<AioCommandResponse<CounterResponse>> ExecuteCommandAsync(AioCommandRequest<CounterRequest> request, CancellationToken cancellationToken)
    {
        var mode = request.Request?.Mode ?? "ok";
        if (mode == "slow")
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken);
        }

        if (mode == "pause")
        {
            // Longer than the Orleans call timeout of LongCommandClusterFixture, shorter than the command's execution timeout.
            await Task.Delay(TimeSpan.FromSeconds(3), TimeProvider.System, cancellationToken);
        }

        executions++;
        if (mode == "throw")
        {
            throw new InvalidOperationException($"counter {this.GetPrimaryKeyString()} refused");
        }

        if (mode == "nestedUnavailable")
        {
            // As if a call this grain made to a grain of a dead silo had failed and the grain let the failure escape.
            throw new SiloUnavailableException($"counter {this.GetPrimaryKeyString()}: a call it made found its silo unavailable");
        }

        total += request.Request?.Amount ?? 0;
        request.UserData.TryGetValue("label", out var label);
        var response = AioCommandResponse<CounterResponse>.From(
            new CounterResponse(this.GetPrimaryKeyString(), executions, total, request.CommandName, label));
        return mode == "appError" ? response.WithApplicationError("Overheated", "{\"limit\":30}") : response;
    }

    public Task<int> GetExecutionsAsync() => Task.FromResult(executions);
}

/// <summary>The request a stand-in device's executor serves.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceRequest([property: Id(0)] string Mode, [property: Id(1)] string Text);

/// <summary>The stand-in device's response.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceResponse([property: Id(0)] string Echo, [property: Id(1)] string Device);

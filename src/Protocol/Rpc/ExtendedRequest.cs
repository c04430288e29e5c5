namespace OrleansAio.Protocol.Rpc;

/// <summary>A received request with its metadata, as handed to the executor's handler.</summary>
/// <typeparam name="TReq">The request type.</typeparam>
public readonly record struct ExtendedRequest<TReq>
{
    /// <summary>The deserialized request (<see langword="default"/> for an empty payload).</summary>
    public TReq? Request { get; init; }

    /// <summary>The request metadata.</summary>
    public CommandRequestMetadata RequestMetadata { get; init; }
}

using OrleansAio.GrainsInterfaces.SchemaRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Grains.SchemaRegistry;

/// <summary>
/// The schema registry for Orleans client applications (and grains): the public AIO SDK's <c>SchemaRegistryClient</c> method
/// names over <see cref="ISchemaRegistryGrain"/> calls. Same contract as the wire-level <see cref="SchemaRegistryClient"/>
/// (<see cref="ISchemaRegistryClient"/>), including the error shape: refused fields and misses raise
/// <see cref="SchemaRegistryErrorException"/>, invalid content raises <see cref="AioProtocolException"/> of kind
/// <see cref="AioErrorKind.ExecutionException"/> with the message <c>Invalid &lt;format&gt; schema</c>.
/// </summary>
/// <remarks>The timeout bounds the wait for the grain call; a put that times out may still have been stored.</remarks>
/// <param name="grainFactory">The cluster client or a grain's factory.</param>
public sealed class ClusterSchemaRegistryClient(IGrainFactory grainFactory) : ISchemaRegistryClient
{
    private readonly IGrainFactory grainFactory = grainFactory ?? throw new ArgumentNullException(nameof(grainFactory));
    private bool disposed;

    /// <inheritdoc />
    public async Task<Schema> GetAsync(string schemaId, string version = "1", TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(schemaId);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var result = await WithTimeoutAsync(grainFactory.GetGrain<ISchemaRegistryGrain>(0).GetAsync(schemaId, version), "get", timeout, cancellationToken).ConfigureAwait(false);
        return ToSchema(result);
    }

    /// <inheritdoc />
    public async Task<Schema> PutAsync(
        string schemaContent,
        SchemaFormat schemaFormat,
        SchemaType schemaType = SchemaType.MessageSchema,
        string version = "1",
        IReadOnlyDictionary<string, string>? tags = null,
        string? displayName = null,
        string? description = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(schemaContent);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var request = new SchemaPutRequest(schemaContent, schemaFormat.ToWireString(), schemaType.ToWireString(), version, tags, displayName, description);
        var result = await WithTimeoutAsync(grainFactory.GetGrain<ISchemaRegistryGrain>(0).PutAsync(request), "put", timeout, cancellationToken).ConfigureAwait(false);
        return ToSchema(result);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        disposed = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>Maps a grain result to the wire client's shape: the schema, or the exception the wire client would raise.</summary>
    /// <param name="result">The grain's result.</param>
    /// <returns>The schema.</returns>
    internal static Schema ToSchema(SchemaRegistryResult result)
    {
        if (result.Error is { } error)
        {
            throw error.Kind switch
            {
                SchemaRegistryErrorKind.InvalidSchema => new AioProtocolException(AioErrorKind.ExecutionException, error.Message) { IsRemote = true },
                SchemaRegistryErrorKind.NotFound => new SchemaRegistryErrorException(new() { Code = (int)SchemaRegistryErrorCode.NotFound, Message = error.Message, Target = error.Target }),
                _ => new SchemaRegistryErrorException(new() { Code = (int)SchemaRegistryErrorCode.BadRequest, Message = error.Message, Target = error.Target }),
            };
        }

        var schema = result.Schema ?? throw AioProtocolException.PayloadInvalid("The schema registry grain returned neither a schema nor an error");
        return new Schema
        {
            Name = schema.Name,
            Namespace = schema.Namespace,
            Format = schema.Format,
            SchemaType = schema.SchemaType,
            SchemaContent = schema.SchemaContent,
            Version = schema.Version,
            Tags = schema.Tags,
            DisplayName = schema.DisplayName,
            Description = schema.Description,
        };
    }

    private static async Task<T> WithTimeoutAsync<T>(Task<T> call, string command, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        try
        {
            return await call.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw AioProtocolException.Timeout("timeout", limit, $"The schema registry {command} did not complete within {limit}", ex);
        }
    }
}

namespace OrleansAio.Protocol.SchemaRegistry;

/// <summary>A client of an AIO schema registry (services.md 3), with the public AIO SDK's method names.</summary>
public interface ISchemaRegistryClient : IAsyncDisposable
{
    /// <summary>Reads a schema (<c>get</c>).</summary>
    /// <param name="schemaId">The schema name (as returned by <see cref="PutAsync"/>).</param>
    /// <param name="version">The version (default <c>"1"</c>, as the .NET and Rust SDKs).</param>
    /// <param name="timeout">The timeout (default 10 s, rounded up to whole seconds).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schema.</returns>
    /// <exception cref="SchemaRegistryErrorException">The service reported an error, or the schema does not exist (code 404).</exception>
    /// <exception cref="Common.AioProtocolException">The call failed at the RPC level (timeout, no service, remote failure).</exception>
    Task<Schema> GetAsync(string schemaId, string version = "1", TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Registers a schema (<c>put</c>); putting the same content again returns the stored schema.</summary>
    /// <param name="schemaContent">The schema text.</param>
    /// <param name="schemaFormat">Its format.</param>
    /// <param name="schemaType">Its type (default <see cref="SchemaType.MessageSchema"/>).</param>
    /// <param name="version">The version (default <c>"1"</c>).</param>
    /// <param name="tags">Tags; optional (omitted from the request when <see langword="null"/>).</param>
    /// <param name="displayName">A display name; optional.</param>
    /// <param name="description">A description; optional.</param>
    /// <param name="timeout">The timeout (default 10 s).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The registered schema, with its name.</returns>
    /// <exception cref="SchemaRegistryErrorException">The service refused a field (code 400, <see cref="SchemaRegistryError.Target"/> names it).</exception>
    /// <exception cref="Common.AioProtocolException">The call failed at the RPC level; an invalid schema is refused this way
    /// (kind <see cref="Common.AioErrorKind.ExecutionException"/>, message <c>Invalid JsonSchema/draft-07 schema</c>).</exception>
    Task<Schema> PutAsync(
        string schemaContent,
        SchemaFormat schemaFormat,
        SchemaType schemaType = SchemaType.MessageSchema,
        string version = "1",
        IReadOnlyDictionary<string, string>? tags = null,
        string? displayName = null,
        string? description = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default);
}

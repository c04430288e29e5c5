namespace OrleansAio.GrainsInterfaces.SchemaRegistry;

/// <summary>
/// The schema registry for Orleans callers, with the public AIO SDK's method names: validates a put (JSON Schema draft-07 with
/// JsonSchema.Net, size and field rules), derives the name from the content and hands it to the <see cref="ISchemaGrain"/> of that
/// name. A stateless worker: use key 0.
/// </summary>
/// <remarks>
/// Refusals come back as <see cref="SchemaRegistryResult.Error"/>, never as exceptions; an exception means storage failed and the
/// outcome is unknown. See <c>src/Grains/SchemaRegistry/README.md</c>.
/// </remarks>
public interface ISchemaRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers a schema; the same content again returns the stored schema (a new version is added under the name).</summary>
    /// <param name="request">The content, format, type, version and metadata.</param>
    /// <returns>The stored schema, or the refusal.</returns>
    Task<SchemaRegistryResult> PutAsync(SchemaPutRequest request);

    /// <summary>Reads a schema.</summary>
    /// <param name="schemaId">The schema name.</param>
    /// <param name="version">The version (default <c>"1"</c>); when the schema has no such version, its first version is returned.</param>
    /// <returns>The schema, or <see cref="SchemaRegistryErrorKind.NotFound"/>.</returns>
    Task<SchemaRegistryResult> GetAsync(string schemaId, string version = "1");
}

/// <summary>
/// One schema: the content whose SHA-256 is the grain's key, and every version registered under it. Persisted through the default
/// grain storage before each reply.
/// </summary>
public interface ISchemaGrain : IGrainWithStringKey
{
    /// <summary>Stores a version of the schema unless that version is already stored (then the stored one is returned unchanged).</summary>
    /// <param name="schema">The schema; its <see cref="SchemaInfo.Name"/> must be the grain's key and match the content's hash.</param>
    /// <param name="maxVersions">The most versions the schema may hold.</param>
    /// <returns>The stored version, or the refusal.</returns>
    Task<SchemaRegistryResult> PutAsync(SchemaInfo schema, int maxVersions);

    /// <summary>Reads a version; an unknown version reads as the first version (the reference service ignores the version).</summary>
    /// <param name="version">The version.</param>
    /// <returns>The schema, or <see cref="SchemaRegistryErrorKind.NotFound"/> when nothing is stored under the name.</returns>
    Task<SchemaRegistryResult> GetAsync(string version);

    /// <summary>Every stored version, in the order they were put.</summary>
    /// <returns>The versions; empty when nothing is stored.</returns>
    Task<IReadOnlyList<SchemaInfo>> GetVersionsAsync();
}

using Microsoft.Extensions.Logging;
using OrleansAio.GrainsInterfaces.SchemaRegistry;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Grains.SchemaRegistry;

/// <summary>The persisted state of one schema name: its versions in the order they were put.</summary>
[GenerateSerializer]
public sealed class SchemaGrainState
{
    /// <summary>The stored versions, oldest first.</summary>
    [Id(0)]
    public List<SchemaInfo> Versions { get; set; } = [];
}

/// <summary>
/// One schema (see <c>README.md</c>): the grain's key is the name, the upper-case hex SHA-256 of the content; every version put
/// under it is persisted through the default grain storage before the reply.
/// </summary>
/// <param name="state">The persisted versions (default grain storage).</param>
/// <param name="logger">Logs stored versions.</param>
public sealed partial class SchemaGrain(
    [PersistentState("schema")] IPersistentState<SchemaGrainState> state,
    ILogger<SchemaGrain> logger) : Grain, ISchemaGrain
{
    /// <inheritdoc />
    public async Task<SchemaRegistryResult> PutAsync(SchemaInfo schema, int maxVersions)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var name = this.GetPrimaryKeyString();
        if (schema.Name != name || SchemaName.FromContent(schema.SchemaContent) != name)
        {
            return SchemaRegistryResult.Failure(
                SchemaRegistryErrorKind.BadRequest, $"The schema name '{schema.Name}' is not the SHA-256 of its content", SchemaRegistryErrorTarget.Name);
        }

        var versions = state.State.Versions;
        if (versions.Find(v => v.Version == schema.Version) is { } existing)
        {
            return SchemaRegistryResult.Success(existing);
        }

        if (versions.Count >= maxVersions)
        {
            return SchemaRegistryResult.Failure(
                SchemaRegistryErrorKind.TooManyVersions,
                $"The schema '{name}' already holds {versions.Count} versions; the limit is {maxVersions} (SchemaRegistry:MaxVersionsPerSchema)",
                SchemaRegistryErrorTarget.Version);
        }

        versions.Add(schema);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            versions.Remove(schema);
            throw;
        }

        LogStored(name, schema.Version, schema.Format);
        return SchemaRegistryResult.Success(schema);
    }

    /// <inheritdoc />
    public Task<SchemaRegistryResult> GetAsync(string version)
    {
        var versions = state.State.Versions;
        if (versions.Count == 0)
        {
            return Task.FromResult(SchemaRegistryResult.Failure(
                SchemaRegistryErrorKind.NotFound, $"Schema '{this.GetPrimaryKeyString()}' was not found", SchemaRegistryErrorTarget.Name));
        }

        return Task.FromResult(SchemaRegistryResult.Success(versions.Find(v => v.Version == version) ?? versions[0]));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SchemaInfo>> GetVersionsAsync() => Task.FromResult<IReadOnlyList<SchemaInfo>>([.. state.State.Versions]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema {Name} version {Version} ({Format}) stored")]
    private partial void LogStored(string name, string version, string format);
}

using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.GrainsInterfaces.SchemaRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Grains.EdgeRegistry;

/// <summary>
/// The Edge Registry's front door (see <c>README.md</c>): checks ids and limits, resolves the default Group and list scopes,
/// and calls the Group and Resource grains. Schemas created in <c>schemagroups</c> with a schema registry format are also put
/// into the schema registry (and the schema registry mirrors its puts here), so each is visible through the other.
/// </summary>
/// <param name="options">The default Group and limits.</param>
/// <param name="logger">Logs refusals and bridge failures.</param>
[StatelessWorker]
public sealed partial class EdgeRegistryGrain(IOptions<EdgeRegistryOptions> options, ILogger<EdgeRegistryGrain> logger) : Grain, IEdgeRegistryGrain
{
    /// <summary>The Group type the schema registry bridge uses.</summary>
    public const string SchemaGroupType = "schemagroups";

    /// <summary>The Resource type the schema registry bridge uses.</summary>
    public const string SchemaResourceType = "schemas";

    private string DefaultGroupId => options.Value.DefaultGroupId;

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeGroup>> CreateGroupAsync(string groupType, string? groupId, EdgeGroupAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (CheckIds(("groupType", groupType), ("groupId", groupId ?? DefaultGroupId)) is { } bad)
        {
            return EdgeRegistryResult<EdgeGroup>.Fail(bad);
        }

        return new(await Group(groupType, groupId).CreateAsync(attributes));
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeGroup>> GetGroupAsync(string groupType, string? groupId)
    {
        var id = groupId ?? DefaultGroupId;
        if (CheckIds(("groupType", groupType), ("groupId", id)) is { } bad)
        {
            return EdgeRegistryResult<EdgeGroup>.Fail(bad);
        }

        return await Group(groupType, id).GetAsync() is { } group
            ? new(group)
            : EdgeRegistryResult<EdgeGroup>.Fail(new(EdgeRegistryErrorKind.NotFound, "Group not found", $"No Group '{id}' of type '{groupType}'", $"/{groupType}/{id}"));
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<IReadOnlyList<string>>> ListGroupsAsync(string groupType)
    {
        if (CheckIds(("groupType", groupType)) is { } bad)
        {
            return EdgeRegistryResult<IReadOnlyList<string>>.Fail(bad);
        }

        return new(await GrainFactory.GetGrain<IEdgeRegistryGroupTypeGrain>(groupType).ListAsync());
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<bool>> DeleteGroupAsync(string groupType, string? groupId, ulong? expectedEpoch = null)
    {
        var id = groupId ?? DefaultGroupId;
        if (CheckIds(("groupType", groupType), ("groupId", id)) is { } bad)
        {
            return EdgeRegistryResult<bool>.Fail(bad);
        }

        return await Group(groupType, id).DeleteAsync(expectedEpoch) is { } fault ? EdgeRegistryResult<bool>.Fail(fault) : new(true);
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeResource>> CreateResourceAsync(
        EdgeResourceXId resource, EdgeResourceMetaAttributes meta, IReadOnlyDictionary<string, byte[]> extensions, string? defaultVersionId, EdgeVersionAttributes defaultVersion)
    {
        ArgumentNullException.ThrowIfNull(defaultVersion);
        resource = Resolve(resource);
        if ((CheckResource(resource) ?? CheckIds(("defaultVersionId", string.IsNullOrEmpty(defaultVersionId) ? "1" : defaultVersionId)) ?? CheckDocument(defaultVersion.Document)) is { } bad)
        {
            return EdgeRegistryResult<EdgeResource>.Fail(bad);
        }

        var result = await Resource(resource).CreateAsync(meta, extensions, defaultVersionId, defaultVersion);
        if (result.Output is { } created)
        {
            await ImportIntoSchemaRegistryAsync(resource, created.DefaultVersion);
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeResource>> GetResourceAsync(EdgeResourceXId resource)
    {
        resource = Resolve(resource);
        if (CheckResource(resource) is { } bad)
        {
            return EdgeRegistryResult<EdgeResource>.Fail(bad);
        }

        return await Resource(resource).GetAsync() is { } found
            ? new(found)
            : EdgeRegistryResult<EdgeResource>.Fail(new(EdgeRegistryErrorKind.NotFound, "Resource not found", $"No Resource '{resource.ResourceId}' of type '{resource.ResourceType}'", resource.Xid));
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<IReadOnlyList<EdgeResourceXId>>> ListResourcesAsync(EdgeGroupScope scope, string? resourceType = null, EdgeLabel? label = null)
    {
        var groups = await ResolveScopeAsync(scope);
        if (groups.Error is { } bad)
        {
            return EdgeRegistryResult<IReadOnlyList<EdgeResourceXId>>.Fail(bad);
        }

        var found = new List<EdgeResourceXId>();
        foreach (var id in await ResourcesInAsync(groups.Output!, resourceType))
        {
            if (label is null || (await Resource(id).GetAsync() is { } r && r.Meta.Labels.Contains(label)))
            {
                found.Add(id);
            }
        }

        return new(found);
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<bool>> DeleteResourceAsync(EdgeResourceXId resource, ulong? expectedEpoch = null)
    {
        resource = Resolve(resource);
        if (CheckResource(resource) is { } bad)
        {
            return EdgeRegistryResult<bool>.Fail(bad);
        }

        return await Resource(resource).DeleteAsync(expectedEpoch) is { } fault ? EdgeRegistryResult<bool>.Fail(fault) : new(true);
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeVersion>> CreateVersionAsync(EdgeResourceXId resource, IReadOnlyList<EdgeLabel> resourceLabels, string? versionId, EdgeVersionAttributes version)
    {
        ArgumentNullException.ThrowIfNull(version);
        resource = Resolve(resource);
        if ((CheckResource(resource) ?? (string.IsNullOrEmpty(versionId) ? null : CheckIds(("versionId", versionId))) ?? CheckDocument(version.Document)) is { } bad)
        {
            return EdgeRegistryResult<EdgeVersion>.Fail(bad);
        }

        var result = await Resource(resource).CreateVersionAsync(resourceLabels, versionId, version);
        if (result.Output is { } created)
        {
            await ImportIntoSchemaRegistryAsync(resource, created);
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeVersion>> GetVersionAsync(EdgeResourceXId resource, string? versionId)
    {
        resource = Resolve(resource);
        if (CheckResource(resource) is { } bad)
        {
            return EdgeRegistryResult<EdgeVersion>.Fail(bad);
        }

        return await Resource(resource).GetVersionAsync(versionId) is { } found
            ? new(found)
            : EdgeRegistryResult<EdgeVersion>.Fail(new(EdgeRegistryErrorKind.NotFound, "Version not found", $"No Version '{versionId ?? "(default)"}'", $"{resource.Xid}/versions/{versionId}"));
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<IReadOnlyList<EdgeVersionXId>>> ListVersionsAsync(
        EdgeGroupScope scope, string? resourceType = null, string? resourceId = null, string? documentHash = null, EdgeLabel? label = null)
    {
        var groups = await ResolveScopeAsync(scope);
        if (groups.Error is { } bad)
        {
            return EdgeRegistryResult<IReadOnlyList<EdgeVersionXId>>.Fail(bad);
        }

        var found = new List<EdgeVersionXId>();
        foreach (var id in await ResourcesInAsync(groups.Output!, resourceType))
        {
            if (resourceId is not null && id.ResourceId != resourceId)
            {
                continue;
            }

            foreach (var version in await Resource(id).GetVersionsAsync())
            {
                if ((documentHash is null || string.Equals(version.DocumentHash, documentHash, StringComparison.OrdinalIgnoreCase))
                    && (label is null || version.Attributes.Labels.Contains(label)))
                {
                    found.Add(new EdgeVersionXId(id, version.VersionId));
                }
            }
        }

        return new(found);
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<bool>> DeleteVersionAsync(EdgeResourceXId resource, string versionId, ulong? expectedEpoch = null)
    {
        resource = Resolve(resource);
        if ((CheckResource(resource) ?? CheckIds(("versionId", versionId))) is { } bad)
        {
            return EdgeRegistryResult<bool>.Fail(bad);
        }

        var (fault, _) = await Resource(resource).DeleteVersionAsync(versionId, expectedEpoch);
        return fault is null ? new(true) : EdgeRegistryResult<bool>.Fail(fault);
    }

    /// <inheritdoc />
    public async Task MirrorSchemaAsync(string name, string format, string content, IReadOnlyList<EdgeLabel> labels)
    {
        var document = Encoding.UTF8.GetBytes(content);
        var resource = new EdgeResourceXId(SchemaGroupType, DefaultGroupId, SchemaResourceType, name);
        var attributes = new EdgeVersionAttributes(null, null, null, null, labels, null, "application/json", format, document, new Dictionary<string, byte[]>());
        var result = await Resource(resource).CreateVersionAsync([], null, attributes, skipIfDocumentHash: EdgeRegistryResourceGrain.HashOf(document));
        if (result.Error is { } error)
        {
            LogMirrorFailed(name, error.Title, error.Detail);
        }
    }

    private static EdgeRegistryFault? CheckIds(params (string Field, string? Value)[] ids)
    {
        foreach (var (field, value) in ids)
        {
            if (string.IsNullOrEmpty(value))
            {
                return new EdgeRegistryFault(EdgeRegistryErrorKind.BadRequest, "Invalid id", $"'{field}' must not be empty");
            }

            if (!value.All(TopicPattern.IsValidLabelChar))
            {
                return new EdgeRegistryFault(EdgeRegistryErrorKind.BadRequest, "Invalid id", $"'{field}' = '{value}' must be one topic level: printable ASCII without '/', '+', '#', '{{' or '}}'");
            }
        }

        return null;
    }

    private static EdgeRegistryFault? CheckResource(EdgeResourceXId resource) =>
        CheckIds(("groupType", resource.GroupType), ("groupId", resource.GroupId), ("resourceType", resource.ResourceType), ("resourceId", resource.ResourceId));

    private EdgeRegistryFault? CheckDocument(byte[]? document) =>
        document is { Length: var length } && length > options.Value.MaxDocumentBytes
            ? new EdgeRegistryFault(
                EdgeRegistryErrorKind.BadRequest,
                "Document too large",
                $"'document' is {length} bytes; the limit is {options.Value.MaxDocumentBytes} ({EdgeRegistryOptions.SectionName}:{nameof(EdgeRegistryOptions.MaxDocumentBytes)})")
            : null;

    private EdgeResourceXId Resolve(EdgeResourceXId resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return string.IsNullOrEmpty(resource.GroupId) ? resource with { GroupId = DefaultGroupId } : resource;
    }

    private IEdgeRegistryGroupGrain Group(string groupType, string? groupId) => GrainFactory.GetGrain<IEdgeRegistryGroupGrain>($"{groupType}/{groupId ?? DefaultGroupId}");

    private IEdgeRegistryResourceGrain Resource(EdgeResourceXId resource) => GrainFactory.GetGrain<IEdgeRegistryResourceGrain>(resource.GrainKey);

    private async Task<EdgeRegistryResult<IReadOnlyList<(string GroupType, string GroupId)>>> ResolveScopeAsync(EdgeGroupScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.GroupType is { } type && CheckIds(("groupType", type)) is { } badType)
        {
            return EdgeRegistryResult<IReadOnlyList<(string, string)>>.Fail(badType);
        }

        if (!scope.AllGroups && scope.GroupId is { } id && CheckIds(("groupId", id)) is { } badId)
        {
            return EdgeRegistryResult<IReadOnlyList<(string, string)>>.Fail(badId);
        }

        if (scope.GroupType is null && !scope.AllGroups && scope.GroupId is null)
        {
            return EdgeRegistryResult<IReadOnlyList<(string, string)>>.Fail(new(
                EdgeRegistryErrorKind.BadRequest, "Invalid scope", "Without 'groupType' a list needs 'groupId' or 'allGroups': there is no default Group without a type"));
        }

        var types = scope.GroupType is { } t ? [t] : await GrainFactory.GetGrain<IEdgeRegistryGroupTypeGrain>("/").ListAsync();
        var groups = new List<(string, string)>();
        foreach (var groupType in types)
        {
            if (scope.AllGroups || scope.GroupType is null)
            {
                var ids = await GrainFactory.GetGrain<IEdgeRegistryGroupTypeGrain>(groupType).ListAsync();
                groups.AddRange(ids.Where(i => scope.AllGroups || i == scope.GroupId).Select(i => (groupType, i)));
            }
            else
            {
                groups.Add((groupType, scope.GroupId ?? DefaultGroupId));
            }
        }

        return new(groups);
    }

    private async Task<List<EdgeResourceXId>> ResourcesInAsync(IReadOnlyList<(string GroupType, string GroupId)> groups, string? resourceType)
    {
        var found = new List<EdgeResourceXId>();
        foreach (var (groupType, groupId) in groups)
        {
            foreach (var (type, id) in await Group(groupType, groupId).GetResourcesAsync())
            {
                if (resourceType is null || type == resourceType)
                {
                    found.Add(new EdgeResourceXId(groupType, groupId, type, id));
                }
            }
        }

        return found;
    }

    private async Task ImportIntoSchemaRegistryAsync(EdgeResourceXId resource, EdgeVersion version)
    {
        if (resource.GroupType != SchemaGroupType
            || !SchemaRegistryWireValues.TryParseFormat(version.Attributes.Format, out _)
            || version.Attributes.Document is not { } document)
        {
            return;
        }

        string content;
        try
        {
            content = new UTF8Encoding(false, true).GetString(document);
        }
        catch (DecoderFallbackException)
        {
            return;
        }

        var tags = version.Attributes.Labels.Count == 0 ? null : version.Attributes.Labels.GroupBy(l => l.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        try
        {
            var result = await GrainFactory.GetGrain<ISchemaRegistryGrain>(0).ImportAsync(
                new SchemaPutRequest(content, version.Attributes.Format!, Version: version.VersionId, Tags: tags, DisplayName: version.Attributes.Name, Description: version.Attributes.Description));
            if (result.Error is { } error)
            {
                LogNotImported(resource.Xid, version.VersionId, error.Message);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The Version is stored here; only the schema registry view is missing, so the create still succeeds.
            LogImportFailed(ex, resource.Xid, version.VersionId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Edge registry Version {Xid}/versions/{VersionId} is stored but could not be put into the schema registry")]
    private partial void LogImportFailed(Exception exception, string xid, string versionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Edge registry Version {Xid}/versions/{VersionId} not put into the schema registry: {Reason}")]
    private partial void LogNotImported(string xid, string versionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema {Name} could not be mirrored into the edge registry: {Title} {Detail}")]
    private partial void LogMirrorFailed(string name, string title, string? detail);
}

using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using OrleansAio.GrainsInterfaces.EdgeRegistry;

namespace OrleansAio.Grains.EdgeRegistry;

/// <summary>One stored Version of a Resource.</summary>
/// <param name="VersionId">Its id.</param>
/// <param name="Attributes">Its attributes.</param>
/// <param name="Ancestor">The ancestor (its own id when none was requested).</param>
/// <param name="DocumentHash">Upper-case hex SHA-256 of the document, when there is one.</param>
/// <param name="CreatedAt">When created.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeVersionRecord(
    [property: Id(0)] string VersionId,
    [property: Id(1)] EdgeVersionAttributes Attributes,
    [property: Id(2)] string Ancestor,
    [property: Id(3)] string? DocumentHash,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>The persisted state of one Resource.</summary>
[GenerateSerializer]
public sealed class EdgeRegistryResourceState
{
    /// <summary>Whether the Resource exists.</summary>
    [Id(0)]
    public bool Exists { get; set; }

    /// <summary>The meta attributes (labels merged by createVersion).</summary>
    [Id(1)]
    public EdgeResourceMetaAttributes? Meta { get; set; }

    /// <summary>The meta epoch.</summary>
    [Id(2)]
    public ulong MetaEpoch { get; set; }

    /// <summary>Resource extensions.</summary>
    [Id(3)]
    public IReadOnlyDictionary<string, byte[]> Extensions { get; set; } = new Dictionary<string, byte[]>();

    /// <summary>When created.</summary>
    [Id(4)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When last modified.</summary>
    [Id(5)]
    public DateTimeOffset ModifiedAt { get; set; }

    /// <summary>The Versions, oldest first; the last is the default.</summary>
    [Id(6)]
    public List<EdgeVersionRecord> Versions { get; set; } = [];

    /// <summary>The last server-assigned number; never reused, kept across deletions of the Resource.</summary>
    [Id(7)]
    public ulong LastAssigned { get; set; }
}

/// <summary>
/// One Resource (see <c>README.md</c>); key <c>{groupType}/{groupId}/{resourceType}/{resourceId}</c>. The newest Version is the
/// default; server-assigned ids count from 1 per Resource and are never reused. Every change is persisted before the reply.
/// </summary>
/// <param name="state">The persisted Resource (default grain storage).</param>
/// <param name="options">Limits.</param>
/// <param name="timeProvider">The clock of <c>createdAt</c>/<c>modifiedAt</c>.</param>
public sealed class EdgeRegistryResourceGrain(
    [PersistentState("resource")] IPersistentState<EdgeRegistryResourceState> state,
    IOptions<EdgeRegistryOptions> options,
    TimeProvider timeProvider) : Grain, IEdgeRegistryResourceGrain
{
    private EdgeResourceXId Id
    {
        get
        {
            var parts = this.GetPrimaryKeyString().Split('/', 4);
            return new EdgeResourceXId(parts[0], parts[1], parts[2], parts[3]);
        }
    }

    /// <summary>The document hash: upper-case hex SHA-256 of the bytes (edge-registry.md §7.7).</summary>
    /// <param name="document">The document.</param>
    /// <returns>The hash, or <see langword="null"/> without a document.</returns>
    public static string? HashOf(byte[]? document) => document is null ? null : Convert.ToHexString(SHA256.HashData(document));

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeResource>> CreateAsync(
        EdgeResourceMetaAttributes meta, IReadOnlyDictionary<string, byte[]> extensions, string? defaultVersionId, EdgeVersionAttributes defaultVersion)
    {
        ArgumentNullException.ThrowIfNull(meta);
        ArgumentNullException.ThrowIfNull(defaultVersion);
        if (state.State.Exists)
        {
            return EdgeRegistryResult<EdgeResource>.Fail(new(EdgeRegistryErrorKind.Conflict, "Resource already exists", "Delete it first, or add a Version with createVersion", Id.Xid));
        }

        var now = timeProvider.GetUtcNow();
        var s = state.State;
        s.Exists = true;
        s.Meta = meta with { Labels = MergeLabels([], meta.Labels), Extensions = Copy(meta.Extensions) };
        s.MetaEpoch = 1;
        s.Extensions = Copy(extensions);
        s.CreatedAt = now;
        s.ModifiedAt = now;
        s.Versions = [];
        var versionId = string.IsNullOrEmpty(defaultVersionId) ? NextId() : defaultVersionId;
        s.Versions.Add(Record(versionId, defaultVersion, now));
        await WriteAsync();
        return new(ToResource());
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryResult<EdgeVersion>> CreateVersionAsync(
        IReadOnlyList<EdgeLabel> resourceLabels, string? versionId, EdgeVersionAttributes version, string? skipIfDocumentHash = null)
    {
        ArgumentNullException.ThrowIfNull(resourceLabels);
        ArgumentNullException.ThrowIfNull(version);
        var s = state.State;
        var now = timeProvider.GetUtcNow();
        if (skipIfDocumentHash is not null && s.Exists && s.Versions.Find(v => string.Equals(v.DocumentHash, skipIfDocumentHash, StringComparison.OrdinalIgnoreCase)) is { } same)
        {
            return new(ToVersion(same));
        }

        if (!string.IsNullOrEmpty(versionId) && s.Exists && s.Versions.Find(v => v.VersionId == versionId) is { } existing)
        {
            return SameAttributes(existing.Attributes, version)
                ? new(ToVersion(existing))
                : EdgeRegistryResult<EdgeVersion>.Fail(new(EdgeRegistryErrorKind.Conflict, "Version already exists", $"Version '{versionId}' exists with different attributes", $"{Id.Xid}/versions/{versionId}"));
        }

        if (s.Exists && s.Versions.Count >= options.Value.MaxVersionsPerResource)
        {
            return EdgeRegistryResult<EdgeVersion>.Fail(new(
                EdgeRegistryErrorKind.BadRequest,
                "Too many Versions",
                $"The Resource holds {s.Versions.Count} Versions; the limit is {options.Value.MaxVersionsPerResource} ({EdgeRegistryOptions.SectionName}:{nameof(EdgeRegistryOptions.MaxVersionsPerResource)})",
                Id.Xid));
        }

        if (!s.Exists)
        {
            s.Exists = true;
            s.Meta = new EdgeResourceMetaAttributes(null, MergeLabels([], resourceLabels), null, null, new Dictionary<string, byte[]>());
            s.MetaEpoch = 1;
            s.Extensions = new Dictionary<string, byte[]>();
            s.CreatedAt = now;
            s.Versions = [];
        }
        else if (resourceLabels.Count > 0)
        {
            var merged = MergeLabels(s.Meta!.Labels, resourceLabels);
            if (!merged.SequenceEqual(s.Meta.Labels))
            {
                s.Meta = s.Meta with { Labels = merged };
                s.MetaEpoch++;
            }
        }

        var record = Record(string.IsNullOrEmpty(versionId) ? NextId() : versionId, version, now);
        s.Versions.Add(record);
        s.ModifiedAt = now;
        await WriteAsync();
        return new(ToVersion(record));
    }

    /// <inheritdoc />
    public Task<EdgeResource?> GetAsync() => Task.FromResult(state.State.Exists ? ToResource() : null);

    /// <inheritdoc />
    public Task<EdgeVersion?> GetVersionAsync(string? versionId)
    {
        var s = state.State;
        if (!s.Exists || s.Versions.Count == 0)
        {
            return Task.FromResult<EdgeVersion?>(null);
        }

        var record = string.IsNullOrEmpty(versionId) ? s.Versions[^1] : s.Versions.Find(v => v.VersionId == versionId);
        return Task.FromResult(record is null ? null : ToVersion(record));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<EdgeVersion>> GetVersionsAsync() =>
        Task.FromResult<IReadOnlyList<EdgeVersion>>(state.State.Exists ? [.. state.State.Versions.Select(ToVersion)] : []);

    /// <inheritdoc />
    public async Task<(EdgeRegistryFault? Fault, bool ResourceDeleted)> DeleteVersionAsync(string versionId, ulong? expectedEpoch)
    {
        var s = state.State;
        var xid = $"{Id.Xid}/versions/{versionId}";
        var index = s.Exists ? s.Versions.FindIndex(v => v.VersionId == versionId) : -1;
        if (index < 0)
        {
            return (new EdgeRegistryFault(EdgeRegistryErrorKind.NotFound, "Version not found", $"No Version '{versionId}'", xid), false);
        }

        if (expectedEpoch is { } expected && expected != 1)
        {
            return (new EdgeRegistryFault(EdgeRegistryErrorKind.Conflict, "Epoch mismatch", $"The Version's epoch is 1, not the expected {expected}", xid), false);
        }

        s.Versions.RemoveAt(index);
        if (s.Versions.Count == 0)
        {
            await DeleteCoreAsync();
            return (null, true);
        }

        s.ModifiedAt = timeProvider.GetUtcNow();
        await WriteAsync();
        return (null, false);
    }

    /// <inheritdoc />
    public async Task<EdgeRegistryFault?> DeleteAsync(ulong? expectedEpoch)
    {
        if (!state.State.Exists)
        {
            return new EdgeRegistryFault(EdgeRegistryErrorKind.NotFound, "Resource not found", $"No Resource '{Id.ResourceId}' of type '{Id.ResourceType}'", Id.Xid);
        }

        if (expectedEpoch is { } expected && expected != state.State.MetaEpoch)
        {
            return new EdgeRegistryFault(EdgeRegistryErrorKind.Conflict, "Epoch mismatch", $"The Resource's epoch is {state.State.MetaEpoch}, not the expected {expected}", Id.Xid);
        }

        await DeleteCoreAsync();
        return null;
    }

    /// <inheritdoc />
    public async Task ClearAsync()
    {
        if (state.State.Exists)
        {
            state.State = new EdgeRegistryResourceState { LastAssigned = state.State.LastAssigned };
            await state.WriteStateAsync();
        }
    }

    /// <summary>Merges labels by key: a new value overwrites, new keys are added (edge-registry.md open point 7).</summary>
    /// <param name="current">The labels held.</param>
    /// <param name="added">The labels to add.</param>
    /// <returns>The merged labels in first-seen key order.</returns>
    internal static List<EdgeLabel> MergeLabels(IReadOnlyList<EdgeLabel> current, IReadOnlyList<EdgeLabel> added)
    {
        var merged = new List<EdgeLabel>(current);
        foreach (var label in added)
        {
            var at = merged.FindIndex(l => l.Key == label.Key);
            if (at >= 0)
            {
                merged[at] = label;
            }
            else
            {
                merged.Add(label);
            }
        }

        return merged;
    }

    private static bool SameAttributes(EdgeVersionAttributes a, EdgeVersionAttributes b) =>
        a.Name == b.Name && a.Description == b.Description && a.Documentation == b.Documentation && a.Icon == b.Icon
        && a.Ancestor == b.Ancestor && a.ContentType == b.ContentType && a.Format == b.Format
        && a.Labels.SequenceEqual(b.Labels)
        && (a.Document ?? []).AsSpan().SequenceEqual(b.Document ?? [])
        && (a.Document is null) == (b.Document is null)
        && a.Extensions.Count == b.Extensions.Count
        && a.Extensions.All(e => b.Extensions.TryGetValue(e.Key, out var other) && e.Value.AsSpan().SequenceEqual(other));

    private async Task DeleteCoreAsync()
    {
        var id = Id;
        var last = state.State.LastAssigned;
        await GrainFactory.GetGrain<IEdgeRegistryGroupGrain>($"{id.GroupType}/{id.GroupId}").RemoveResourceAsync(id.ResourceType, id.ResourceId);
        state.State = new EdgeRegistryResourceState { LastAssigned = last };
        await state.WriteStateAsync();
    }

    private async Task WriteAsync()
    {
        var id = Id;
        await GrainFactory.GetGrain<IEdgeRegistryGroupGrain>($"{id.GroupType}/{id.GroupId}").AddResourceAsync(id.ResourceType, id.ResourceId);
        await state.WriteStateAsync();
    }

    private string NextId()
    {
        var s = state.State;
        string candidate;
        do
        {
            s.LastAssigned++;
            candidate = s.LastAssigned.ToString(CultureInfo.InvariantCulture);
        }
        while (s.Versions.Exists(v => v.VersionId == candidate));

        return candidate;
    }

    private static EdgeVersionRecord Record(string versionId, EdgeVersionAttributes attributes, DateTimeOffset now)
    {
        // Grain storage may serialize with Newtonsoft.Json (Redis provider): persist plain List/Dictionary, never the
        // compiler's collection-expression types a caller may have passed.
        var stored = attributes with { Labels = attributes.Labels.ToList(), Extensions = Copy(attributes.Extensions) };
        return new(versionId, stored, string.IsNullOrEmpty(attributes.Ancestor) ? versionId : attributes.Ancestor, HashOf(attributes.Document), now);
    }

    /// <summary>A plain <see cref="Dictionary{TKey, TValue}"/> copy, safe for every grain storage serializer.</summary>
    /// <param name="extensions">The extensions.</param>
    /// <returns>The copy.</returns>
    internal static Dictionary<string, byte[]> Copy(IReadOnlyDictionary<string, byte[]>? extensions) =>
        extensions is null ? new Dictionary<string, byte[]>(StringComparer.Ordinal) : new Dictionary<string, byte[]>(extensions, StringComparer.Ordinal);

    private EdgeVersion ToVersion(EdgeVersionRecord record) =>
        new(Id.ResourceId, record.VersionId, record.VersionId == state.State.Versions[^1].VersionId, record.Attributes, record.Ancestor, record.DocumentHash, record.CreatedAt, record.CreatedAt);

    private EdgeResource ToResource()
    {
        var s = state.State;
        return new EdgeResource(Id, s.MetaEpoch, s.Meta!, s.CreatedAt, s.ModifiedAt, ToVersion(s.Versions[^1]), (ulong)s.Versions.Count, s.Extensions);
    }
}

using System.Globalization;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.Protocol.EdgeRegistry;

namespace OrleansAio.Client.EdgeRegistry;

/// <summary>Maps between the Edge Registry's wire models (edge-registry.md) and the grains' records.</summary>
public static class EdgeRegistryWireMapping
{
    private static readonly IReadOnlyDictionary<string, byte[]> NoExtensions = new Dictionary<string, byte[]>();

    /// <summary>The wire model of a grain record.</summary>
    /// <param name="fault">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeRegistryError ToWire(EdgeRegistryFault fault) => new()
    {
        Type = "about:blank",
        Code = (ulong)fault.Kind,
        Status = fault.Kind switch
        {
            EdgeRegistryErrorKind.BadRequest => "Bad Request",
            EdgeRegistryErrorKind.Forbidden => "Forbidden",
            EdgeRegistryErrorKind.NotFound => "Not Found",
            EdgeRegistryErrorKind.Conflict => "Conflict",
            _ => "Internal Server Error",
        },
        Title = fault.Title,
        Detail = fault.Detail,
        Subject = fault.Subject,
    };

    /// <summary>An in-band 400 error.</summary>
    /// <param name="title">The value.</param>
    /// <param name="detail">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeRegistryError BadRequest(string title, string detail) => ToWire(new EdgeRegistryFault(EdgeRegistryErrorKind.BadRequest, title, detail));

    /// <summary>An in-band 403 error: the invoker is not a configured writer of the registry.</summary>
    /// <param name="command">The refused command, named in the detail.</param>
    /// <returns>The result.</returns>
    public static EdgeRegistryError Forbidden(string command) =>
        ToWire(new EdgeRegistryFault(EdgeRegistryErrorKind.Forbidden, "Not authorized", $"the invoker may not call '{command}' (Registries:Authorization:EdgeRegistry)"));

    /// <summary>The grain record of a wire model (absent lists and maps become empty).</summary>
    /// <param name="labels">The value.</param>
    /// <returns>The result.</returns>
    public static IReadOnlyList<EdgeLabel> ToGrain(IReadOnlyList<Label>? labels) =>
        labels is null ? [] : [.. labels.Where(l => l is not null).Select(l => new EdgeLabel(l.Key ?? string.Empty, l.Value ?? string.Empty))];

    /// <summary>The grain record of a wire model (absent lists and maps become empty).</summary>
    /// <param name="label">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeLabel? ToGrain(Label? label) => label is null ? null : new EdgeLabel(label.Key ?? string.Empty, label.Value ?? string.Empty);

    /// <summary>A plain copy of the extensions (empty when absent).</summary>
    /// <param name="extensions">The value.</param>
    /// <returns>The result.</returns>
    public static IReadOnlyDictionary<string, byte[]> Extensions(IReadOnlyDictionary<string, byte[]>? extensions) =>
        extensions is null ? NoExtensions : new Dictionary<string, byte[]>(extensions.Where(e => e.Value is not null), StringComparer.Ordinal);

    /// <summary>The grain record of a wire model (absent lists and maps become empty).</summary>
    /// <param name="d">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeDeprecated? ToGrain(DeprecatedInfo? d) => d is null ? null : new EdgeDeprecated(d.Effective, d.Removal, d.Alternative, d.Documentation);

    /// <summary>The wire model of a grain record.</summary>
    /// <param name="d">The value.</param>
    /// <returns>The result.</returns>
    public static DeprecatedInfo? ToWire(EdgeDeprecated? d) => d is null ? null : new DeprecatedInfo
    {
        Effective = d.Effective?.ToUniversalTime(),
        Removal = d.Removal?.ToUniversalTime(),
        Alternative = d.Alternative,
        Documentation = d.Documentation,
    };

    /// <summary>The grain record of a wire model (absent lists and maps become empty).</summary>
    /// <param name="a">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeGroupAttributes ToGrain(GroupAttributes? a) => a is null
        ? EdgeGroupAttributes.Empty
        : new EdgeGroupAttributes(a.Name, a.Description, a.Documentation, a.Icon, ToGrain(a.Labels), ToGrain(a.Deprecated), Extensions(a.Extensions));

    /// <summary>The grain record of a wire model (absent lists and maps become empty).</summary>
    /// <param name="v">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeVersionAttributes ToGrain(VersionAttributes? v) => v is null
        ? new EdgeVersionAttributes(null, null, null, null, [], null, null, null, null, NoExtensions)
        : new EdgeVersionAttributes(v.Name, v.Description, v.Documentation, v.Icon, ToGrain(v.Labels), v.Ancestor, v.ContentType, v.Format, v.Document, Extensions(v.Extensions));

    /// <summary>The grain record of a wire model (absent lists and maps become empty).</summary>
    /// <param name="m">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeResourceMetaAttributes ToGrain(ResourceMetaAttributes? m) => m is null
        ? new EdgeResourceMetaAttributes(null, [], null, null, NoExtensions)
        : new EdgeResourceMetaAttributes(m.Xref, ToGrain(m.Labels), m.Compatibility, ToGrain(m.Deprecated), Extensions(m.Extensions));

    /// <summary>The grain record of a wire model (absent lists and maps become empty).</summary>
    /// <param name="r">The value.</param>
    /// <returns>The result.</returns>
    public static EdgeVersionAttributes ToGrain(CreateExtensionVersionRequest r) =>
        new(r.Name, r.Description, r.Documentation, r.Icon, ToGrain(r.Labels), r.Ancestor?.ToString(CultureInfo.InvariantCulture), r.ContentType, r.Format, r.Document, Extensions(r.Extensions));

    /// <summary>The wire model of a grain record.</summary>
    /// <param name="g">The value.</param>
    /// <returns>The result.</returns>
    public static Group ToWire(EdgeGroup g) => new()
    {
        Id = g.Id,
        Xid = $"/{g.GroupType}/{g.Id}",
        Epoch = g.Epoch,
        Name = g.Attributes.Name,
        Description = g.Attributes.Description,
        Documentation = g.Attributes.Documentation,
        Icon = g.Attributes.Icon,
        Labels = ToWire(g.Attributes.Labels),
        CreatedAt = g.CreatedAt.UtcDateTime,
        ModifiedAt = g.ModifiedAt.UtcDateTime,
        Deprecated = ToWire(g.Attributes.Deprecated),
        ResourcesCounts = g.ResourcesCounts,
        Extensions = g.Attributes.Extensions,
    };

    /// <summary>The wire model of a grain record.</summary>
    /// <param name="labels">The value.</param>
    /// <returns>The result.</returns>
    public static IReadOnlyList<Label> ToWire(IReadOnlyList<EdgeLabel> labels) => [.. labels.Select(l => new Label(l.Key, l.Value))];

    /// <summary>The wire model of a grain record.</summary>
    /// <param name="resource">The value.</param>
    /// <param name="v">The value.</param>
    /// <returns>The result.</returns>
    public static CoreVersion ToWire(EdgeResourceXId resource, EdgeVersion v) => new()
    {
        ResourceId = v.ResourceId,
        VersionId = v.VersionId,
        Xid = $"{resource.Xid}/versions/{v.VersionId}",
        Epoch = 1,
        IsDefault = v.IsDefault,
        Name = v.Attributes.Name,
        Description = v.Attributes.Description,
        Documentation = v.Attributes.Documentation,
        Icon = v.Attributes.Icon,
        Labels = ToWire(v.Attributes.Labels),
        CreatedAt = v.CreatedAt.UtcDateTime,
        ModifiedAt = v.ModifiedAt.UtcDateTime,
        Ancestor = v.Ancestor,
        ContentType = v.Attributes.ContentType,
        Format = v.Attributes.Format,
        Document = v.Attributes.Document,
        DocumentHash = v.DocumentHash,
        Extensions = v.Attributes.Extensions,
    };

    /// <summary>The wire model of a grain record.</summary>
    /// <param name="r">The value.</param>
    /// <returns>The result.</returns>
    public static Resource ToWire(EdgeResource r) => new()
    {
        Id = r.Id.ResourceId,
        Xid = r.Id.Xid,
        Meta = new ResourceMeta
        {
            Id = r.Id.ResourceId,
            Xid = r.Id.Xid + "/meta",
            Epoch = r.MetaEpoch,
            Xref = r.Meta.Xref,
            Labels = ToWire(r.Meta.Labels),
            CreatedAt = r.CreatedAt.UtcDateTime,
            ModifiedAt = r.ModifiedAt.UtcDateTime,
            ReadOnly = false,
            Compatibility = r.Meta.Compatibility,
            Deprecated = ToWire(r.Meta.Deprecated),
            DefaultVersionId = r.DefaultVersion.VersionId,
            DefaultVersionSticky = false,
            Extensions = r.Meta.Extensions,
        },
        DefaultVersion = ToWire(r.Id, r.DefaultVersion),
        VersionsCount = r.VersionsCount,
        Extensions = r.Extensions,
    };

    /// <summary>Whether <paramref name="versionId"/> is a canonical decimal <c>u64</c> (an id the extension commands can see).</summary>
    /// <param name="versionId">The core Version id.</param>
    /// <param name="id">The integer id.</param>
    /// <returns>Whether it is one.</returns>
    public static bool TryParseExtensionId(string? versionId, out ulong id) =>
        ulong.TryParse(versionId, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id.ToString(CultureInfo.InvariantCulture) == versionId;

    /// <summary>The extension wire model of a core Version (absent format and document become empty).</summary>
    /// <param name="resource">The value.</param>
    /// <param name="v">The value.</param>
    /// <param name="id">The value.</param>
    /// <returns>The result.</returns>
    public static ExtensionVersion ToExtensionWire(EdgeResourceXId resource, EdgeVersion v, ulong id)
    {
        var document = v.Attributes.Document ?? [];
        TryParseExtensionId(v.Ancestor, out var ancestor);
        return new ExtensionVersion
        {
            ResourceId = v.ResourceId,
            VersionId = id,
            Xid = $"{resource.Xid}/versions/{v.VersionId}",
            Epoch = 1,
            IsDefault = v.IsDefault,
            Name = v.Attributes.Name,
            Description = v.Attributes.Description,
            Documentation = v.Attributes.Documentation,
            Icon = v.Attributes.Icon,
            Labels = ToWire(v.Attributes.Labels),
            CreatedAt = v.CreatedAt.UtcDateTime,
            ModifiedAt = v.ModifiedAt.UtcDateTime,
            Ancestor = ancestor == 0 ? id : ancestor,
            ContentType = v.Attributes.ContentType,
            Format = v.Attributes.Format ?? string.Empty,
            Document = document,
            DocumentHash = v.DocumentHash ?? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(document)),
            Extensions = v.Attributes.Extensions,
        };
    }
}

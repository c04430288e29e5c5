using System.Globalization;
using OrleansAio.GrainsInterfaces.EdgeRegistry;
using OrleansAio.Protocol.EdgeRegistry;

namespace OrleansAio.Silo.EdgeRegistry;

/// <summary>Maps between the Edge Registry's wire models (edge-registry.md) and the grains' records.</summary>
internal static class EdgeRegistryWireMapping
{
    private static readonly IReadOnlyDictionary<string, byte[]> NoExtensions = new Dictionary<string, byte[]>();

    public static EdgeRegistryError ToWire(EdgeRegistryFault fault) => new()
    {
        Type = "about:blank",
        Code = (ulong)fault.Kind,
        Status = fault.Kind switch
        {
            EdgeRegistryErrorKind.BadRequest => "Bad Request",
            EdgeRegistryErrorKind.NotFound => "Not Found",
            EdgeRegistryErrorKind.Conflict => "Conflict",
            _ => "Internal Server Error",
        },
        Title = fault.Title,
        Detail = fault.Detail,
        Subject = fault.Subject,
    };

    public static EdgeRegistryError BadRequest(string title, string detail) => ToWire(new EdgeRegistryFault(EdgeRegistryErrorKind.BadRequest, title, detail));

    public static IReadOnlyList<EdgeLabel> ToGrain(IReadOnlyList<Label>? labels) =>
        labels is null ? [] : [.. labels.Where(l => l is not null).Select(l => new EdgeLabel(l.Key ?? string.Empty, l.Value ?? string.Empty))];

    public static EdgeLabel? ToGrain(Label? label) => label is null ? null : new EdgeLabel(label.Key ?? string.Empty, label.Value ?? string.Empty);

    public static IReadOnlyDictionary<string, byte[]> Extensions(IReadOnlyDictionary<string, byte[]>? extensions) =>
        extensions is null ? NoExtensions : new Dictionary<string, byte[]>(extensions.Where(e => e.Value is not null), StringComparer.Ordinal);

    public static EdgeDeprecated? ToGrain(DeprecatedInfo? d) => d is null ? null : new EdgeDeprecated(d.Effective, d.Removal, d.Alternative, d.Documentation);

    public static DeprecatedInfo? ToWire(EdgeDeprecated? d) => d is null ? null : new DeprecatedInfo
    {
        Effective = d.Effective?.ToUniversalTime(),
        Removal = d.Removal?.ToUniversalTime(),
        Alternative = d.Alternative,
        Documentation = d.Documentation,
    };

    public static EdgeGroupAttributes ToGrain(GroupAttributes? a) => a is null
        ? EdgeGroupAttributes.Empty
        : new EdgeGroupAttributes(a.Name, a.Description, a.Documentation, a.Icon, ToGrain(a.Labels), ToGrain(a.Deprecated), Extensions(a.Extensions));

    public static EdgeVersionAttributes ToGrain(VersionAttributes? v) => v is null
        ? new EdgeVersionAttributes(null, null, null, null, [], null, null, null, null, NoExtensions)
        : new EdgeVersionAttributes(v.Name, v.Description, v.Documentation, v.Icon, ToGrain(v.Labels), v.Ancestor, v.ContentType, v.Format, v.Document, Extensions(v.Extensions));

    public static EdgeResourceMetaAttributes ToGrain(ResourceMetaAttributes? m) => m is null
        ? new EdgeResourceMetaAttributes(null, [], null, null, NoExtensions)
        : new EdgeResourceMetaAttributes(m.Xref, ToGrain(m.Labels), m.Compatibility, ToGrain(m.Deprecated), Extensions(m.Extensions));

    public static EdgeVersionAttributes ToGrain(CreateExtensionVersionRequest r) =>
        new(r.Name, r.Description, r.Documentation, r.Icon, ToGrain(r.Labels), r.Ancestor?.ToString(CultureInfo.InvariantCulture), r.ContentType, r.Format, r.Document, Extensions(r.Extensions));

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

    public static IReadOnlyList<Label> ToWire(IReadOnlyList<EdgeLabel> labels) => [.. labels.Select(l => new Label(l.Key, l.Value))];

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
    public static bool TryParseExtensionId(string? versionId, out ulong id) =>
        ulong.TryParse(versionId, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id.ToString(CultureInfo.InvariantCulture) == versionId;

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

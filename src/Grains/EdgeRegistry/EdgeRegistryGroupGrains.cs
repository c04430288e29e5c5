using OrleansAio.GrainsInterfaces.EdgeRegistry;

namespace OrleansAio.Grains.EdgeRegistry;

/// <summary>The persisted state of one Group.</summary>
[GenerateSerializer]
public sealed class EdgeRegistryGroupState
{
    /// <summary>Whether the Group exists.</summary>
    [Id(0)]
    public bool Exists { get; set; }

    /// <summary>Its attributes.</summary>
    [Id(1)]
    public EdgeGroupAttributes Attributes { get; set; } = EdgeGroupAttributes.Empty;

    /// <summary>Its epoch.</summary>
    [Id(2)]
    public ulong Epoch { get; set; }

    /// <summary>When created.</summary>
    [Id(3)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When last modified.</summary>
    [Id(4)]
    public DateTimeOffset ModifiedAt { get; set; }

    /// <summary>Its Resources as <c>{resourceType}/{resourceId}</c>.</summary>
    [Id(5)]
    public SortedSet<string> Resources { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One Group (see <c>README.md</c>); key <c>{groupType}/{groupId}</c>. Every change is persisted before the reply.</summary>
/// <param name="state">The persisted Group (default grain storage).</param>
/// <param name="timeProvider">The clock of <c>createdAt</c>/<c>modifiedAt</c>.</param>
public sealed class EdgeRegistryGroupGrain(
    [PersistentState("group")] IPersistentState<EdgeRegistryGroupState> state,
    TimeProvider timeProvider) : Grain, IEdgeRegistryGroupGrain
{
    private string GroupType => this.GetPrimaryKeyString().Split('/', 2)[0];

    private string GroupId => this.GetPrimaryKeyString().Split('/', 2)[1];

    /// <inheritdoc />
    public async Task<EdgeGroup> CreateAsync(EdgeGroupAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var now = timeProvider.GetUtcNow();
        var s = state.State;
        if (!s.Exists)
        {
            await RegisterAsync();
            s.Exists = true;
            s.CreatedAt = now;
            s.Epoch = 1;
        }
        else
        {
            s.Epoch++;
        }

        // Plain List/Dictionary: grain storage may serialize with Newtonsoft.Json (Redis provider).
        s.Attributes = attributes with { Labels = attributes.Labels.ToList(), Extensions = EdgeRegistryResourceGrain.Copy(attributes.Extensions) };
        s.ModifiedAt = now;
        await state.WriteStateAsync();
        return ToGroup();
    }

    /// <inheritdoc />
    public async Task EnsureAsync()
    {
        if (state.State.Exists)
        {
            return;
        }

        await RegisterAsync();
        var now = timeProvider.GetUtcNow();
        state.State.Exists = true;
        state.State.Epoch = 1;
        state.State.CreatedAt = now;
        state.State.ModifiedAt = now;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task<EdgeGroup?> GetAsync() => Task.FromResult(state.State.Exists ? ToGroup() : null);

    /// <inheritdoc />
    public async Task AddResourceAsync(string resourceType, string resourceId)
    {
        await EnsureAsync();
        if (state.State.Resources.Add($"{resourceType}/{resourceId}"))
        {
            state.State.ModifiedAt = timeProvider.GetUtcNow();
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public async Task RemoveResourceAsync(string resourceType, string resourceId)
    {
        if (state.State.Resources.Remove($"{resourceType}/{resourceId}"))
        {
            state.State.ModifiedAt = timeProvider.GetUtcNow();
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<(string ResourceType, string ResourceId)>> GetResourcesAsync() =>
        Task.FromResult<IReadOnlyList<(string, string)>>([.. state.State.Resources.Order(StringComparer.Ordinal).Select(Split)]);

    /// <inheritdoc />
    public async Task<EdgeRegistryFault?> DeleteAsync(ulong? expectedEpoch)
    {
        var s = state.State;
        var xid = $"/{GroupType}/{GroupId}";
        if (!s.Exists)
        {
            return new EdgeRegistryFault(EdgeRegistryErrorKind.NotFound, "Group not found", $"No Group '{GroupId}' of type '{GroupType}'", xid);
        }

        if (expectedEpoch is { } expected && expected != s.Epoch)
        {
            return new EdgeRegistryFault(EdgeRegistryErrorKind.Conflict, "Epoch mismatch", $"The Group's epoch is {s.Epoch}, not the expected {expected}", xid);
        }

        foreach (var (resourceType, resourceId) in s.Resources.Select(Split).ToList())
        {
            await GrainFactory.GetGrain<IEdgeRegistryResourceGrain>($"{GroupType}/{GroupId}/{resourceType}/{resourceId}").ClearAsync();
        }

        await GrainFactory.GetGrain<IEdgeRegistryGroupTypeGrain>(GroupType).RemoveAsync(GroupId);
        await state.ClearStateAsync();
        state.State = new EdgeRegistryGroupState();
        return null;
    }

    private static (string ResourceType, string ResourceId) Split(string entry)
    {
        var parts = entry.Split('/', 2);
        return (parts[0], parts[1]);
    }

    private async Task RegisterAsync()
    {
        await GrainFactory.GetGrain<IEdgeRegistryGroupTypeGrain>("/").AddAsync(GroupType);
        await GrainFactory.GetGrain<IEdgeRegistryGroupTypeGrain>(GroupType).AddAsync(GroupId);
    }

    private EdgeGroup ToGroup()
    {
        var s = state.State;
        var counts = s.Resources.Select(Split).GroupBy(r => r.ResourceType, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (ulong)g.Count(), StringComparer.Ordinal);
        return new EdgeGroup(GroupType, GroupId, s.Epoch, s.Attributes, s.CreatedAt, s.ModifiedAt, counts);
    }
}

/// <summary>The persisted ids of one Group type (or, for key <c>/</c>, the Group types).</summary>
[GenerateSerializer]
public sealed class EdgeRegistryGroupTypeState
{
    /// <summary>The ids.</summary>
    [Id(0)]
    public SortedSet<string> Ids { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The index of the Groups of one type (key: the type; key <c>/</c>: the index of the types).</summary>
/// <param name="state">The persisted ids.</param>
public sealed class EdgeRegistryGroupTypeGrain([PersistentState("groupType")] IPersistentState<EdgeRegistryGroupTypeState> state) : Grain, IEdgeRegistryGroupTypeGrain
{
    /// <inheritdoc />
    public async Task AddAsync(string groupId)
    {
        if (state.State.Ids.Add(groupId))
        {
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public async Task RemoveAsync(string groupId)
    {
        if (state.State.Ids.Remove(groupId))
        {
            await state.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Ids.Order(StringComparer.Ordinal)]);
}

namespace OrleansAio.Tests.Conformance.Model;

/// <summary>
/// Applies a folder's <c>defaults.toml</c> to a case, key by key: a key the case omits takes the default; a key the case gives
/// (a value or an explicit null) stays as given. Record-valued keys (<c>serializer</c>, ...) merge key by key as well, while maps of
/// data (token maps, metadata, durations, response maps) are replaced whole.
/// </summary>
/// <remarks>
/// <c>[prologue.&lt;component&gt;]</c> applies to every entry of the prologue list <c>&lt;component&gt;s</c>;
/// <c>[actions.&lt;action-name&gt;]</c> applies to every action whose <c>action</c> is the name with spaces for hyphens;
/// <c>[epilogue.&lt;entry&gt;]</c> applies like the prologue.
/// </remarks>
internal static class MetlDefaults
{
    private static readonly HashSet<string> RecordKeys = new(StringComparer.Ordinal)
    {
        "serializer", "mqtt-config", "push-acks", "cloud-event",
    };

    /// <summary>Returns <paramref name="root"/> with <paramref name="defaults"/> applied.</summary>
    /// <param name="root">The case's root map.</param>
    /// <param name="defaults">The defaults, or <see langword="null"/>.</param>
    /// <returns>The merged case.</returns>
    public static MetlNode Apply(MetlNode root, MetlMap? defaults)
    {
        if (defaults is null)
        {
            return root;
        }

        if (root is not MetlMap rootMap)
        {
            throw new MetlFormatException("(root): a METL case must be a map");
        }

        var entries = rootMap.Entries.ToList();
        foreach (var section in defaults.Entries)
        {
            if (section.Value is not MetlMap sectionDefaults)
            {
                throw new MetlFormatException($"defaults.toml: [{section.Key}] must be a table");
            }

            var index = entries.FindIndex(e => e.Key == section.Key);
            if (index < 0)
            {
                continue;
            }

            var merged = section.Key switch
            {
                "prologue" or "epilogue" => ApplyToComponents(entries[index].Value, sectionDefaults),
                "actions" => ApplyToActions(entries[index].Value, sectionDefaults),
                _ => throw new MetlFormatException($"defaults.toml: unknown section [{section.Key}]; expected prologue, actions or epilogue"),
            };
            entries[index] = new(section.Key, merged);
        }

        return new MetlMap(rootMap.Path, entries);
    }

    private static MetlNode ApplyToComponents(MetlNode sectionNode, MetlMap sectionDefaults)
    {
        if (sectionNode is not MetlMap section)
        {
            return sectionNode;
        }

        var entries = section.Entries.ToList();
        foreach (var item in sectionDefaults.Entries)
        {
            if (item.Value is not MetlMap itemDefaults)
            {
                throw new MetlFormatException($"defaults.toml: {item.Value.Path} must be a table");
            }

            var plural = entries.FindIndex(e => e.Key == item.Key + "s");
            if (plural >= 0 && entries[plural].Value is MetlList list)
            {
                entries[plural] = new(entries[plural].Key, new MetlList(list.Path, list.Items.Select(i => Merge(i, itemDefaults)).ToList()));
                continue;
            }

            var single = entries.FindIndex(e => e.Key == item.Key);
            if (single >= 0)
            {
                entries[single] = new(item.Key, Merge(entries[single].Value, itemDefaults));
            }
        }

        return new MetlMap(section.Path, entries);
    }

    private static MetlNode ApplyToActions(MetlNode actionsNode, MetlMap actionDefaults)
    {
        if (actionsNode is not MetlList actions)
        {
            return actionsNode;
        }

        return new MetlList(actions.Path, actions.Items.Select(action =>
        {
            if (action is not MetlMap map || !map.TryGet("action", out var kind) || kind is not MetlScalar kindText)
            {
                return action;
            }

            var defaults = actionDefaults.Entries.FirstOrDefault(d => d.Key.Replace('-', ' ') == kindText.Text).Value;
            return defaults is MetlMap d ? Merge(action, d) : action;
        }).ToList());
    }

    private static MetlNode Merge(MetlNode node, MetlMap defaults)
    {
        if (node is not MetlMap map)
        {
            return node;
        }

        var entries = map.Entries.ToList();
        foreach (var def in defaults.Entries)
        {
            var index = entries.FindIndex(e => e.Key == def.Key);
            if (index < 0)
            {
                entries.Add(def);
            }
            else if (RecordKeys.Contains(def.Key) && entries[index].Value is MetlMap && def.Value is MetlMap nested)
            {
                entries[index] = new(def.Key, Merge(entries[index].Value, nested));
            }
        }

        return new MetlMap(map.Path, entries);
    }
}

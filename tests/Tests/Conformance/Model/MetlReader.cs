using System.Globalization;

namespace OrleansAio.Tests.Conformance.Model;

/// <summary>
/// Reads typed keys from a METL map and remembers which ones it read, so that <see cref="Done"/> can reject keys the language does
/// not define for that place (a typo in a case must fail loudly, not be ignored).
/// </summary>
internal sealed class MetlReader
{
    private readonly MetlMap map;
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    private MetlReader(MetlMap map)
    {
        this.map = map;
    }

    /// <summary>The path of the map in its document.</summary>
    public string Path => map.Path;

    /// <summary>Wraps <paramref name="node"/>, which must be a map.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The reader.</returns>
    public static MetlReader Of(MetlNode node) =>
        node is MetlMap m ? new MetlReader(m) : throw new MetlFormatException($"{node.Path}: expected a map, found a {node.Kind}");

    /// <summary>Whether the key is present (null or value).</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether it is present.</returns>
    public bool Has(string key) => map.TryGet(key, out _);

    /// <summary>Reads a raw node.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The node field.</returns>
    public Field<MetlNode> Node(string key)
    {
        read.Add(key);
        if (!map.TryGet(key, out var node))
        {
            return Field<MetlNode>.Omitted;
        }

        return node is MetlNull ? Field<MetlNode>.Null : Field<MetlNode>.Of(node);
    }

    /// <summary>Reads a string key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The field.</returns>
    public Field<string> String(string key) => Convert(key, AsString);

    /// <summary>Reads an integer key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The field.</returns>
    public Field<int> Int(string key) => Convert(key, AsInt);

    /// <summary>Reads a boolean key (<c>true</c>/<c>false</c>, with or without <c>!!bool</c>).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The field.</returns>
    public Field<bool> Bool(string key) => Convert(key, AsBool);

    /// <summary>Reads a duration map <c>{ hours, minutes, seconds, milliseconds, microseconds }</c> (all optional, summed).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The field.</returns>
    public Field<TimeSpan> Duration(string key) => Convert(key, AsDuration);

    /// <summary>Reads a list of strings.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The field.</returns>
    public Field<IReadOnlyList<string>> StringList(string key) =>
        Convert<IReadOnlyList<string>>(key, n => AsList(n).Select(AsString).ToList());

    /// <summary>Reads a map of strings to strings, where a null value is kept as <see langword="null"/> when allowed.</summary>
    /// <param name="key">The key.</param>
    /// <param name="allowNullValues">Whether a value may be null.</param>
    /// <returns>The field; entries in document order.</returns>
    public Field<IReadOnlyList<KeyValuePair<string, string?>>> StringMap(string key, bool allowNullValues) =>
        Convert<IReadOnlyList<KeyValuePair<string, string?>>>(key, n => ReadStringMap(n, allowNullValues));

    /// <summary>Reads a nested map.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The field.</returns>
    public Field<MetlReader> Map(string key) => Convert(key, Of);

    /// <summary>Reads a list of nodes.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The field.</returns>
    public Field<IReadOnlyList<MetlNode>> List(string key) => Convert(key, AsList);

    /// <summary>Rejects every key of the map that was not read.</summary>
    public void Done()
    {
        var unknown = map.Entries.Select(e => e.Key).Where(k => !read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new MetlFormatException(
                $"{(map.Path.Length == 0 ? "(root)" : map.Path)}: unknown key(s) {string.Join(", ", unknown.Select(k => $"'{k}'"))}; " +
                $"the language defines {string.Join(", ", read.Order(StringComparer.Ordinal).Select(k => $"'{k}'"))} here");
        }
    }

    internal static string AsString(MetlNode node) => node switch
    {
        MetlScalar s => s.Text,
        _ => throw new MetlFormatException($"{node.Path}: expected a string, found a {node.Kind}"),
    };

    internal static int AsInt(MetlNode node) =>
        node is MetlScalar s && int.TryParse(s.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw new MetlFormatException($"{node.Path}: expected an integer, found '{(node as MetlScalar)?.Text ?? node.Kind}'");

    internal static bool AsBool(MetlNode node) => node is MetlScalar s && bool.TryParse(s.Text, out var b)
        ? b
        : throw new MetlFormatException($"{node.Path}: expected true or false, found '{(node as MetlScalar)?.Text ?? node.Kind}'");

    internal static IReadOnlyList<MetlNode> AsList(MetlNode node) =>
        node is MetlList l ? l.Items : throw new MetlFormatException($"{node.Path}: expected a list, found a {node.Kind}");

    internal static TimeSpan AsDuration(MetlNode node)
    {
        var r = Of(node);
        long micro = 0;
        micro += (long)r.Int("hours").ValueOr(0) * 3_600_000_000L;
        micro += (long)r.Int("minutes").ValueOr(0) * 60_000_000L;
        micro += (long)r.Int("seconds").ValueOr(0) * 1_000_000L;
        micro += (long)r.Int("milliseconds").ValueOr(0) * 1_000L;
        micro += r.Int("microseconds").ValueOr(0);
        r.Done();
        return TimeSpan.FromTicks(micro * 10);
    }

    private static List<KeyValuePair<string, string?>> ReadStringMap(MetlNode node, bool allowNullValues)
    {
        if (node is not MetlMap m)
        {
            throw new MetlFormatException($"{node.Path}: expected a map, found a {node.Kind}");
        }

        return m.Entries.Select(e =>
        {
            if (e.Value is MetlNull)
            {
                return allowNullValues
                    ? new KeyValuePair<string, string?>(e.Key, null)
                    : throw new MetlFormatException($"{e.Value.Path}: a null value is not allowed here");
            }

            return new KeyValuePair<string, string?>(e.Key, AsString(e.Value));
        }).ToList();
    }

    private Field<T> Convert<T>(string key, Func<MetlNode, T> convert)
    {
        var node = Node(key);
        return node.State switch
        {
            FieldState.Value => Field<T>.Of(convert(node.Value)),
            FieldState.Null => Field<T>.Null,
            _ => Field<T>.Omitted,
        };
    }
}

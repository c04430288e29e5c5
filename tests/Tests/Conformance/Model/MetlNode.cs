using System.Globalization;
using Tomlyn;
using Tomlyn.Model;
using YamlDotNet.RepresentationModel;

namespace OrleansAio.Tests.Conformance.Model;

/// <summary>
/// A language-neutral tree of a METL document (YAML case or TOML defaults): maps keep their key order, scalars keep their text,
/// and an explicit null is a node of its own so that omitted, null and value stay distinct.
/// </summary>
internal abstract class MetlNode
{
    protected MetlNode(string path)
    {
        Path = path;
    }

    /// <summary>Where the node is in its document, for error messages (e.g. <c>prologue.executors[0].request-topic</c>).</summary>
    public string Path { get; }

    /// <summary>A short description of the node's kind for error messages.</summary>
    public abstract string Kind { get; }

    /// <summary>Parses a YAML METL case (first document).</summary>
    /// <param name="text">The YAML text (LF or CRLF line endings).</param>
    /// <param name="source">The file name, for error messages.</param>
    /// <returns>The root node.</returns>
    public static MetlNode FromYaml(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new MetlFormatException($"{source}: YAML syntax error: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            throw new MetlFormatException($"{source}: the file holds no YAML document");
        }

        return Convert(stream.Documents[0].RootNode, string.Empty);
    }

    /// <summary>Parses a <c>defaults.toml</c> file.</summary>
    /// <param name="text">The TOML text.</param>
    /// <param name="source">The file name, for error messages.</param>
    /// <returns>The root map.</returns>
    public static MetlMap FromToml(string text, string source)
    {
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(text, (TomlSerializerOptions?)null!) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new MetlFormatException($"{source}: TOML syntax error: {ex.Message}", ex);
        }

        return (MetlMap)Convert(table, string.Empty);
    }

    private static MetlNode Convert(YamlNode node, string path) => node switch
    {
        YamlMappingNode map => new MetlMap(
            path,
            map.Children.Select(kv =>
            {
                var key = ((YamlScalarNode)kv.Key).Value ?? string.Empty;
                return new KeyValuePair<string, MetlNode>(key, Convert(kv.Value, Join(path, key)));
            }).ToList()),
        YamlSequenceNode seq => new MetlList(path, seq.Children.Select((item, i) => Convert(item, $"{path}[{i}]")).ToList()),
        YamlScalarNode scalar when IsNull(scalar) => new MetlNull(path),
        YamlScalarNode scalar => new MetlScalar(path, scalar.Value ?? string.Empty, scalar.Style is YamlDotNet.Core.ScalarStyle.DoubleQuoted or YamlDotNet.Core.ScalarStyle.SingleQuoted),
        _ => throw new MetlFormatException($"{path}: unsupported YAML node {node.NodeType}"),
    };

    private static bool IsNull(YamlScalarNode scalar)
    {
        if (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:null")
        {
            return true;
        }

        return scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any
            && scalar.Tag.IsEmpty
            && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
    }

    private static MetlNode Convert(object? value, string path) => value switch
    {
        null => new MetlNull(path),
        TomlTable table => new MetlMap(path, table.Select(kv => new KeyValuePair<string, MetlNode>(kv.Key, Convert(kv.Value, Join(path, kv.Key)))).ToList()),
        TomlTableArray tables => new MetlList(path, tables.Select((t, i) => Convert(t, $"{path}[{i}]")).ToList()),
        TomlArray array => new MetlList(path, array.Select((item, i) => Convert(item, $"{path}[{i}]")).ToList()),
        string s => new MetlScalar(path, s, quoted: true),
        bool b => new MetlScalar(path, b ? "true" : "false", quoted: false),
        IFormattable f => new MetlScalar(path, f.ToString(null, CultureInfo.InvariantCulture), quoted: false),
        _ => new MetlScalar(path, value.ToString() ?? string.Empty, quoted: false),
    };

    internal static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}

/// <summary>A METL map; keys in document order.</summary>
internal sealed class MetlMap : MetlNode
{
    public MetlMap(string path, IReadOnlyList<KeyValuePair<string, MetlNode>> entries)
        : base(path)
    {
        Entries = entries;
        var duplicate = entries.GroupBy(e => e.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MetlFormatException($"{path}: duplicate key '{duplicate.Key}'");
        }
    }

    /// <summary>The entries in document order.</summary>
    public IReadOnlyList<KeyValuePair<string, MetlNode>> Entries { get; }

    /// <inheritdoc />
    public override string Kind => "map";

    /// <summary>Looks up a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="node">The value node (possibly <see cref="MetlNull"/>).</param>
    /// <returns>Whether the key is present.</returns>
    public bool TryGet(string key, out MetlNode node)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key == key)
            {
                node = entry.Value;
                return true;
            }
        }

        node = null!;
        return false;
    }
}

/// <summary>A METL list.</summary>
internal sealed class MetlList(string path, IReadOnlyList<MetlNode> items) : MetlNode(path)
{
    /// <summary>The items.</summary>
    public IReadOnlyList<MetlNode> Items { get; } = items;

    /// <inheritdoc />
    public override string Kind => "list";
}

/// <summary>A METL scalar with its text; <see cref="Quoted"/> tells a literal string from a plain scalar.</summary>
internal sealed class MetlScalar(string path, string text, bool quoted) : MetlNode(path)
{
    /// <summary>The scalar's text.</summary>
    public string Text { get; } = text;

    /// <summary>Whether the scalar was quoted (a literal string).</summary>
    public bool Quoted { get; } = quoted;

    /// <inheritdoc />
    public override string Kind => "scalar";
}

/// <summary>An explicit METL null.</summary>
internal sealed class MetlNull(string path) : MetlNode(path)
{
    /// <inheritdoc />
    public override string Kind => "null";
}

/// <summary>A METL document that does not follow the language (unknown key, wrong type, bad value).</summary>
internal sealed class MetlFormatException : Exception
{
    public MetlFormatException(string message)
        : base(message)
    {
    }

    public MetlFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

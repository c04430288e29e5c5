using System.Diagnostics.CodeAnalysis;

namespace OrleansAio.Protocol.SchemaRegistry;

/// <summary>The schema formats of the schema registry (services.md 3.2).</summary>
public enum SchemaFormat
{
    /// <summary><c>JsonSchema/draft-07</c>.</summary>
    JsonSchemaDraft07,

    /// <summary><c>Delta/1.0</c>.</summary>
    Delta1,
}

/// <summary>The schema types of the schema registry (services.md 3.2).</summary>
public enum SchemaType
{
    /// <summary><c>MessageSchema</c>, the only type.</summary>
    MessageSchema,
}

/// <summary>The wire strings of <see cref="SchemaFormat"/> and <see cref="SchemaType"/>.</summary>
public static class SchemaRegistryWireValues
{
    /// <summary>The wire value of <see cref="SchemaFormat.JsonSchemaDraft07"/>.</summary>
    public const string JsonSchemaDraft07 = "JsonSchema/draft-07";

    /// <summary>The wire value of <see cref="SchemaFormat.Delta1"/>.</summary>
    public const string Delta1 = "Delta/1.0";

    /// <summary>The wire value of <see cref="SchemaType.MessageSchema"/>.</summary>
    public const string MessageSchema = "MessageSchema";

    /// <summary>The wire string of a format.</summary>
    /// <param name="format">The format.</param>
    /// <returns>Its wire string.</returns>
    public static string ToWireString(this SchemaFormat format) => format switch
    {
        SchemaFormat.JsonSchemaDraft07 => JsonSchemaDraft07,
        SchemaFormat.Delta1 => Delta1,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown schema format"),
    };

    /// <summary>The wire string of a schema type.</summary>
    /// <param name="schemaType">The schema type.</param>
    /// <returns>Its wire string.</returns>
    public static string ToWireString(this SchemaType schemaType) => schemaType switch
    {
        SchemaType.MessageSchema => MessageSchema,
        _ => throw new ArgumentOutOfRangeException(nameof(schemaType), schemaType, "unknown schema type"),
    };

    /// <summary>Parses a format wire string (exact, case-sensitive).</summary>
    /// <param name="value">The wire string.</param>
    /// <param name="format">The format.</param>
    /// <returns>Whether <paramref name="value"/> is a known format.</returns>
    public static bool TryParseFormat([NotNullWhen(true)] string? value, out SchemaFormat format)
    {
        switch (value)
        {
            case JsonSchemaDraft07:
                format = SchemaFormat.JsonSchemaDraft07;
                return true;
            case Delta1:
                format = SchemaFormat.Delta1;
                return true;
            default:
                format = default;
                return false;
        }
    }
}

using System.Security.Cryptography;
using System.Text;

namespace OrleansAio.Protocol.SchemaRegistry;

/// <summary>How a schema's name is derived from its content (services.md 3.4).</summary>
public static class SchemaName
{
    /// <summary>The upper-case hex SHA-256 of the UTF-8 bytes of <paramref name="schemaContent"/> (64 characters).</summary>
    /// <param name="schemaContent">The schema text exactly as sent.</param>
    /// <returns>The schema name.</returns>
    public static string FromContent(string schemaContent)
    {
        ArgumentNullException.ThrowIfNull(schemaContent);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(schemaContent)));
    }

    /// <summary>Whether <paramref name="name"/> has the form of a derived name (64 upper-case hex digits).</summary>
    /// <param name="name">The candidate.</param>
    /// <returns>Whether it is 64 characters of <c>0-9A-F</c>.</returns>
    public static bool IsWellFormed(string? name) =>
        name is { Length: 64 } && name.All(c => c is (>= '0' and <= '9') or (>= 'A' and <= 'F'));
}

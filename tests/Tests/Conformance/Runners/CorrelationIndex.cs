using System.Text;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>Binds METL <c>correlation-index</c> values to correlation data bytes, consistently across a case.</summary>
internal sealed class CorrelationIndex
{
    private readonly Dictionary<int, byte[]?> bound = [];

    /// <summary>The bytes of an index, binding it on first use to <paramref name="correlationId"/> or a fresh GUID.</summary>
    /// <param name="index">The index.</param>
    /// <param name="correlationId">GUID text ⇒ its 16 bytes; other text ⇒ its UTF-8 bytes; omitted ⇒ a fresh GUID.</param>
    /// <returns>The correlation data.</returns>
    public byte[]? GetOrBind(int index, Field<string> correlationId)
    {
        if (!bound.TryGetValue(index, out var bytes))
        {
            bytes = correlationId.HasValue
                ? Guid.TryParse(correlationId.Value, out var guid) ? guid.ToByteArray() : Encoding.UTF8.GetBytes(correlationId.Value)
                : Guid.NewGuid().ToByteArray();
            bound[index] = bytes;
        }

        return bytes;
    }

    /// <summary>Binds (or re-binds) an index to the given bytes.</summary>
    /// <param name="index">The index.</param>
    /// <param name="bytes">The correlation data.</param>
    public void Bind(int index, byte[]? bytes) => bound[index] = bytes;

    /// <summary>Looks up a bound index.</summary>
    /// <param name="index">The index.</param>
    /// <param name="bytes">The correlation data.</param>
    /// <returns>Whether the index is bound.</returns>
    public bool TryGet(int index, out byte[]? bytes) => bound.TryGetValue(index, out bytes);

    /// <summary>Renders correlation data for messages.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The text.</returns>
    public static string Show(byte[]? bytes) => bytes is null ? "absent" : bytes.Length == 16 ? new Guid(bytes).ToString() : $"0x{Convert.ToHexString(bytes)}";
}

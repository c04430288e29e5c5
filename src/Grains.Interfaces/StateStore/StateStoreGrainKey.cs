using System.Text;

namespace OrleansAio.GrainsInterfaces.StateStore;

/// <summary>
/// Maps a state-store key (arbitrary bytes) to the string key of its <see cref="IStateStoreKeyGrain"/> and back.
/// </summary>
/// <remarks>
/// A key whose bytes are well-formed UTF-8 maps to <c>"u:" + text</c> (readable in storage and dashboards); any other key maps to
/// <c>"x:" + HEX(bytes)</c> (upper case). The mapping is one-to-one, so every binary key has exactly one grain. The empty key is
/// not a state-store key (the wire answers <c>the key length is zero</c>) and is refused here.
/// </remarks>
public static class StateStoreGrainKey
{
    /// <summary>The prefix of keys that are UTF-8 text.</summary>
    public const string TextPrefix = "u:";

    /// <summary>The prefix of keys given in upper-case hexadecimal.</summary>
    public const string HexPrefix = "x:";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The grain key for a binary key.</summary>
    /// <param name="key">The key bytes; must not be empty.</param>
    /// <returns>The grain's string key.</returns>
    /// <exception cref="ArgumentException">The key is empty.</exception>
    public static string ToGrainKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("A state store key must not be empty (the key length is zero).", nameof(key));
        }

        try
        {
            return TextPrefix + StrictUtf8.GetString(key);
        }
        catch (DecoderFallbackException)
        {
            return HexPrefix + Convert.ToHexString(key);
        }
    }

    /// <summary>The grain key for a text key (its UTF-8 bytes).</summary>
    /// <param name="key">The key; must not be empty.</param>
    /// <returns>The grain's string key.</returns>
    public static string ToGrainKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return ToGrainKey(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>The binary key a grain key stands for.</summary>
    /// <param name="grainKey">A key made by <see cref="ToGrainKey(ReadOnlySpan{byte})"/>.</param>
    /// <returns>The key bytes.</returns>
    /// <exception cref="FormatException">The grain key was not made by this mapping.</exception>
    public static byte[] FromGrainKey(string grainKey)
    {
        ArgumentNullException.ThrowIfNull(grainKey);
        if (grainKey.Length > TextPrefix.Length && grainKey.StartsWith(TextPrefix, StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(grainKey.AsSpan(TextPrefix.Length).ToString());
        }

        if (grainKey.Length > HexPrefix.Length && grainKey.StartsWith(HexPrefix, StringComparison.Ordinal))
        {
            try
            {
                return Convert.FromHexString(grainKey.AsSpan(HexPrefix.Length));
            }
            catch (FormatException ex)
            {
                throw new FormatException($"The state store grain key '{grainKey}' has an invalid hexadecimal part", ex);
            }
        }

        throw new FormatException($"'{grainKey}' is not a state store grain key: it must start with '{TextPrefix}' or '{HexPrefix}'");
    }
}

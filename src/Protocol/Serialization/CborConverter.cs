using System.Formats.Cbor;

namespace OrleansAio.Protocol.Serialization;

/// <summary>Writes and reads one application type as CBOR, for <see cref="CborPayloadSerializer"/>.</summary>
/// <typeparam name="T">The application type.</typeparam>
public abstract class CborConverter<T>
{
    /// <summary>Writes <paramref name="value"/> (never <see langword="null"/>) as one CBOR data item.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public abstract void Write(CborWriter writer, T value);

    /// <summary>Reads one CBOR data item written by <see cref="Write"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public abstract T Read(CborReader reader);
}

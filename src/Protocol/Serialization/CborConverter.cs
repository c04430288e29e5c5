using System.Formats.Cbor;

namespace OrleansAio.Protocol.Serialization;

/// <summary>The untyped face of <see cref="CborConverter{T}"/>, used when the payload's static type is a base type.</summary>
public abstract class CborConverter
{
    /// <summary>The application type this converter handles.</summary>
    public abstract Type ValueType { get; }

    internal abstract void WriteObject(CborWriter writer, object value);

    internal abstract object? ReadObject(CborReader reader);
}

/// <summary>Writes and reads one application type as CBOR, for <see cref="CborPayloadSerializer"/>.</summary>
/// <typeparam name="T">The application type.</typeparam>
public abstract class CborConverter<T> : CborConverter
{
    /// <inheritdoc />
    public sealed override Type ValueType => typeof(T);

    /// <summary>Writes <paramref name="value"/> (never <see langword="null"/>) as one CBOR data item.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    public abstract void Write(CborWriter writer, T value);

    /// <summary>Reads one CBOR data item written by <see cref="Write"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public abstract T Read(CborReader reader);

    internal sealed override void WriteObject(CborWriter writer, object value) => Write(writer, (T)value);

    internal sealed override object? ReadObject(CborReader reader) => Read(reader);
}

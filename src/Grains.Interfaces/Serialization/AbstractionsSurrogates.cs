using OrleansAio.Abstractions.Common;
using OrleansAio.Abstractions.StateStore;

namespace OrleansAio.GrainsInterfaces.Serialization;

// src/Abstractions has no dependencies at all, so that the wire layer (src/Protocol) stays free of Orleans and client apps that
// reference only the grain contracts never pull in MQTT. Orleans serializes its types through these surrogates and converters,
// which the Orleans code generator of this project registers.

/// <summary>The Orleans form of an <see cref="HlcTimestamp"/>.</summary>
[GenerateSerializer, Immutable]
public struct HlcTimestampSurrogate
{
    /// <summary>Milliseconds since the Unix epoch.</summary>
    [Id(0)]
    public long UnixMilliseconds;

    /// <summary>The logical counter.</summary>
    [Id(1)]
    public int Counter;

    /// <summary>The node id.</summary>
    [Id(2)]
    public string NodeId;
}

/// <summary>Converts <see cref="HlcTimestamp"/> to and from its surrogate.</summary>
[RegisterConverter]
public sealed class HlcTimestampConverter : IConverter<HlcTimestamp, HlcTimestampSurrogate>
{
    /// <inheritdoc />
    public HlcTimestamp ConvertFromSurrogate(in HlcTimestampSurrogate surrogate) =>
        new(surrogate.UnixMilliseconds, surrogate.Counter, surrogate.NodeId);

    /// <inheritdoc />
    public HlcTimestampSurrogate ConvertToSurrogate(in HlcTimestamp value) =>
        new() { UnixMilliseconds = value.UnixMilliseconds, Counter = value.Counter, NodeId = value.NodeId };
}

/// <summary>The Orleans form of an enum of <c>src/Abstractions</c>: its underlying value.</summary>
[GenerateSerializer, Immutable]
public struct AbstractionsEnumSurrogate
{
    /// <summary>The enum's value.</summary>
    [Id(0)]
    public int Value;
}

/// <summary>Converts an enum of <c>src/Abstractions</c> to and from <see cref="AbstractionsEnumSurrogate"/>.</summary>
/// <typeparam name="TEnum">The enum type (its underlying type is <see cref="int"/>).</typeparam>
public abstract class AbstractionsEnumConverter<TEnum> : IConverter<TEnum, AbstractionsEnumSurrogate>
    where TEnum : struct, Enum
{
    /// <inheritdoc />
    public TEnum ConvertFromSurrogate(in AbstractionsEnumSurrogate surrogate) => (TEnum)Enum.ToObject(typeof(TEnum), surrogate.Value);

    /// <inheritdoc />
    public AbstractionsEnumSurrogate ConvertToSurrogate(in TEnum value) => new() { Value = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) };
}

/// <summary>Converts <see cref="AioErrorKind"/>.</summary>
[RegisterConverter]
public sealed class AioErrorKindConverter : AbstractionsEnumConverter<AioErrorKind>;

/// <summary>Converts <see cref="SetCondition"/>.</summary>
[RegisterConverter]
public sealed class SetConditionConverter : AbstractionsEnumConverter<SetCondition>;

/// <summary>Converts <see cref="StateStoreServiceError"/>.</summary>
[RegisterConverter]
public sealed class StateStoreServiceErrorConverter : AbstractionsEnumConverter<StateStoreServiceError>;

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

/// <summary>The Orleans form of an <see cref="AioErrorKind"/>.</summary>
[GenerateSerializer, Immutable]
public struct AioErrorKindSurrogate
{
    /// <summary>The kind's value.</summary>
    [Id(0)]
    public int Value;
}

/// <summary>Converts <see cref="AioErrorKind"/> to and from its surrogate.</summary>
[RegisterConverter]
public sealed class AioErrorKindConverter : IConverter<AioErrorKind, AioErrorKindSurrogate>
{
    /// <inheritdoc />
    public AioErrorKind ConvertFromSurrogate(in AioErrorKindSurrogate surrogate) => (AioErrorKind)surrogate.Value;

    /// <inheritdoc />
    public AioErrorKindSurrogate ConvertToSurrogate(in AioErrorKind value) => new() { Value = (int)value };
}

/// <summary>The Orleans form of a <see cref="SetCondition"/>.</summary>
[GenerateSerializer, Immutable]
public struct SetConditionSurrogate
{
    /// <summary>The condition's value.</summary>
    [Id(0)]
    public int Value;
}

/// <summary>Converts <see cref="SetCondition"/> to and from its surrogate.</summary>
[RegisterConverter]
public sealed class SetConditionConverter : IConverter<SetCondition, SetConditionSurrogate>
{
    /// <inheritdoc />
    public SetCondition ConvertFromSurrogate(in SetConditionSurrogate surrogate) => (SetCondition)surrogate.Value;

    /// <inheritdoc />
    public SetConditionSurrogate ConvertToSurrogate(in SetCondition value) => new() { Value = (int)value };
}

/// <summary>The Orleans form of a <see cref="StateStoreServiceError"/>.</summary>
[GenerateSerializer, Immutable]
public struct StateStoreServiceErrorSurrogate
{
    /// <summary>The error's value.</summary>
    [Id(0)]
    public int Value;
}

/// <summary>Converts <see cref="StateStoreServiceError"/> to and from its surrogate.</summary>
[RegisterConverter]
public sealed class StateStoreServiceErrorConverter : IConverter<StateStoreServiceError, StateStoreServiceErrorSurrogate>
{
    /// <inheritdoc />
    public StateStoreServiceError ConvertFromSurrogate(in StateStoreServiceErrorSurrogate surrogate) => (StateStoreServiceError)surrogate.Value;

    /// <inheritdoc />
    public StateStoreServiceErrorSurrogate ConvertToSurrogate(in StateStoreServiceError value) => new() { Value = (int)value };
}

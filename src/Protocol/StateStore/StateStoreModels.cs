using System.Text;
using OrleansAio.Abstractions.StateStore;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Protocol.StateStore;

/// <summary>Bytes of a state-store key or value, compared by content.</summary>
public abstract class StateStoreObject : IEquatable<StateStoreObject>
{
    /// <summary>Wraps bytes.</summary>
    /// <param name="bytes">The bytes (kept, not copied).</param>
    protected StateStoreObject(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Bytes = bytes;
    }

    /// <summary>The bytes.</summary>
    public byte[] Bytes { get; }

    /// <summary>The bytes as UTF-8 text.</summary>
    /// <returns>The text.</returns>
    public string GetString() => Encoding.UTF8.GetString(Bytes);

    /// <inheritdoc />
    public bool Equals(StateStoreObject? other) => other is not null && other.GetType() == GetType() && Bytes.AsSpan().SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StateStoreObject other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => GetString();
}

/// <summary>A state-store key: arbitrary non-empty bytes (text keys are their UTF-8 bytes).</summary>
public sealed class StateStoreKey : StateStoreObject
{
    /// <summary>A key from bytes.</summary>
    /// <param name="bytes">The key bytes.</param>
    public StateStoreKey(byte[] bytes)
        : base(bytes)
    {
    }

    /// <summary>A key from text (UTF-8).</summary>
    /// <param name="key">The key.</param>
    public StateStoreKey(string key)
        : base(Encoding.UTF8.GetBytes(key ?? throw new ArgumentNullException(nameof(key))))
    {
    }

    /// <summary>Converts text to a key.</summary>
    /// <param name="key">The text.</param>
    public static implicit operator StateStoreKey(string key) => new(key);

    /// <summary>Converts bytes to a key.</summary>
    /// <param name="key">The bytes.</param>
    public static implicit operator StateStoreKey(byte[] key) => new(key);
}

/// <summary>A state-store value: arbitrary bytes, possibly empty.</summary>
public sealed class StateStoreValue : StateStoreObject
{
    /// <summary>A value from bytes.</summary>
    /// <param name="bytes">The bytes.</param>
    public StateStoreValue(byte[] bytes)
        : base(bytes)
    {
    }

    /// <summary>A value from text (UTF-8).</summary>
    /// <param name="value">The text.</param>
    public StateStoreValue(string value)
        : base(Encoding.UTF8.GetBytes(value ?? throw new ArgumentNullException(nameof(value))))
    {
    }

    /// <summary>Converts text to a value.</summary>
    /// <param name="value">The text.</param>
    public static implicit operator StateStoreValue(string value) => new(value);

    /// <summary>Converts bytes to a value.</summary>
    /// <param name="value">The bytes.</param>
    public static implicit operator StateStoreValue(byte[] value) => new(value);
}

/// <summary>Options of a set.</summary>
public sealed class StateStoreSetRequestOptions
{
    /// <summary>The condition (default unconditional).</summary>
    public SetCondition Condition { get; set; } = SetCondition.Unconditional;

    /// <summary>The time to live (<c>PX</c>, whole milliseconds, at least 1 ms); <see langword="null"/> makes the key permanent.</summary>
    public TimeSpan? ExpiryTime { get; set; }

    /// <summary>The fencing token (<c>__ft</c>), normally the version of a lease.</summary>
    public HybridLogicalClock? FencingToken { get; set; }

    /// <summary>Asks the broker to persist the entry (<c>aio-persistence=true</c>); our state store persists every entry anyway.</summary>
    public bool PersistEntry { get; set; }
}

/// <summary>Options of a delete.</summary>
public sealed class StateStoreDeleteRequestOptions
{
    /// <summary>When set, delete only if the key holds this value (<c>VDEL</c>).</summary>
    public StateStoreValue? OnlyDeleteIfValueEquals { get; set; }

    /// <summary>The fencing token (<c>__ft</c>).</summary>
    public HybridLogicalClock? FencingToken { get; set; }
}

/// <summary>The outcome of a get.</summary>
/// <param name="Version">The key's version, or <see langword="null"/> when absent.</param>
/// <param name="Value">The value, or <see langword="null"/> when absent.</param>
public sealed record StateStoreGetResponse(HybridLogicalClock? Version, StateStoreValue? Value);

/// <summary>The outcome of a set.</summary>
/// <param name="Version">The new version (applied) or the stored version (not applied).</param>
/// <param name="Success">Whether the value was written.</param>
public sealed record StateStoreSetResponse(HybridLogicalClock? Version, bool Success);

/// <summary>The outcome of a delete.</summary>
/// <param name="DeletedItemsCount">1 deleted, 0 absent, -1 value mismatch (VDEL).</param>
public sealed record StateStoreDeleteResponse(int? DeletedItemsCount);

/// <summary>The new state of an observed key.</summary>
public enum KeyState
{
    /// <summary>The key was set.</summary>
    Updated,

    /// <summary>The key was deleted or expired.</summary>
    Deleted,
}

/// <summary>One key-change notification.</summary>
/// <param name="changedKey">The key.</param>
/// <param name="newState">Set or deleted.</param>
/// <param name="version">The version of the change.</param>
public sealed class KeyChangeMessageReceivedEventArgs(StateStoreKey changedKey, KeyState newState, HybridLogicalClock version) : EventArgs
{
    /// <summary>The key.</summary>
    public StateStoreKey ChangedKey { get; } = changedKey;

    /// <summary>The new state.</summary>
    public KeyState NewState { get; } = newState;

    /// <summary>The new value (updated), or <see langword="null"/> (deleted).</summary>
    public StateStoreValue? NewValue { get; init; }

    /// <summary>The version of the change.</summary>
    public HybridLogicalClock Version { get; } = version;
}

namespace OrleansAio.Tests.Conformance.Model;

/// <summary>Whether a METL key was omitted, given as null, or given a value.</summary>
internal enum FieldState
{
    /// <summary>The key is absent (after defaults were applied).</summary>
    Omitted,

    /// <summary>The key is present with a null value (<c>key:</c>, <c>key: ~</c>).</summary>
    Null,

    /// <summary>The key is present with a value.</summary>
    Value,
}

/// <summary>
/// A METL key's value that keeps omitted, null and value apart: a drive key omitted uses its default, null drives an absent value;
/// a check key omitted is not checked, null must be absent; a match key null refers to "absent" (protocol.md §2.2).
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
internal readonly struct Field<T>
{
    private readonly T? value;

    private Field(FieldState state, T? value)
    {
        State = state;
        this.value = value;
    }

    /// <summary>An omitted key.</summary>
    public static Field<T> Omitted => default;

    /// <summary>A key given as null.</summary>
    public static Field<T> Null => new(FieldState.Null, default);

    /// <summary>The state of the key.</summary>
    public FieldState State { get; }

    /// <summary>Whether the key was omitted.</summary>
    public bool IsOmitted => State == FieldState.Omitted;

    /// <summary>Whether the key was given as null.</summary>
    public bool IsNull => State == FieldState.Null;

    /// <summary>Whether the key has a value.</summary>
    public bool HasValue => State == FieldState.Value;

    /// <summary>The value; only valid when <see cref="HasValue"/>.</summary>
    public T Value => HasValue ? value! : throw new InvalidOperationException($"The METL key is {State}, not a value");

    /// <summary>A key with a value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The field.</returns>
    public static Field<T> Of(T value) => new(FieldState.Value, value);

    /// <summary>The value, or <paramref name="fallback"/> when omitted or null.</summary>
    /// <param name="fallback">The value to use otherwise.</param>
    /// <returns>The value or the fallback.</returns>
    public T? ValueOr(T? fallback) => HasValue ? value : fallback;

    /// <summary>The value when present, <see langword="default"/> when null, <paramref name="whenOmitted"/> when omitted.</summary>
    /// <param name="whenOmitted">The value when omitted.</param>
    /// <returns>The resolved value.</returns>
    public T? Resolve(T? whenOmitted) => State switch
    {
        FieldState.Value => value,
        FieldState.Null => default,
        _ => whenOmitted,
    };

    /// <inheritdoc />
    public override string ToString() => State switch
    {
        FieldState.Value => value?.ToString() ?? "(null)",
        FieldState.Null => "null",
        _ => "(omitted)",
    };
}

namespace OrleansAio.Abstractions.StateStore;

/// <summary>The condition of a set (the public SDK's names).</summary>
public enum SetCondition
{
    /// <summary>Set only if the key does not exist (<c>NX</c>).</summary>
    OnlyIfDoesNotExist,

    /// <summary>Set if the key does not exist or holds the same value (<c>NEX</c>).</summary>
    OnlyIfEqualOrDoesNotExist,

    /// <summary>Set unconditionally.</summary>
    Unconditional,
}

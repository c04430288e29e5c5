namespace OrleansAio.Tests.StateStore;

/// <summary>The operations of the register model a key follows in a history.</summary>
internal enum RegisterOperationKind
{
    /// <summary>SET (unconditional, NX or NEX): output whether it applied.</summary>
    Set,

    /// <summary>GET: output the value or null.</summary>
    Get,

    /// <summary>DEL: output 1 or 0.</summary>
    Delete,

    /// <summary>VDEL: output 1, 0 or -1.</summary>
    VDelete,
}

/// <summary>The SET condition in a history.</summary>
internal enum RegisterCondition
{
    Always,
    NotSet,
    EqualOrNotSet,
}

/// <summary>
/// One completed (or timed-out) operation of a history. <see cref="Return"/> is <see cref="long.MaxValue"/> and
/// <see cref="OutcomeKnown"/> false when the caller never learnt the outcome (timeout, lost connection): it may then have taken
/// effect at any point after its call, or never.
/// </summary>
internal sealed record RegisterOperation(
    int Client,
    string Key,
    RegisterOperationKind Kind,
    RegisterCondition Condition,
    string? Input,
    long Call,
    long Return,
    bool OutcomeKnown,
    bool Applied = false,
    string? ReadValue = null,
    int Count = 0)
{
    public override string ToString() => OutcomeKnown
        ? $"c{Client} {Kind}({Key}{(Input is null ? string.Empty : "=" + Input)} {Condition}) [{Call},{Return}] -> {(Kind switch { RegisterOperationKind.Set => Applied.ToString(), RegisterOperationKind.Get => ReadValue ?? "nil", _ => Count.ToString(System.Globalization.CultureInfo.InvariantCulture) })}"
        : $"c{Client} {Kind}({Key}{(Input is null ? string.Empty : "=" + Input)} {Condition}) [{Call},inf] -> ?";
}

/// <summary>
/// A linearizability checker for histories of a key-value store whose keys are independent registers: the Wing-Gong algorithm
/// with Lowe's memoisation, as in Porcupine (P-compositionality: each key is checked on its own).
/// </summary>
internal static class LinearizabilityChecker
{
    /// <summary>Checks every key's sub-history; returns the first key that is not linearizable, or null.</summary>
    public static string? FindViolation(IReadOnlyList<RegisterOperation> history)
    {
        foreach (var group in history.GroupBy(o => o.Key, StringComparer.Ordinal))
        {
            if (!IsLinearizable([.. group]))
            {
                return group.Key;
            }
        }

        return null;
    }

    /// <summary>Whether one key's operations (starting from an absent key) are linearizable.</summary>
    public static bool IsLinearizable(IReadOnlyList<RegisterOperation> operations)
    {
        var events = new List<(long Time, bool IsCall, int Id)>(operations.Count * 2);
        for (var i = 0; i < operations.Count; i++)
        {
            events.Add((operations[i].Call, true, i));
            events.Add((operations[i].Return, false, i));
        }

        // At equal times calls go first: operations that touch in time are treated as concurrent.
        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : b.IsCall.CompareTo(a.IsCall));

        var head = new Node(-1, false);
        var callNodes = new Node[operations.Count];
        var returnNodes = new Node[operations.Count];
        var last = head;
        foreach (var (_, isCall, id) in events)
        {
            var node = new Node(id, isCall) { Prev = last };
            last.Next = node;
            last = node;
            if (isCall)
            {
                callNodes[id] = node;
            }
            else
            {
                returnNodes[id] = node;
            }
        }

        for (var i = 0; i < operations.Count; i++)
        {
            callNodes[i].Match = returnNodes[i];
        }

        var linearized = new ulong[(operations.Count + 63) / 64];
        var cache = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(Node Entry, string? State)>();
        string? state = null;
        var entry = head.Next;
        while (head.Next is not null)
        {
            if (entry!.IsCall)
            {
                var (ok, next) = Step(state, operations[entry.Id]);
                if (ok)
                {
                    linearized[entry.Id / 64] |= 1UL << (entry.Id % 64);
                    if (cache.Add(CacheKey(linearized, next)))
                    {
                        stack.Push((entry, state));
                        state = next;
                        Lift(entry);
                        entry = head.Next;
                        continue;
                    }

                    linearized[entry.Id / 64] &= ~(1UL << (entry.Id % 64));
                }

                entry = entry.Next;
            }
            else
            {
                if (stack.Count == 0)
                {
                    return false;
                }

                var (top, previous) = stack.Pop();
                state = previous;
                linearized[top.Id / 64] &= ~(1UL << (top.Id % 64));
                Unlift(top);
                entry = top.Next;
            }
        }

        return true;
    }

    private static (bool Ok, string? Next) Step(string? state, RegisterOperation op)
    {
        switch (op.Kind)
        {
            case RegisterOperationKind.Set:
                var applies = op.Condition switch
                {
                    RegisterCondition.NotSet => state is null,
                    RegisterCondition.EqualOrNotSet => state is null || state == op.Input,
                    _ => true,
                };
                return (!op.OutcomeKnown || op.Applied == applies, applies ? op.Input : state);
            case RegisterOperationKind.Get:
                return (!op.OutcomeKnown || op.ReadValue == state, state);
            case RegisterOperationKind.Delete:
                return (!op.OutcomeKnown || op.Count == (state is null ? 0 : 1), null);
            default:
                var result = state is null ? 0 : state == op.Input ? 1 : -1;
                return (!op.OutcomeKnown || op.Count == result, result == 1 ? null : state);
        }
    }

    private static string CacheKey(ulong[] linearized, string? state) =>
        string.Join(',', linearized) + "|" + (state is null ? "\0nil" : state);

    private static void Lift(Node entry)
    {
        entry.Prev!.Next = entry.Next;
        entry.Next!.Prev = entry.Prev;
        var match = entry.Match!;
        match.Prev!.Next = match.Next;
        if (match.Next is not null)
        {
            match.Next.Prev = match.Prev;
        }
    }

    private static void Unlift(Node entry)
    {
        var match = entry.Match!;
        match.Prev!.Next = match;
        if (match.Next is not null)
        {
            match.Next.Prev = match;
        }

        entry.Prev!.Next = entry;
        entry.Next!.Prev = entry;
    }

    private sealed class Node(int id, bool isCall)
    {
        public int Id { get; } = id;

        public bool IsCall { get; } = isCall;

        public Node? Match { get; set; }

        public Node? Prev { get; set; }

        public Node? Next { get; set; }
    }
}

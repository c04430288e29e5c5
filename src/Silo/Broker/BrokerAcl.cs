namespace OrleansAio.Silo.Broker;

/// <summary>What a client asks to do on a topic.</summary>
public enum BrokerAccess
{
    /// <summary>Subscribe (receive).</summary>
    Read,

    /// <summary>Publish.</summary>
    Write,
}

/// <summary>
/// A topic access-control list in Mosquitto's <c>acl_file</c> format, with <c>client</c> sections added:
/// <code>
/// # comment
/// topic read public/#            # before any user/client line: anonymous clients only
/// user alice                     # the following topic lines apply to user alice
/// topic readwrite sensors/#
/// topic deny sensors/secret/#
/// client thermostat-1            # the following topic lines apply to client id thermostat-1
/// topic write telemetry/%c/#
/// pattern readwrite devices/%u/# # every client; %c is its client id, %u its user name
/// </code>
/// Access is <c>read</c> (subscribe), <c>write</c> (publish), <c>readwrite</c> or <c>deny</c> (wins over any grant); no access
/// word means <c>readwrite</c>. Anything not granted is refused. A SUBSCRIBE filter is granted when a readable filter covers
/// every topic it can match (so <c>sensors/#</c> grants <c>sensors/+/t</c>, not <c>#</c>) and no denied filter covers it; as in
/// Mosquitto, each message is checked again on delivery, so a granted <c>sensors/#</c> never delivers a denied
/// <c>sensors/secret/x</c>.
/// </summary>
public sealed class BrokerAcl
{
    private readonly List<Rule> rules;

    private BrokerAcl(List<Rule> rules) => this.rules = rules;

    /// <summary>How many rules the list holds.</summary>
    public int Count => rules.Count;

    /// <summary>Parses an ACL text.</summary>
    /// <param name="text">The file's text.</param>
    /// <returns>The list.</returns>
    /// <exception cref="FormatException">A line is invalid (the message gives its number and why).</exception>
    public static BrokerAcl Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<Rule>();
        Scope scope = new(ScopeKind.Anonymous, null);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var words = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "user":
                case "client":
                    if (words.Length != 2)
                    {
                        throw new FormatException($"line {number}: '{words[0]}' takes one name");
                    }

                    scope = new Scope(words[0] == "user" ? ScopeKind.User : ScopeKind.Client, words[1]);
                    break;
                case "topic":
                case "pattern":
                    if (words.Length < 2)
                    {
                        throw new FormatException($"line {number}: '{words[0]}' needs a topic filter");
                    }

                    var (access, filter) = words.Length == 3 && TryAccess(words[1], out var parsed)
                        ? (parsed, words[2])
                        : (AccessRule.ReadWrite, string.Join(' ', words[1..]));
                    if (!IsValidFilter(filter))
                    {
                        throw new FormatException($"line {number}: '{filter}' is not a valid MQTT topic filter");
                    }

                    rules.Add(new Rule(words[0] == "pattern" ? new Scope(ScopeKind.Everyone, null) : scope, access, filter));
                    break;
                default:
                    throw new FormatException($"line {number}: unknown keyword '{words[0]}' (expected user, client, topic or pattern)");
            }
        }

        return new BrokerAcl(rules);
    }

    /// <summary>Whether a client may publish to <paramref name="topicOrFilter"/> (<see cref="BrokerAccess.Write"/>) or subscribe to it.</summary>
    /// <param name="clientId">The client id (for <c>%c</c> and <c>client</c> sections).</param>
    /// <param name="userName">The authenticated user name, or <see langword="null"/> for an anonymous client.</param>
    /// <param name="access">Publish or subscribe.</param>
    /// <param name="topicOrFilter">The topic of a publish or the filter of a subscription.</param>
    /// <returns>Whether it is allowed.</returns>
    public bool IsAllowed(string clientId, string? userName, BrokerAccess access, string topicOrFilter)
    {
        var granted = false;
        foreach (var rule in rules)
        {
            if (!rule.Scope.AppliesTo(clientId, userName) || Substitute(rule.Filter, clientId, userName) is not { } filter)
            {
                continue;
            }

            if (rule.Access == AccessRule.Deny)
            {
                if (Covers(filter, topicOrFilter))
                {
                    return false;
                }

                continue;
            }

            if (!granted && rule.Grants(access) && Covers(filter, topicOrFilter))
            {
                granted = true;
            }
        }

        return granted;
    }

    /// <summary>Whether every topic <paramref name="inner"/> matches is matched by <paramref name="outer"/> (a topic is a filter without wildcards).</summary>
    /// <param name="outer">The wider filter.</param>
    /// <param name="inner">The filter or topic.</param>
    /// <returns>Whether <paramref name="outer"/> covers <paramref name="inner"/>.</returns>
    public static bool Covers(string outer, string inner)
    {
        var o = outer.Split('/');
        var i = inner.Split('/');
        for (var n = 0; n < o.Length; n++)
        {
            if (o[n] == "#")
            {
                // '#' also matches the parent level (MQTT 4.7.1.2), but a topic starting with '$' is not matched by a leading wildcard.
                return !(n == 0 && i[0].StartsWith('$'));
            }

            if (n >= i.Length)
            {
                return false;
            }

            if (o[n] == "+")
            {
                if (i[n] == "#" || (n == 0 && i[0].StartsWith('$')))
                {
                    return false;
                }

                continue;
            }

            if (!string.Equals(o[n], i[n], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return o.Length == i.Length;
    }

    /// <summary>Whether some topic is matched by both filters.</summary>
    /// <param name="a">A filter or topic.</param>
    /// <param name="b">Another filter or topic.</param>
    /// <returns>Whether they overlap.</returns>
    public static bool Overlaps(string a, string b)
    {
        var x = a.Split('/');
        var y = b.Split('/');
        for (var n = 0; ; n++)
        {
            if (n < x.Length && x[n] == "#" || n < y.Length && y[n] == "#")
            {
                return true;
            }

            if (n >= x.Length || n >= y.Length)
            {
                return x.Length == y.Length;
            }

            if (x[n] != "+" && y[n] != "+" && !string.Equals(x[n], y[n], StringComparison.Ordinal))
            {
                return false;
            }
        }
    }

    /// <summary>Whether a text is a valid MQTT topic filter (MQTT 5 §4.7).</summary>
    /// <param name="filter">The text.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValidFilter(string filter)
    {
        if (string.IsNullOrEmpty(filter))
        {
            return false;
        }

        var levels = filter.Split('/');
        for (var n = 0; n < levels.Length; n++)
        {
            var level = levels[n];
            if ((level.Contains('#', StringComparison.Ordinal) && (level != "#" || n != levels.Length - 1))
                || (level.Contains('+', StringComparison.Ordinal) && level != "+"))
            {
                return false;
            }
        }

        return true;
    }

    // %c and %u substitution; a rule naming %u does not apply to an anonymous client. A substituted name holding a wildcard or a
    // separator would widen the rule, so such a client gets nothing from it.
    private static string? Substitute(string filter, string clientId, string? userName)
    {
        if (!filter.Contains('%', StringComparison.Ordinal))
        {
            return filter;
        }

        if (filter.Contains("%u", StringComparison.Ordinal) && (userName is null || !IsPlainLevel(userName)))
        {
            return null;
        }

        if (filter.Contains("%c", StringComparison.Ordinal) && !IsPlainLevel(clientId))
        {
            return null;
        }

        return filter.Replace("%c", clientId, StringComparison.Ordinal).Replace("%u", userName ?? string.Empty, StringComparison.Ordinal);
    }

    private static bool IsPlainLevel(string name) => name.Length > 0 && name.IndexOfAny(['/', '+', '#']) < 0;

    private static bool TryAccess(string word, out AccessRule access)
    {
        access = word switch
        {
            "read" => AccessRule.Read,
            "write" => AccessRule.Write,
            "readwrite" => AccessRule.ReadWrite,
            "deny" => AccessRule.Deny,
            _ => (AccessRule)(-1),
        };
        return (int)access >= 0;
    }

    private enum AccessRule
    {
        Read,
        Write,
        ReadWrite,
        Deny,
    }

    private enum ScopeKind
    {
        Anonymous,
        User,
        Client,
        Everyone,
    }

    private sealed record Scope(ScopeKind Kind, string? Name)
    {
        public bool AppliesTo(string clientId, string? userName) => Kind switch
        {
            ScopeKind.Everyone => true,
            ScopeKind.Anonymous => userName is null,
            ScopeKind.User => string.Equals(userName, Name, StringComparison.Ordinal),
            _ => string.Equals(clientId, Name, StringComparison.Ordinal),
        };
    }

    private sealed record Rule(Scope Scope, AccessRule Access, string Filter)
    {
        public bool Grants(BrokerAccess access) =>
            Access == AccessRule.ReadWrite || (access == BrokerAccess.Read ? Access == AccessRule.Read : Access == AccessRule.Write);
    }
}

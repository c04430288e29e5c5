using System.Text;
using OrleansAio.Abstractions.Common;

namespace OrleansAio.Protocol.Common;

/// <summary>
/// AIO topic patterns (protocol.md §1.2): <c>/</c>-separated levels, each a literal label or a <c>{token}</c>, validated,
/// resolved into publish topics and subscribe filters, and used to extract token values from received topics.
/// </summary>
/// <remarks>
/// Validation failures raise <see cref="AioErrorKind.ConfigurationInvalid"/> (shallow) naming the pattern's option (for instance
/// <c>RequestTopicPattern</c>) for a malformed pattern, the token name for a missing or invalid replacement, and
/// <c>TopicNamespace</c> for a bad namespace. Resident token map entries win over transient ones.
/// </remarks>
public static class TopicPattern
{
    // Patterns come from configuration, so this stays small.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Pattern, string? Namespace), ParsedPattern> ParsedPatterns = new();

    /// <summary>The option name of a topic namespace in errors.</summary>
    public const string NamespacePropertyName = "TopicNamespace";

    /// <summary>Whether <paramref name="c"/> may appear in a literal label or token name: printable ASCII except <c>+ # { } /</c>.</summary>
    /// <param name="c">The character.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValidLabelChar(char c) => c is >= '!' and <= '~' and not '+' and not '#' and not '{' and not '}' and not '/';

    /// <summary>Whether <paramref name="value"/> is a valid token replacement or namespace: non-empty, label characters and <c>/</c>,
    /// no leading or trailing <c>/</c>, no <c>//</c>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValidReplacement(string? value)
    {
        if (string.IsNullOrEmpty(value) || value[0] == '/' || value[^1] == '/' || value.Contains("//", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c != '/' && !IsValidLabelChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Validates a topic namespace (absent is fine).</summary>
    /// <param name="topicNamespace">The namespace or <see langword="null"/>.</param>
    public static void ValidateNamespace(string? topicNamespace)
    {
        if (topicNamespace is not null && !IsValidReplacement(topicNamespace))
        {
            throw AioProtocolException.ConfigurationInvalid(
                NamespacePropertyName, topicNamespace, "a topic namespace must be non-empty ASCII label characters without '+', '#', '{', '}', leading or trailing '/' or '//'");
        }
    }

    /// <summary>Validates <paramref name="pattern"/> and the replacements <paramref name="tokenMap"/> gives for its tokens.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="patternPropertyName">The option name used in errors about the pattern itself.</param>
    /// <param name="tokenMap">Token values (keys are the text between the braces).</param>
    /// <param name="requireReplacement">Whether every token must have a value (publishers).</param>
    public static void Validate(string? pattern, string patternPropertyName, IReadOnlyDictionary<string, string>? tokenMap, bool requireReplacement)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            throw AioProtocolException.ConfigurationInvalid(patternPropertyName, pattern ?? string.Empty, "a topic pattern must not be empty");
        }

        if (pattern[0] == '$')
        {
            throw AioProtocolException.ConfigurationInvalid(patternPropertyName, pattern, "a topic pattern must not start with '$'");
        }

        foreach (var level in pattern.Split('/'))
        {
            if (level.Length == 0)
            {
                throw AioProtocolException.ConfigurationInvalid(patternPropertyName, pattern, "a topic pattern must not have empty levels (leading or trailing '/', or '//')");
            }

            if (IsToken(level, out var token))
            {
                if (token.Length == 0 || !token.All(IsValidLabelChar))
                {
                    throw AioProtocolException.ConfigurationInvalid(patternPropertyName, pattern, $"the token '{level}' has an invalid name");
                }

                if (tokenMap is not null && tokenMap.TryGetValue(token, out var replacement))
                {
                    if (!IsValidReplacement(replacement))
                    {
                        throw AioProtocolException.ConfigurationInvalid(token, replacement, $"the replacement for token '{{{token}}}' is not a valid topic fragment");
                    }
                }
                else if (requireReplacement)
                {
                    throw AioProtocolException.ConfigurationInvalid(token, null, $"the token '{{{token}}}' in {patternPropertyName} has no replacement");
                }
            }
            else if (!level.All(IsValidLabelChar))
            {
                throw AioProtocolException.ConfigurationInvalid(patternPropertyName, pattern, $"the level '{level}' contains a character outside printable ASCII or one of '+', '#', '{{', '}}'");
            }
        }
    }

    /// <summary>Combines token maps: resident entries win over transient ones with the same key.</summary>
    /// <param name="resident">The component's map.</param>
    /// <param name="transient">The per-call map.</param>
    /// <returns>The combined map.</returns>
    public static Dictionary<string, string> CombineTokenMaps(IReadOnlyDictionary<string, string>? resident, IReadOnlyDictionary<string, string>? transient)
    {
        var combined = new Dictionary<string, string>(StringComparer.Ordinal);
        if (resident is not null)
        {
            foreach (var (key, value) in resident)
            {
                combined[key] = value;
            }
        }

        if (transient is not null)
        {
            foreach (var (key, value) in transient)
            {
                combined.TryAdd(key, value);
            }
        }

        return combined;
    }

    /// <summary>Resolves a publish topic: every token replaced, namespace prefixed.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="patternPropertyName">The option name used in errors.</param>
    /// <param name="topicNamespace">The namespace or <see langword="null"/>.</param>
    /// <param name="tokenMap">The combined token map.</param>
    /// <returns>The topic.</returns>
    public static string ResolvePublishTopic(string? pattern, string patternPropertyName, string? topicNamespace, IReadOnlyDictionary<string, string>? tokenMap)
    {
        ValidateNamespace(topicNamespace);
        Validate(pattern, patternPropertyName, tokenMap, requireReplacement: true);
        return Prefix(topicNamespace, Substitute(pattern!, tokenMap, wildcardMissing: false));
    }

    /// <summary>Resolves a subscribe filter: resident tokens replaced, the rest <c>+</c>, namespace and <c>$share/group/</c> prefixed.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="patternPropertyName">The option name used in errors.</param>
    /// <param name="topicNamespace">The namespace or <see langword="null"/>.</param>
    /// <param name="residentTokenMap">The resident token map.</param>
    /// <param name="shareGroup">The shared-subscription group, or <see langword="null"/> for a plain subscription.</param>
    /// <returns>The filter.</returns>
    public static string ResolveSubscribeFilter(
        string? pattern, string patternPropertyName, string? topicNamespace, IReadOnlyDictionary<string, string>? residentTokenMap, string? shareGroup = null)
    {
        ValidateNamespace(topicNamespace);
        Validate(pattern, patternPropertyName, residentTokenMap, requireReplacement: false);
        if (shareGroup is not null && (shareGroup.Length == 0 || !shareGroup.All(IsValidLabelChar)))
        {
            throw AioProtocolException.ConfigurationInvalid("ServiceGroupId", shareGroup, "a service group ID must be a single non-empty topic label");
        }

        var filter = Prefix(topicNamespace, Substitute(pattern!, residentTokenMap, wildcardMissing: true));
        return shareGroup is null ? filter : $"$share/{shareGroup}/{filter}";
    }

    /// <summary>Extracts token values from a received topic (the level under each token of <c>namespace/pattern</c>).</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="topicNamespace">The namespace or <see langword="null"/>.</param>
    /// <param name="topic">The received topic.</param>
    /// <returns>Token name to value; empty when the topic does not have the pattern's shape.</returns>
    public static Dictionary<string, string> ExtractTokens(string pattern, string? topicNamespace, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);

        // The pattern's token positions are parsed once per pattern; the topic is walked without splitting it.
        var parsed = ParsedPatterns.GetOrAdd((pattern, topicNamespace), static key => ParsePattern(key.Pattern, key.Namespace));
        var t = topic.AsSpan();
        if (t.Count('/') + 1 != parsed.Levels || parsed.Tokens.Length == 0)
        {
            return tokens;
        }

        var next = 0;
        var level = 0;
        while (next < parsed.Tokens.Length)
        {
            var end = t.IndexOf('/');
            if (parsed.Tokens[next].Level == level)
            {
                tokens[parsed.Tokens[next].Name] = (end < 0 ? t : t[..end]).ToString();
                next++;
            }

            if (end < 0)
            {
                break;
            }

            t = t[(end + 1)..];
            level++;
        }

        return tokens;
    }

    private static ParsedPattern ParsePattern(string pattern, string? topicNamespace)
    {
        var levels = Prefix(topicNamespace, pattern).Split('/');
        var tokens = new List<(int Level, string Name)>();
        for (var i = 0; i < levels.Length; i++)
        {
            if (IsToken(levels[i], out var token))
            {
                tokens.Add((i, token));
            }
        }

        return new ParsedPattern(levels.Length, [.. tokens]);
    }

    private sealed record ParsedPattern(int Levels, (int Level, string Name)[] Tokens);

    /// <summary>Whether <paramref name="topic"/> matches the MQTT filter (<c>+</c>, <c>#</c>; a <c>$share/group/</c> prefix is ignored).</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="filter">The topic filter.</param>
    /// <returns>Whether it matches.</returns>
    public static bool MatchesFilter(string topic, string filter)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(filter);

        // Level by level over spans: this runs for every message a session receives, so it allocates nothing.
        var f = filter.AsSpan();
        if (f.StartsWith("$share/", StringComparison.Ordinal))
        {
            var rest = f["$share/".Length..];
            var groupEnd = rest.IndexOf('/');
            f = groupEnd < 0 ? [] : rest[(groupEnd + 1)..];
        }

        var t = topic.AsSpan();
        var topicDone = false;
        for (var i = 0; ; i++)
        {
            var filterEnd = f.IndexOf('/');
            var filterLevel = filterEnd < 0 ? f : f[..filterEnd];
            if (filterLevel is "#")
            {
                return i > 0 || !topic.StartsWith('$');
            }

            if (topicDone)
            {
                return false;
            }

            var topicEnd = t.IndexOf('/');
            if (filterLevel is "+")
            {
                if (i == 0 && topic.StartsWith('$'))
                {
                    return false;
                }
            }
            else if (!filterLevel.SequenceEqual(topicEnd < 0 ? t : t[..topicEnd]))
            {
                return false;
            }

            if (topicEnd < 0)
            {
                topicDone = true;
            }
            else
            {
                t = t[(topicEnd + 1)..];
            }

            if (filterEnd < 0)
            {
                return topicDone;
            }

            f = f[(filterEnd + 1)..];
        }
    }

    private static bool IsToken(string level, out string token)
    {
        if (level.Length >= 2 && level[0] == '{' && level[^1] == '}')
        {
            token = level[1..^1];
            return true;
        }

        token = string.Empty;
        return false;
    }

    private static string Substitute(string pattern, IReadOnlyDictionary<string, string>? tokenMap, bool wildcardMissing)
    {
        var builder = new StringBuilder(pattern.Length);
        var levels = pattern.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('/');
            }

            if (IsToken(levels[i], out var token))
            {
                if (tokenMap is not null && tokenMap.TryGetValue(token, out var value))
                {
                    builder.Append(value);
                }
                else
                {
                    builder.Append(wildcardMissing ? "+" : throw AioProtocolException.ConfigurationInvalid(token, null, $"the token '{{{token}}}' has no replacement"));
                }
            }
            else
            {
                builder.Append(levels[i]);
            }
        }

        return builder.ToString();
    }

    private static string Prefix(string? topicNamespace, string topic) => topicNamespace is null ? topic : $"{topicNamespace}/{topic}";

    /// <summary>
    /// Checks that <paramref name="keyToken"/> (the token whose value picks the grain, one per key) appears in
    /// <paramref name="pattern"/> and has no resident value; commands and telemetry topics both route this way.
    /// </summary>
    /// <param name="pattern">The topic pattern.</param>
    /// <param name="keyToken">The key token's name.</param>
    /// <param name="topicTokenMap">The resident token values.</param>
    /// <param name="patternDescription">What the pattern is, for the error (for instance <c>the request topic pattern '...' of command 'x'</c>).</param>
    /// <exception cref="AioProtocolException">The key token is missing from the pattern (property <c>KeyToken</c>) or has a resident value (property <c>TopicTokenMap</c>).</exception>
    public static void EnsureKeyToken(string pattern, string keyToken, IReadOnlyDictionary<string, string> topicTokenMap, string patternDescription)
    {
        ArgumentNullException.ThrowIfNull(topicTokenMap);
        if (string.IsNullOrEmpty(keyToken) || pattern?.Contains("{" + keyToken + "}", StringComparison.Ordinal) != true)
        {
            throw AioProtocolException.ConfigurationInvalid("KeyToken", keyToken, $"the key token must appear as {{{keyToken}}} in {patternDescription}");
        }

        if (topicTokenMap.ContainsKey(keyToken))
        {
            throw AioProtocolException.ConfigurationInvalid("TopicTokenMap", keyToken, "the key token must not have a resident value: each grain gets its own");
        }
    }
}

namespace OrleansAio.Silo.Broker;

/// <summary>
/// A parsed MQTT 5 shared subscription topic filter, <c>$share/&lt;group&gt;/&lt;filter&gt;</c> (MQTT 5 §4.8.2).
/// </summary>
/// <param name="Group">The share name: non-empty, without <c>/</c>, <c>+</c> or <c>#</c>.</param>
/// <param name="Filter">The topic filter the group subscribes to, e.g. <c>sensors/+/temperature</c>.</param>
public readonly record struct SharedSubscriptionFilter(string Group, string Filter)
{
    /// <summary>The prefix that marks a shared subscription.</summary>
    public const string Prefix = "$share/";

    /// <summary>Whether <paramref name="topicFilter"/> starts with <c>$share/</c> (valid or not).</summary>
    /// <param name="topicFilter">A topic filter as a client sent it.</param>
    public static bool IsShared(string? topicFilter) => topicFilter is not null && topicFilter.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// Parses <c>$share/&lt;group&gt;/&lt;filter&gt;</c>. Returns <see langword="false"/> with a reason when the group is empty or holds
    /// <c>+</c> or <c>#</c>, when the filter is missing, or when the filter is not a valid MQTT topic filter.
    /// </summary>
    /// <param name="topicFilter">A topic filter that starts with <c>$share/</c>.</param>
    /// <param name="result">The group and filter when valid.</param>
    /// <param name="error">Why the share name is invalid, naming the offending part.</param>
    public static bool TryParse(string topicFilter, out SharedSubscriptionFilter result, out string error)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        result = default;
        if (!IsShared(topicFilter))
        {
            error = $"'{topicFilter}' does not start with '{Prefix}'.";
            return false;
        }

        var rest = topicFilter.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            error = $"'{topicFilter}' has no topic filter after the share name.";
            return false;
        }

        var group = rest[..slash];
        var filter = rest[(slash + 1)..];
        if (group.IsEmpty)
        {
            error = $"'{topicFilter}' has an empty share name.";
            return false;
        }

        if (group.IndexOfAny('+', '#') >= 0)
        {
            error = $"The share name '{group}' in '{topicFilter}' contains a wildcard ('+' or '#').";
            return false;
        }

        if (filter.IsEmpty)
        {
            error = $"'{topicFilter}' has an empty topic filter after the share name.";
            return false;
        }

        var filterText = filter.ToString();
        if (!IsValidTopicFilter(filterText))
        {
            error = $"The topic filter '{filterText}' in '{topicFilter}' is not a valid MQTT topic filter.";
            return false;
        }

        result = new SharedSubscriptionFilter(group.ToString(), filterText);
        error = string.Empty;
        return true;
    }

    // MQTT 5 §4.7.1: '#' only as the whole last level, '+' only as a whole level. (MqttTopicFilterComparer does not reject
    // "a/#/b", so it cannot serve as the validator.)
    static bool IsValidTopicFilter(string filter)
    {
        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level.Length != 1 || i != levels.Length - 1))
            {
                return false;
            }

            if (level.Contains('+', StringComparison.Ordinal) && level.Length != 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The wire form, <c>$share/&lt;group&gt;/&lt;filter&gt;</c>.</summary>
    public override string ToString() => $"{Prefix}{Group}/{Filter}";
}

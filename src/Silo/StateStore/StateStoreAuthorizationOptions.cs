namespace OrleansAio.Silo.StateStore;

/// <summary>
/// Per-key access rules and per-client quotas of the state store (<c>StateStore:Authorization:*</c>). With <see cref="Enabled"/>
/// unset every client may read and write every key (the default, as before); quotas apply whenever they are set. See
/// <c>docs/security.md</c>.
/// </summary>
public sealed class StateStoreAuthorizationOptions
{
    /// <summary>The configuration section of these options.</summary>
    public const string SectionName = "StateStore:Authorization";

    /// <summary>Whether the <see cref="Rules"/> decide who may read and write which key; a request no rule grants gets <c>-ERR not authorized</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The rules. A rule applies to the client whose authenticated user is <see cref="StateStoreKeyRule.User"/>, or whose client
    /// id is <see cref="StateStoreKeyRule.ClientId"/>, or to every client when it names neither.
    /// </summary>
    public List<StateStoreKeyRule> Rules { get; set; } = [];

    /// <summary>The most keys one client may have written (0, the default: no limit). Beyond it a SET of a new key gets <c>-ERR the quota has been exceeded</c>.</summary>
    public int MaxKeysPerClient { get; set; }

    /// <summary>The most key and value bytes one client may hold (0, the default: no limit).</summary>
    public long MaxBytesPerClient { get; set; }

    /// <summary>The largest value one client may SET (0, the default: only <c>StateStore:MaxValueBytes</c>).</summary>
    public int MaxValueBytesPerClient { get; set; }

    /// <summary>Whether a quota is configured.</summary>
    public bool HasQuotas => MaxKeysPerClient > 0 || MaxBytesPerClient > 0;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">A value is wrong (its parameter name is the key).</exception>
    public void Validate()
    {
        if (MaxKeysPerClient < 0)
        {
            throw new ArgumentException("must be 0 (no limit) or more", nameof(MaxKeysPerClient));
        }

        if (MaxBytesPerClient < 0)
        {
            throw new ArgumentException("must be 0 (no limit) or more", nameof(MaxBytesPerClient));
        }

        if (MaxValueBytesPerClient < 0)
        {
            throw new ArgumentException("must be 0 (no limit) or more", nameof(MaxValueBytesPerClient));
        }

        for (var i = 0; i < Rules.Count; i++)
        {
            var rule = Rules[i];
            if (rule.User is not null && rule.ClientId is not null)
            {
                throw new ArgumentException("names both a user and a client id: one rule applies to one of them", $"Rules:{i}");
            }

            foreach (var pattern in rule.Read.Concat(rule.Write))
            {
                if (string.IsNullOrEmpty(pattern))
                {
                    throw new ArgumentException("has an empty key pattern", $"Rules:{i}");
                }
            }
        }
    }
}

/// <summary>One state-store access rule: key patterns that may be read and written.</summary>
public sealed class StateStoreKeyRule
{
    /// <summary>The authenticated user the rule applies to (the broker's identity), or <see langword="null"/>.</summary>
    public string? User { get; set; }

    /// <summary>The MQTT client id the rule applies to, or <see langword="null"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Key patterns that may be read (GET, KEYNOTIFY): <c>*</c> matches any run of characters, <c>?</c> one character, <c>%c</c>
    /// is the client id and <c>%u</c> the user name (a rule with <c>%u</c> does not apply to an anonymous client).
    /// </summary>
    public List<string> Read { get; set; } = [];

    /// <summary>Key patterns that may be written (SET, DEL, VDEL); same syntax as <see cref="Read"/>.</summary>
    public List<string> Write { get; set; } = [];
}

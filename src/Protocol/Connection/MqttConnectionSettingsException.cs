namespace OrleansAio.Protocol.Connection;

/// <summary>
/// A connection setting is missing, cannot be parsed, contradicts another setting or names a file that cannot be read.
/// </summary>
/// <remarks>
/// The message has the form <c>&lt;SettingName&gt;: &lt;what is wrong&gt; (value '&lt;value&gt;')</c>; the value part is left out
/// when the setting has no value. <see cref="SettingName"/> is the connection-string key (<c>HostName</c>), or the environment
/// variable (<c>AIO_BROKER_HOSTNAME</c>) when the settings came from the environment.
/// </remarks>
public sealed class MqttConnectionSettingsException : Exception
{
    /// <summary>Creates the exception for <paramref name="settingName"/>.</summary>
    /// <param name="settingName">The key or environment variable that is wrong.</param>
    /// <param name="problem">What is wrong, without the setting name.</param>
    /// <param name="value">The offending value, or <see langword="null"/> when the setting has none.</param>
    /// <param name="innerException">The parse or I/O error behind the problem, if any.</param>
    public MqttConnectionSettingsException(string settingName, string problem, string? value = null, Exception? innerException = null)
        : base(FormatMessage(settingName, problem, value), innerException)
    {
        SettingName = settingName;
        Value = value;
    }

    /// <summary>The connection-string key or environment variable that is wrong.</summary>
    public string SettingName { get; }

    /// <summary>The offending value, or <see langword="null"/> when the setting is missing.</summary>
    public string? Value { get; }

    private static string FormatMessage(string settingName, string problem, string? value) =>
        value is null ? $"{settingName}: {problem}" : $"{settingName}: {problem} (value '{value}')";
}

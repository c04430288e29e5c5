using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace OrleansAio.Protocol.Session;

/// <summary>
/// SAT re-authentication of the session client: remembers the token the last CONNECT or AUTH sent, creates the watcher of the
/// token file, and sends AUTH with reason Re-authenticate (0x19) when the file's bytes change while connected.
/// </summary>
internal sealed partial class SatReauthenticator
{
    private readonly IMqttClient client;
    private readonly Func<string?> tokenFile;
    private readonly Func<bool> isConnected;
    private readonly ILogger logger;
    private byte[]? lastToken;

    /// <summary>Creates the re-authenticator of one session client.</summary>
    /// <param name="client">The MQTTnet client the AUTH packets go out on.</param>
    /// <param name="tokenFile">The current session's token file, or <see langword="null"/> when it does not use SAT.</param>
    /// <param name="isConnected">Whether the session client's connection is up now.</param>
    /// <param name="logger">The session client's logger.</param>
    public SatReauthenticator(IMqttClient client, Func<string?> tokenFile, Func<bool> isConnected, ILogger logger)
    {
        this.client = client;
        this.tokenFile = tokenFile;
        this.isConnected = isConnected;
        this.logger = logger;
        Handler = new SatAuthenticationHandler(() => Volatile.Read(ref lastToken), logger);
    }

    /// <summary>The handler that answers AUTH packets from the broker; set on the options of every SAT connect.</summary>
    public IMqttEnhancedAuthenticationHandler Handler { get; }

    /// <summary>Remembers the token a successful CONNECT carried, so an unchanged file is not sent again.</summary>
    /// <param name="token">The token bytes.</param>
    public void TokenSent(byte[] token) => Volatile.Write(ref lastToken, token);

    /// <summary>Starts watching a token file; the caller disposes the watcher when the session ends.</summary>
    /// <param name="file">The token file.</param>
    /// <param name="debounce">How long the directory must be quiet before the file is read.</param>
    /// <param name="timeProvider">The clock of the debounce.</param>
    /// <returns>The running watcher.</returns>
    public SatTokenWatcher Watch(string file, TimeSpan debounce, TimeProvider timeProvider) =>
        new(file, debounce, timeProvider, logger, ReauthenticateIfChangedAsync);

    private async Task ReauthenticateIfChangedAsync(CancellationToken cancellationToken)
    {
        var file = tokenFile();
        if (file is null)
        {
            return;
        }

        byte[] token;
        try
        {
            token = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSatUnreadable(file, ex.Message);
            return;
        }

        if (token.Length == 0 || (Volatile.Read(ref lastToken) is { } last && last.AsSpan().SequenceEqual(token)))
        {
            return;
        }

        if (!isConnected())
        {
            // The next CONNECT reads the file again.
            return;
        }

        await client.SendEnhancedAuthenticationExchangeDataAsync(
            new MqttEnhancedAuthenticationExchangeData { ReasonCode = MqttAuthenticateReasonCode.ReAuthenticate, AuthenticationData = token },
            cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref lastToken, token);
        SessionMetrics.Reauthentications.Add(1);
        LogReauthenticated(file);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SAT token file {File} cannot be read: {Reason}")]
    private partial void LogSatUnreadable(string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-authenticated with the changed SAT token from {File}")]
    private partial void LogReauthenticated(string file);
}

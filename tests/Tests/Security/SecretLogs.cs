using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansAio.Silo.Broker;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>
/// Captures every log line of a host at trace level (MQTTnet and Orleans included, whatever <c>Logging:LogLevel</c> says for
/// the other providers) and checks that none of the secrets a test used appears in any of them.
/// </summary>
public sealed class SecretLogs
{
    private readonly List<string> secrets = [];

    /// <summary>The captured lines.</summary>
    public CapturingLoggerProvider Provider { get; } = new();

    /// <summary>Adds the capturing provider to a host's services, at trace level for every category.</summary>
    /// <param name="services">The host's services.</param>
    public void AddTo(IServiceCollection services) => CaptureAll(services, Provider);

    /// <summary>Adds a capturing provider to a host's services, at trace level for every category (Orleans and MQTTnet included).</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="provider">The provider.</param>
    public static void CaptureAll(IServiceCollection services, CapturingLoggerProvider provider)
    {
        services.AddSingleton<ILoggerProvider>(provider);
        // A rule for this provider wins over every provider-less rule (the configuration's Logging:LogLevel included).
        services.AddLogging(logging => logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace));
    }

    /// <summary>Remembers a secret that must never be logged.</summary>
    /// <param name="secret">The password, token or key text.</param>
    public void Add(string secret) => secrets.Add(secret);

    /// <summary>Adds a user to a credentials file and remembers the password, and the salt and hash written for it.</summary>
    /// <param name="path">The credentials file.</param>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task AddUserAsync(string path, string user, string password, CancellationToken cancellationToken)
    {
        await BrokerPasswordFile.AddUserAsync(path, user, password, iterations: 1000, cancellationToken);
        secrets.Add(password);
        var line = (await File.ReadAllLinesAsync(path, cancellationToken)).Single(l => l.StartsWith(user + ":", StringComparison.Ordinal));
        secrets.AddRange(line.Split(':')[3..]);
    }

    /// <summary>Asserts that some lines were captured and none holds a secret.</summary>
    public void AssertNoSecretLogged()
    {
        Assert.NotEmpty(Provider.Entries);
        AssertNotInLines(Provider.Entries.Select(e => e.Message + " " + e.Exception));
    }

    /// <summary>Asserts that none of other lines (a child process's output) holds a secret.</summary>
    /// <param name="output">The lines.</param>
    public void AssertNotInLines(IEnumerable<string> output)
    {
        Assert.NotEmpty(secrets);
        var lines = output.ToList();
        Assert.NotEmpty(lines);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }
}

using Microsoft.Extensions.Configuration;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Failover;

/// <summary>The failover settings (membership failure detection, session takeover) are validated at start, naming the setting.</summary>
public sealed class FailoverSettingsTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("failover-settings");

    public void Dispose() => workingDirectory.Dispose();

    public static TheoryData<string, string, string, string> BadSettings => new()
    {
        { "Silo:MembershipProbeTimeout", "00:00:00.010", "Silo:MembershipProbeTimeout", "must be between 100 ms and 1 minute" },
        { "Silo:MembershipProbeTimeout", "soon", "Silo:MembershipProbeTimeout", "'soon' is not a valid TimeSpan" },
        { "Silo:MembershipMissedProbesLimit", "0", "Silo:MembershipMissedProbesLimit", "must be between 1 and 10" },
        { "Silo:MembershipVotesForDeath", "4", "Silo:MembershipVotesForDeath", "must be between 1 and 3" },
        { "Silo:MembershipTableRefresh", "00:00:00", "Silo:MembershipTableRefresh", "must be positive" },
        { "Failover:QuietPeriod", "00:05:00", "Failover:QuietPeriod", "must be positive and at most 1 minute" },
        { "Failover:TakeoverWindow", "-00:00:01", "Failover:TakeoverWindow", "must be positive" },
        { "Failover:RetryUnavailableFor", "00:06:00", "Failover:RetryUnavailableFor", "must be between zero (off) and 5 minutes" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task ABadFailoverSettingStopsTheStartNamingIt(string key, string value, string setting, string problem)
    {
        var settings = new SiloPorts().ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Warning";
        settings[key] = value;

        var error = await Assert.ThrowsAsync<SiloStartupException>(async () =>
        {
            await using var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), TestContext.Current.CancellationToken);
        });

        Assert.StartsWith($"{setting}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}

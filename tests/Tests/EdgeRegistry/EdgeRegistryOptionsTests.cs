using Microsoft.Extensions.Configuration;
using OrleansAio.Grains.EdgeRegistry;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.EdgeRegistry;

/// <summary>The Edge Registry's options: documented defaults, and a bad setting stops the silo naming it.</summary>
public sealed class EdgeRegistryOptionsTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("edge-options");

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public void TheDefaultsAreValid()
    {
        var options = new EdgeRegistryOptions();
        Assert.Equal(("default", 1024 * 1024, 1000), (options.DefaultGroupId, options.MaxDocumentBytes, options.MaxVersionsPerResource));
        options.Validate();
    }

    [Theory]
    [InlineData("a/b", 1, 1, "DefaultGroupId", "must be a non-empty topic level without '/', '+', '#', '{' or '}' (it is 'a/b')")]
    [InlineData("g", 0, 1, "MaxDocumentBytes", "must be at least 1 byte (it is 0)")]
    [InlineData("g", 1, 0, "MaxVersionsPerResource", "must be at least 1 (it is 0)")]
    public void ABadValueIsReportedByItsKey(string groupId, int maxDocument, int maxVersions, string key, string problem)
    {
        var options = new EdgeRegistryOptions { DefaultGroupId = groupId, MaxDocumentBytes = maxDocument, MaxVersionsPerResource = maxVersions };
        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal(key, error.ParamName);
        Assert.StartsWith(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadConfigurationValueStopsTheSiloStartNamingTheSetting()
    {
        var settings = new SiloPorts().ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Critical";
        settings["EdgeRegistry:DefaultGroupId"] = "x+y";
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), TestContext.Current.CancellationToken);
        });
        Assert.Contains("EdgeRegistry:DefaultGroupId: must be a non-empty topic level", error.ToString(), StringComparison.Ordinal);
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansAio.Grains.SchemaRegistry;
using OrleansAio.Silo.Hosting;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.SchemaRegistry;

/// <summary>The schema registry's options: documented defaults, and a bad setting stops the silo naming it.</summary>
public sealed class SchemaRegistryOptionsTests : IDisposable
{
    private readonly TempDirectory workingDirectory = new("schema-options");

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public void TheDefaultsAreValid()
    {
        var options = new SchemaRegistryOptions();
        Assert.Equal((1024 * 1024, 100, "DefaultSRNamespace"), (options.MaxContentBytes, options.MaxVersionsPerSchema, options.Namespace));
        Assert.True(new SchemaRegistryOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(0, 100, "ns", "SchemaRegistry:MaxContentBytes must be at least 1 byte (it is 0)")]
    [InlineData(10, 0, "ns", "SchemaRegistry:MaxVersionsPerSchema must be at least 1 (it is 0)")]
    [InlineData(10, 1, " ", "SchemaRegistry:Namespace must not be empty")]
    public void ABadValueIsReportedByItsSetting(int maxContentBytes, int maxVersions, string ns, string failure)
    {
        var result = new SchemaRegistryOptionsValidator().Validate(null, new SchemaRegistryOptions { MaxContentBytes = maxContentBytes, MaxVersionsPerSchema = maxVersions, Namespace = ns });
        Assert.Equal(failure, Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData("-5", "SchemaRegistry:MaxContentBytes must be at least 1 byte (it is -5)")]
    [InlineData("lots", "SchemaRegistry:MaxContentBytes")]
    public async Task ABadConfigurationValueStopsTheSiloStartNamingTheSetting(string value, string expected)
    {
        var ports = new SiloPorts();
        var settings = ports.ToConfiguration();
        settings["Silo:DataDirectory"] = Path.Combine(workingDirectory.Path, "data");
        settings["Logging:LogLevel:Default"] = "Critical";
        settings["SchemaRegistry:MaxContentBytes"] = value;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var silo = await SiloApplication.StartAsync([], configuration => configuration.AddInMemoryCollection(settings), TestContext.Current.CancellationToken);
        });
        Assert.Contains(expected, error is OptionsValidationException ? error.Message : error.ToString(), StringComparison.Ordinal);
    }
}

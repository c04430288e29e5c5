using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansAio.Abstractions.Common;
using OrleansAio.Grains.Telemetry;
using OrleansAio.GrainsInterfaces.Telemetry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Silo.Hosting;
using OrleansAio.Silo.Rpc;

namespace OrleansAio.Tests.Rpc;

/// <summary>Bad registrations fail at start-up with an error naming the setting and the value.</summary>
public sealed class RegistrationValidationTests
{
    [Fact]
    public void ACommandPatternWithoutTheKeyTokenIsRefused()
    {
        var options = new AioCommandOptions { RequestTopicPattern = "things/{thingId}/command/{commandName}" };

        var error = Assert.Throws<AioProtocolException>(() => options.Validate("reboot"));

        Assert.Equal(AioErrorKind.ConfigurationInvalid, error.Kind);
        Assert.Equal(nameof(AioCommandOptions.KeyToken), error.PropertyName);
        Assert.Equal("executorId", error.PropertyValue);
        Assert.Contains("things/{thingId}/command/{commandName}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AResidentValueForTheKeyTokenIsRefused()
    {
        var options = new AioCommandOptions { RequestTopicPattern = "things/{executorId}/command/{commandName}" };
        options.TopicTokenMap["executorId"] = "one";

        var error = Assert.Throws<AioProtocolException>(() => options.Validate("reboot"));

        Assert.Equal(nameof(AioCommandOptions.TopicTokenMap), error.PropertyName);
    }

    [Fact]
    public void ACommandWithoutAPatternIsRefusedNamingTheCommand()
    {
        var error = Assert.Throws<AioProtocolException>(() => new AioCommandOptions().Validate("reboot"));

        Assert.Equal(nameof(AioCommandOptions.RequestTopicPattern), error.PropertyName);
        Assert.Contains("'reboot'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b", "deviceId", "TelemetryName")]
    [InlineData("temperature", "sensorId", "KeyToken")]
    public void ATelemetryRegistrationWithABadNameOrKeyIsRefused(string name, string keyToken, string property)
    {
        var registration = new TelemetryTopicRegistration<double>
        {
            TelemetryName = name,
            TopicPattern = "devices/{deviceId}/temperature",
            KeyToken = keyToken,
            Serializer = new JsonPayloadSerializer(),
        };

        var error = Assert.Throws<AioProtocolException>(registration.Validate);

        Assert.Equal(property, error.PropertyName);
    }

    [Fact]
    public void TelemetryKeysRoundTripAndRefuseSlashes()
    {
        Assert.Equal(("temperature", "dev-1"), TelemetryTopicKey.Parse(TelemetryTopicKey.Format("temperature", "dev-1")));
        Assert.Throws<ArgumentException>(() => TelemetryTopicKey.Format("temperature", "a/b"));
        Assert.Throws<ArgumentException>(() => TelemetryTopicKey.Parse("temperature"));
    }
}

/// <summary>Capability options registered the one way (<c>AioOptions.AddAioOptions</c>) fail at start naming <c>Section:Key</c>.</summary>
public sealed class CapabilityOptionsValidationTests
{
    [Fact]
    public void ABadCommandRegistrationFailsOnFirstUseNamingTheSetting()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddAioOptions<AioCommandOptions>(
            RpcSiloBuilderExtensions.CommandsSection + "reboot",
            o => o.RequestTopicPattern = "things/{thingId}/command/{commandName}",
            o => o.Validate("reboot"),
            "reboot");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AioCommandOptions>>().Get("reboot"));

        var (setting, problem) = AioOptions.SplitFailure(Assert.Single(error.Failures));
        Assert.Equal("Commands:reboot:KeyToken", setting);
        Assert.Contains("{executorId}", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SettingsFromConfigurationAreBoundAndValidated()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Commands:reboot:RequestTopicPattern"] = "things/{executorId}/command/{commandName}", ["Commands:reboot:DispatchConcurrency"] = "0" })
            .Build();
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration);
        services.AddAioOptions<AioCommandOptions>(RpcSiloBuilderExtensions.CommandsSection + "reboot", null, o => o.Validate("reboot"), "reboot");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AioCommandOptions>>().Get("reboot"));

        Assert.StartsWith("Commands:reboot:DispatchConcurrency: ", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Durable", CommandDedupDurability.Durable)]
    [InlineData("activation", CommandDedupDurability.Activation)]
    public void DedupDurabilityIsReadFromConfiguration(string value, CommandDedupDurability expected)
    {
        using var provider = CommandOptionsFrom(value);

        Assert.Equal(expected, provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AioCommandOptions>>().Get("reboot").ParsedDedupDurability);
    }

    [Theory]
    [InlineData("Sometimes")]
    [InlineData("1")]
    public void AnUnknownDedupDurabilityIsRefusedNamingTheKey(string value)
    {
        using var provider = CommandOptionsFrom(value);

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AioCommandOptions>>().Get("reboot"));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("Commands:reboot:DedupDurability: ", failure, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure);
    }

    private static ServiceProvider CommandOptionsFrom(string durability)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Commands:reboot:RequestTopicPattern"] = "things/{executorId}/command/{commandName}",
                ["Commands:reboot:DedupDurability"] = durability,
            })
            .Build();
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration);
        services.AddAioOptions<AioCommandOptions>(RpcSiloBuilderExtensions.CommandsSection + "reboot", null, o => o.Validate("reboot"), "reboot");
        return services.BuildServiceProvider();
    }
}

using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace OrleansAio.Silo.Hosting;

/// <summary>Binds and validates <see cref="SiloHostOptions"/>, turning every problem into a <see cref="SiloStartupException"/>.</summary>
internal static partial class SiloHostOptionsReader
{
    /// <summary>Reads the <c>Silo</c> section; unknown keys and unparsable values are errors that name the key.</summary>
    /// <param name="configuration">The application configuration.</param>
    /// <returns>The validated options.</returns>
    public static SiloHostOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SiloHostOptions.SectionName);
        var options = new SiloHostOptions();
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw Translate(ex);
        }

        Validate(options);
        return options;
    }

    private static SiloStartupException Translate(InvalidOperationException ex)
    {
        var conversion = ConversionError().Match(ex.Message);
        if (conversion.Success)
        {
            var type = conversion.Groups["type"].Value.Replace("System.", string.Empty, StringComparison.Ordinal);
            return new SiloStartupException(conversion.Groups["path"].Value, $"'{conversion.Groups["value"].Value}' is not a valid {type}", ex);
        }

        var unknown = UnknownKeys().Match(ex.Message);
        if (unknown.Success)
        {
            var key = unknown.Groups["keys"].Value.Split(',')[0].Trim().Trim('\'');
            return new SiloStartupException($"{SiloHostOptions.SectionName}:{key}", "is not a known setting (see the configuration table in README.md)", ex);
        }

        return new SiloStartupException(SiloHostOptions.SectionName, ex.Message, ex);
    }

    private static void Validate(SiloHostOptions options)
    {
        RequireText(nameof(SiloHostOptions.ClusterId), options.ClusterId);
        RequireText(nameof(SiloHostOptions.ServiceId), options.ServiceId);
        if (!IPAddress.TryParse(options.AdvertisedAddress, out _))
        {
            throw Invalid(nameof(SiloHostOptions.AdvertisedAddress), $"'{options.AdvertisedAddress}' is not an IP address");
        }

        if (!IPAddress.TryParse(options.BrokerBindAddress, out _))
        {
            throw Invalid(nameof(SiloHostOptions.BrokerBindAddress), $"'{options.BrokerBindAddress}' is not an IP address");
        }

        RequirePort(nameof(SiloHostOptions.SiloPort), options.SiloPort, allowZero: false);
        RequirePort(nameof(SiloHostOptions.GatewayPort), options.GatewayPort, allowZero: false);
        RequirePort(nameof(SiloHostOptions.HttpPort), options.HttpPort, allowZero: false);
        RequirePort(nameof(SiloHostOptions.BrokerPort), options.BrokerPort, allowZero: false);
        RequirePort(nameof(SiloHostOptions.GarnetPort), options.GarnetPort, allowZero: true);
        var ports = new (string Name, int Port)[]
        {
            (nameof(SiloHostOptions.SiloPort), options.SiloPort),
            (nameof(SiloHostOptions.GatewayPort), options.GatewayPort),
            (nameof(SiloHostOptions.HttpPort), options.HttpPort),
            (nameof(SiloHostOptions.BrokerPort), options.BrokerPort),
            (nameof(SiloHostOptions.GarnetPort), options.GarnetPort),
        };
        foreach (var clash in ports.Where(p => p.Port != 0).GroupBy(p => p.Port).Where(g => g.Count() > 1))
        {
            var names = clash.Select(p => p.Name).ToArray();
            throw Invalid(names[1], $"port {clash.Key} is also used by {SiloHostOptions.SectionName}:{names[0]}");
        }

        RequireText(nameof(SiloHostOptions.DataDirectory), options.DataDirectory);
        RequireGarnetSize(nameof(SiloHostOptions.GarnetMemory), options.GarnetMemory);
        RequireGarnetSize(nameof(SiloHostOptions.GarnetIndexSize), options.GarnetIndexSize);
        RequirePositive(nameof(SiloHostOptions.ConnectTimeout), options.ConnectTimeout);
        if (options.MqttMaxPendingOperations < 1)
        {
            throw Invalid(nameof(SiloHostOptions.MqttMaxPendingOperations), $"{options.MqttMaxPendingOperations} must be at least 1");
        }

        RequirePositive(nameof(SiloHostOptions.ShutdownTimeout), options.ShutdownTimeout);
        if (options.MembershipProbeTimeout < TimeSpan.FromMilliseconds(100) || options.MembershipProbeTimeout > TimeSpan.FromMinutes(1))
        {
            throw Invalid(nameof(SiloHostOptions.MembershipProbeTimeout), $"{options.MembershipProbeTimeout} must be between 100 ms and 1 minute");
        }

        if (options.MembershipMissedProbesLimit is < 1 or > 10)
        {
            throw Invalid(nameof(SiloHostOptions.MembershipMissedProbesLimit), $"{options.MembershipMissedProbesLimit} must be between 1 and 10");
        }

        if (options.MembershipVotesForDeath is < 1 or > 3)
        {
            throw Invalid(nameof(SiloHostOptions.MembershipVotesForDeath), $"{options.MembershipVotesForDeath} must be between 1 and 3 (the silos probing each silo)");
        }

        RequirePositive(nameof(SiloHostOptions.MembershipTableRefresh), options.MembershipTableRefresh);
    }

    // Garnet's size syntax: a whole number of bytes with an optional k, m, g or t (kilo, mega, giga, tera; powers of 1024).
    private static void RequireGarnetSize(string name, string? value)
    {
        RequireText(name, value);
        if (!System.Text.RegularExpressions.Regex.IsMatch(value!, "^[1-9][0-9]*[kKmMgGtT]?$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            throw Invalid(name, $"'{value}' is not a Garnet size (a whole number with an optional k, m, g or t, for example 64m)");
        }
    }

    private static void RequireText(string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid(name, "must not be empty");
        }
    }

    private static void RequirePort(string name, int port, bool allowZero)
    {
        if (port < (allowZero ? 0 : 1) || port > 65535)
        {
            throw Invalid(name, string.Create(CultureInfo.InvariantCulture, $"{port} is not a TCP port ({(allowZero ? 0 : 1)}-65535)"));
        }
    }

    private static void RequirePositive(string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw Invalid(name, $"{value} must be positive");
        }
    }

    private static SiloStartupException Invalid(string name, string problem) =>
        new($"{SiloHostOptions.SectionName}:{name}", problem);

    [GeneratedRegex("Failed to convert configuration value '(?<value>.*)' at '(?<path>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex ConversionError();

    [GeneratedRegex("properties were not found on the instance of [^:]+: (?<keys>.+)$", RegexOptions.Singleline)]
    private static partial Regex UnknownKeys();
}

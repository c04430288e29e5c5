using OrleansAio.Samples.Thermostat;

// Usage: dotnet run --project samples/Thermostat/Thermostat.Client [-- --gateway-port 30000 --broker-port 1883 --thermostat thermostat-1]
ThermostatDemoOptions options;
try
{
    options = ThermostatDemoOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

if (options.ShowHelp)
{
    Console.Out.WriteLine(ThermostatDemoOptions.Usage);
    return 0;
}

try
{
    await ThermostatDemo.RunAsync(options, Console.Out);
    return 0;
}
catch (ThermostatSiloUnreachableException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}
catch (OrleansAio.Client.Security.ClusterTlsConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

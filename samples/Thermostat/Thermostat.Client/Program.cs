using OrleansAio.Samples.Thermostat;

// Usage: dotnet run --project samples/Thermostat/Thermostat.Client [-- --gateway-port 30000 --broker-port 1883 --thermostat thermostat-1]
try
{
    await ThermostatDemo.RunAsync(ThermostatDemoOptions.Parse(args), Console.Out);
    return 0;
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

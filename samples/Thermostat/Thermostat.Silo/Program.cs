using OrleansAio.Samples.Thermostat;
using OrleansAio.Silo.Hosting;

// The standard silo (embedded broker and Garnet unless configured otherwise) with the sample's registrations.
try
{
    await using var silo = await SiloApplication.StartAsync(args, configureSilo: ThermostatSilo.Configure);
    await silo.WaitForShutdownAsync();
    return 0;
}
catch (SiloStartupException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

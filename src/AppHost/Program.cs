using OrleansAio.AppHost;

// dotnet run --project src/AppHost [-- --containers]
// The Aspire dashboard, one MQTT broker, one Redis-compatible store, three silos of the Thermostat app and its client.
var containers = args.Contains(EdgeAppModel.ContainersSwitch, StringComparer.Ordinal);
var builder = DistributedApplication.CreateBuilder(args.Where(a => a != EdgeAppModel.ContainersSwitch).ToArray());
EdgeAppModel.Build(builder, containers);
await builder.Build().RunAsync();

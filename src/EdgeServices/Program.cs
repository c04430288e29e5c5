using System.Net;
using OrleansAio.EdgeServices;

// One edge service per process (the AppHost starts one broker and one store), so a silo that stops or dies leaves them up.
// A bad setting prints one line naming it and exits 2, like the silo.
EdgeServiceOptions options;
var builder = WebApplication.CreateBuilder(args);
try
{
    options = builder.Configuration.GetSection(EdgeServiceOptions.SectionName).Get<EdgeServiceOptions>() ?? new EdgeServiceOptions();
    options.Validate();
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
{
    var setting = ex is ArgumentException { ParamName: { } name } ? name : EdgeServiceOptions.SectionName;
    Console.Error.WriteLine($"{setting}: {(ex is ArgumentException arg ? arg.Message.Split(" (Parameter", 2)[0] : ex.Message)}");
    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.HttpPort));
builder.AddServiceDefaults();
builder.Services.AddSingleton(options);
builder.Services.AddSingleton<EdgeServiceHost>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<EdgeServiceHost>());
builder.Services.AddHealthChecks().AddCheck<EdgeServiceHost>(options.Role == EdgeServiceRole.Broker ? "mqtt-broker" : "store");

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;

using System.Net;
using OrleansAio.EdgeServices;
using OrleansAio.Silo.Broker;

// One edge service per process (the AppHost starts one broker and one store), so a silo that stops or dies leaves them up.
// A bad setting prints one line naming it and exits 2, like the silo. The broker reads the silo's Broker section (with the
// silo's code), and binding a non-loopback address without authentication is refused the same way.
EdgeServiceOptions options;
EmbeddedMqttBrokerOptions? brokerOptions = null;
var builder = WebApplication.CreateBuilder(args);
try
{
    options = builder.Configuration.GetSection(EdgeServiceOptions.SectionName).Get<EdgeServiceOptions>() ?? new EdgeServiceOptions();
    options.Validate();
    if (options.Role == EdgeServiceRole.Broker)
    {
        brokerOptions = options.BrokerOptions(builder.Configuration);
    }
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or EmbeddedBrokerException)
{
    Console.Error.WriteLine(StartupError(ex));
    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.HttpPort));
builder.AddServiceDefaults();
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(new EdgeServiceHost.Settings(options, brokerOptions));
builder.Services.AddSingleton<EdgeServiceHost>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<EdgeServiceHost>());
builder.Services.AddHealthChecks().AddCheck<EdgeServiceHost>(options.Role == EdgeServiceRole.Broker ? "mqtt-broker" : "store");

var app = builder.Build();
app.MapDefaultEndpoints();
try
{
    await app.RunAsync();
}
catch (EmbeddedBrokerException ex)
{
    // A file the broker loads at start (certificate, ACL, signing keys) is unusable, or the port is taken.
    Console.Error.WriteLine(StartupError(ex));
    return 2;
}

return 0;

static string StartupError(Exception ex) => ex switch
{
    EmbeddedBrokerException broker => $"{broker.Setting ?? EdgeServiceOptions.Key(nameof(EdgeServiceOptions.Port))}: {broker.Message.Split('\n', 2)[0]}",
    ArgumentException { ParamName: { } name } arg => $"{name}: {arg.Message.Split(" (Parameter", 2)[0]}",
    _ => $"{EdgeServiceOptions.SectionName}: {ex.Message}",
};

using OrleansAio.Silo.Broker;
using OrleansAio.Silo.Hosting;

// `add-user --file <credentials file> --user <name>`: add a broker user (password on standard input) and exit.
if (args.Length > 0 && args[0] == AddUserCommand.Name)
{
    return await AddUserCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error);
}

// The entry point prints exactly one line on a start-up failure: the setting at fault and the problem, no stack trace.
try
{
    await using var silo = await SiloApplication.StartAsync(args);
    await silo.WaitForShutdownAsync();
    return 0;
}
catch (SiloStartupException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    Console.Error.WriteLine($"start-up failed: {ex.GetBaseException().Message.Split('\n', 2)[0].Trim()}");
    return 1;
}

/// <summary>The silo program; public so that tests can reference the assembly's entry point.</summary>
public partial class Program;

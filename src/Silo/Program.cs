using OrleansAio.Silo.Hosting;

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

namespace OrleansAio.Silo.Hosting;

/// <summary>
/// A setting or resource that keeps the silo from starting. Its <see cref="Exception.Message"/> is the single line printed to
/// the console: the setting's name, then what is wrong with it.
/// </summary>
public sealed class SiloStartupException : Exception
{
    /// <summary>Creates the error for <paramref name="setting"/>.</summary>
    /// <param name="setting">The configuration key at fault, e.g. <c>Silo:BrokerPort</c> or <c>ConnectionStrings:Mqtt</c>.</param>
    /// <param name="problem">What is wrong, in one sentence.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SiloStartupException(string setting, string problem, Exception? innerException = null)
        : base($"{setting}: {problem}", innerException)
    {
        Setting = setting;
        Problem = problem;
    }

    /// <summary>The configuration key at fault.</summary>
    public string Setting { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}

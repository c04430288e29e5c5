namespace OrleansAio.Cli.Common;

/// <summary>A failure of a CLI command that ends it with a message on standard error and a documented exit code.</summary>
public sealed class CliException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="exitCode">One of <see cref="ExitCodes"/>.</param>
    /// <param name="message">What went wrong, naming the input or the service.</param>
    /// <param name="innerException">The cause.</param>
    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException) => ExitCode = exitCode;

    /// <summary>The exit code the process ends with.</summary>
    public int ExitCode { get; }

    /// <summary>Bad input (<see cref="ExitCodes.BadInput"/>).</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    /// <returns>The error.</returns>
    public static CliException BadInput(string message, Exception? innerException = null) => new(ExitCodes.BadInput, message, innerException);
}

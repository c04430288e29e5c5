namespace OrleansAio.Cli.Common;

/// <summary>The process exit codes of <c>aio</c>; documented in <c>src/Cli/README.md</c> and stable for scripts.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The command ran, but the answer is "no": key absent, set not applied, lease not acquired, nobody leads.</summary>
    public const int NotFound = 1;

    /// <summary>Bad input: unknown command or option, a malformed value, unreadable file, invalid connection settings.</summary>
    public const int BadInput = 2;

    /// <summary>The broker could not be reached or refused the connection, or the connection was lost.</summary>
    public const int ConnectionFailed = 3;

    /// <summary>No answer in time (the request or command timeout ran out).</summary>
    public const int Timeout = 4;

    /// <summary>The service answered with an error (a state-store error, a command's error status or application error).</summary>
    public const int ServiceError = 5;

    /// <summary>Stopped by Ctrl+C or SIGTERM before the command finished (a watch stopped this way exits with <see cref="Success"/>).</summary>
    public const int Interrupted = 130;

    /// <summary>An unexpected failure inside the CLI (a bug): the message says what happened.</summary>
    public const int InternalError = 70;
}

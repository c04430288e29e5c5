namespace OrleansAio.Protocol.DeviceRegistry;

/// <summary>The ADR service answered a command with its error object (<c>{command}Error</c>).</summary>
public sealed class AkriServiceErrorException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="commandName">The command that failed.</param>
    /// <param name="error">The service's error object.</param>
    public AkriServiceErrorException(string commandName, AkriServiceError error)
        : base($"ADR command '{commandName}' failed with {error?.Code}: {error?.Message}")
    {
        ArgumentNullException.ThrowIfNull(error);
        CommandName = commandName;
        Error = error;
    }

    /// <summary>The command that failed.</summary>
    public string CommandName { get; }

    /// <summary>The service's error object.</summary>
    public AkriServiceError Error { get; }

    /// <summary>The kind of error.</summary>
    public AkriServiceErrorCode Code => Error.Code;
}

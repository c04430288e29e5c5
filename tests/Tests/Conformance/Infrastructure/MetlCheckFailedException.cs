namespace OrleansAio.Tests.Conformance.Infrastructure;

/// <summary>A METL check failed: the component under test did not behave as the case expects.</summary>
internal sealed class MetlCheckFailedException : Exception
{
    public MetlCheckFailedException(string message)
        : base(message)
    {
    }

    public MetlCheckFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace OrleansAio.Grains.SchemaRegistry;

/// <summary>Limits and identity of the schema registry; bound from the configuration section <see cref="SectionName"/>.</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SchemaRegistry";

    /// <summary>
    /// The largest <c>schemaContent</c> in UTF-8 bytes (default 1 MiB). Larger content is refused with an in-band 400 naming
    /// <c>SchemaContent</c>; the whole request must also fit the broker's maximum packet size.
    /// </summary>
    public int MaxContentBytes { get; set; } = 1024 * 1024;

    /// <summary>The most versions one schema name may hold (default 100); one more is refused with a 400 naming <c>Version</c>.</summary>
    public int MaxVersionsPerSchema { get; set; } = 100;

    /// <summary>The namespace reported on every schema (default <c>DefaultSRNamespace</c>, as the reference service).</summary>
    public string Namespace { get; set; } = "DefaultSRNamespace";

    /// <summary>Checks the values, naming the first bad one (the exception's parameter name is the configuration key).</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (MaxContentBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxContentBytes), MaxContentBytes, $"must be at least 1 byte (it is {MaxContentBytes})");
        }

        if (MaxVersionsPerSchema < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxVersionsPerSchema), MaxVersionsPerSchema, $"must be at least 1 (it is {MaxVersionsPerSchema})");
        }

        if (string.IsNullOrWhiteSpace(Namespace))
        {
            throw new ArgumentException("must not be empty", nameof(Namespace));
        }
    }
}

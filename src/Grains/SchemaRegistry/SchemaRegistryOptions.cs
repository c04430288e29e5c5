using Microsoft.Extensions.Options;

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
}

/// <summary>Checks <see cref="SchemaRegistryOptions"/> at start, naming the setting (e.g. <c>SchemaRegistry:MaxContentBytes</c>).</summary>
public sealed class SchemaRegistryOptionsValidator : IValidateOptions<SchemaRegistryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SchemaRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxContentBytes < 1)
        {
            failures.Add($"{SchemaRegistryOptions.SectionName}:{nameof(options.MaxContentBytes)} must be at least 1 byte (it is {options.MaxContentBytes})");
        }

        if (options.MaxVersionsPerSchema < 1)
        {
            failures.Add($"{SchemaRegistryOptions.SectionName}:{nameof(options.MaxVersionsPerSchema)} must be at least 1 (it is {options.MaxVersionsPerSchema})");
        }

        if (string.IsNullOrWhiteSpace(options.Namespace))
        {
            failures.Add($"{SchemaRegistryOptions.SectionName}:{nameof(options.Namespace)} must not be empty");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using Microsoft.Extensions.Options;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Grains.EdgeRegistry;

/// <summary>Limits and the default Group of the Edge Registry; bound from the configuration section <see cref="SectionName"/>.</summary>
public sealed class EdgeRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "EdgeRegistry";

    /// <summary>The Group id that an absent <c>groupId</c> means, in every Group type (default <c>default</c>, as the reference host).</summary>
    public string DefaultGroupId { get; set; } = "default";

    /// <summary>The largest Version document in bytes (default 1 MiB); larger is refused with a 400 naming <c>document</c>.</summary>
    public int MaxDocumentBytes { get; set; } = 1024 * 1024;

    /// <summary>The most Versions one Resource may hold (default 1000); one more is refused with a 400.</summary>
    public int MaxVersionsPerResource { get; set; } = 1000;
}

/// <summary>Checks <see cref="EdgeRegistryOptions"/> at start, naming the setting (e.g. <c>EdgeRegistry:DefaultGroupId</c>).</summary>
public sealed class EdgeRegistryOptionsValidator : IValidateOptions<EdgeRegistryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, EdgeRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.DefaultGroupId) || !options.DefaultGroupId.All(TopicPattern.IsValidLabelChar))
        {
            failures.Add($"{EdgeRegistryOptions.SectionName}:{nameof(options.DefaultGroupId)} must be a non-empty topic level without '/', '+', '#', '{{' or '}}' (it is '{options.DefaultGroupId}')");
        }

        if (options.MaxDocumentBytes < 1)
        {
            failures.Add($"{EdgeRegistryOptions.SectionName}:{nameof(options.MaxDocumentBytes)} must be at least 1 byte (it is {options.MaxDocumentBytes})");
        }

        if (options.MaxVersionsPerResource < 1)
        {
            failures.Add($"{EdgeRegistryOptions.SectionName}:{nameof(options.MaxVersionsPerResource)} must be at least 1 (it is {options.MaxVersionsPerResource})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

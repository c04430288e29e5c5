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

    /// <summary>Checks the values, naming the first bad one (the exception's parameter name is the configuration key).</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(DefaultGroupId) || !DefaultGroupId.All(TopicPattern.IsValidLabelChar))
        {
            throw new ArgumentException($"must be a non-empty topic level without '/', '+', '#', '{{' or '}}' (it is '{DefaultGroupId}')", nameof(DefaultGroupId));
        }

        if (MaxDocumentBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDocumentBytes), MaxDocumentBytes, $"must be at least 1 byte (it is {MaxDocumentBytes})");
        }

        if (MaxVersionsPerResource < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxVersionsPerResource), MaxVersionsPerResource, $"must be at least 1 (it is {MaxVersionsPerResource})");
        }
    }
}

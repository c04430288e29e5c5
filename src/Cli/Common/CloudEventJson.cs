using System.Globalization;
using System.Text.Json.Nodes;
using OrleansAio.Protocol.CloudEvents;

namespace OrleansAio.Cli.Common;

/// <summary>Shows a received CloudEvent's attributes.</summary>
public static class CloudEventJson
{
    /// <summary>The attributes as a JSON object (CloudEvents attribute names), or <see langword="null"/> when there is none.</summary>
    /// <param name="cloudEvent">The event.</param>
    /// <returns>The JSON.</returns>
    public static JsonObject? ToJson(ExtendedCloudEvent? cloudEvent) => cloudEvent is null
        ? null
        : new JsonObject
        {
            ["specversion"] = cloudEvent.SpecVersion,
            ["type"] = cloudEvent.Type,
            ["source"] = cloudEvent.Source,
            ["id"] = cloudEvent.Id,
            ["time"] = cloudEvent.Time?.ToString("O", CultureInfo.InvariantCulture),
            ["subject"] = cloudEvent.Subject,
            ["dataschema"] = cloudEvent.DataSchema,
            ["datacontenttype"] = cloudEvent.DataContentType,
        };

    /// <summary>The attributes that are set, as <c>name=value</c> pairs on one line.</summary>
    /// <param name="cloudEvent">The event.</param>
    /// <returns>The text.</returns>
    public static string ToText(ExtendedCloudEvent cloudEvent) =>
        string.Join(' ', ToJson(cloudEvent)!.Where(p => p.Value is not null).Select(p => $"{p.Key}={p.Value}"));
}

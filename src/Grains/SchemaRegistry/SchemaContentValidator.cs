using System.Text;
using System.Text.Json;
using Json.Schema;
using OrleansAio.GrainsInterfaces.SchemaRegistry;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Grains.SchemaRegistry;

/// <summary>
/// Checks a put before anything is stored: the fields the spec fixes (services.md 3.2), the size limit, and the content itself
/// with JsonSchema.Net: <c>JsonSchema/draft-07</c> content must parse, carry <c>$schema</c> =
/// <c>https://json-schema.org/draft-07/schema#</c> exactly (services.md 3.4) and be valid against the draft-07 meta-schema;
/// <c>Delta/1.0</c> content must parse as JSON.
/// </summary>
public static class SchemaContentValidator
{
    /// <summary>Checks <paramref name="request"/>.</summary>
    /// <param name="request">The put.</param>
    /// <param name="options">The limits.</param>
    /// <returns>The refusal, or <see langword="null"/> when the put is acceptable.</returns>
    public static SchemaRegistryFault? Validate(SchemaPutRequest request, SchemaRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (request.Format is null)
        {
            return BadRequest(SchemaRegistryErrorTarget.Format, "The field 'format' is required");
        }

        if (!SchemaRegistryWireValues.TryParseFormat(request.Format, out var format))
        {
            return BadRequest(
                SchemaRegistryErrorTarget.Format,
                $"The format '{request.Format}' is not supported; use '{SchemaRegistryWireValues.JsonSchemaDraft07}' or '{SchemaRegistryWireValues.Delta1}'");
        }

        if (request.SchemaType != SchemaRegistryWireValues.MessageSchema)
        {
            return BadRequest(SchemaRegistryErrorTarget.SchemaType, $"The schema type '{request.SchemaType}' is not supported; use '{SchemaRegistryWireValues.MessageSchema}'");
        }

        if (string.IsNullOrEmpty(request.Version))
        {
            return BadRequest(SchemaRegistryErrorTarget.Version, "The field 'version' must not be empty");
        }

        if (request.Version.Length > 256)
        {
            return BadRequest(SchemaRegistryErrorTarget.Version, $"The version is {request.Version.Length} characters long; at most 256 are allowed");
        }

        if (request.SchemaContent is null)
        {
            return BadRequest(SchemaRegistryErrorTarget.SchemaContent, "The field 'schemaContent' is required");
        }

        var size = Encoding.UTF8.GetByteCount(request.SchemaContent);
        if (size > options.MaxContentBytes)
        {
            return new SchemaRegistryFault(
                SchemaRegistryErrorKind.ContentTooLarge,
                $"The schema content is {size} bytes; the limit is {options.MaxContentBytes} bytes ({SchemaRegistryOptions.SectionName}:{nameof(options.MaxContentBytes)})",
                SchemaRegistryErrorTarget.SchemaContent);
        }

        return IsValidContent(request.SchemaContent, format)
            ? null
            : new SchemaRegistryFault(SchemaRegistryErrorKind.InvalidSchema, $"Invalid {request.Format} schema", SchemaRegistryErrorTarget.SchemaContent);
    }

    private static bool IsValidContent(string content, SchemaFormat format)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            if (format == SchemaFormat.Delta1)
            {
                return true;
            }

            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("$schema", out var dialect)
                || dialect.ValueKind != JsonValueKind.String
                || dialect.GetString() != SchemaRegistryTopics.Draft07SchemaUri)
            {
                return false;
            }

            try
            {
                return MetaSchemas.Draft7.Evaluate(root, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
            }
            catch (Exception ex) when (ex is JsonSchemaException or JsonException or InvalidOperationException or ArgumentException)
            {
                return false;
            }
        }
    }

    private static SchemaRegistryFault BadRequest(string target, string message) => new(SchemaRegistryErrorKind.BadRequest, message, target);
}

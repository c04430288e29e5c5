using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansAio.GrainsInterfaces.SchemaRegistry;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Grains.SchemaRegistry;

/// <summary>
/// The schema registry's front door (see <c>README.md</c>): validates a put with <see cref="SchemaContentValidator"/>, derives the
/// name from the content (<see cref="SchemaName.FromContent"/>) and stores it in that name's <see cref="ISchemaGrain"/>; reads go
/// straight to the named grain. Stateless, so every silo validates locally.
/// </summary>
/// <param name="options">Limits and namespace.</param>
/// <param name="logger">Logs refusals.</param>
[StatelessWorker]
public sealed partial class SchemaRegistryGrain(IOptions<SchemaRegistryOptions> options, ILogger<SchemaRegistryGrain> logger) : Grain, ISchemaRegistryGrain
{
    /// <inheritdoc />
    public async Task<SchemaRegistryResult> PutAsync(SchemaPutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = SchemaRegistryDiagnostics.ActivitySource.StartActivity("schema registry put");
        var settings = options.Value;
        if (SchemaContentValidator.Validate(request, settings) is { } refusal)
        {
            activity?.SetStatus(ActivityStatusCode.Error, refusal.Message);
            LogRefused(refusal.Kind, refusal.Target, refusal.Message);
            Count("put", refusal.Kind.ToString());
            return new SchemaRegistryResult(null, refusal);
        }

        var name = SchemaName.FromContent(request.SchemaContent);
        activity?.SetTag("schema.name", name);
        var schema = new SchemaInfo(
            name,
            settings.Namespace,
            request.Format,
            request.SchemaType,
            request.SchemaContent,
            request.Version,
            request.Tags is null ? null : new Dictionary<string, string>(request.Tags, StringComparer.Ordinal),
            request.DisplayName,
            request.Description);
        var result = await GrainFactory.GetGrain<ISchemaGrain>(name).PutAsync(schema, settings.MaxVersionsPerSchema);
        Count("put", result.Error?.Kind.ToString() ?? "ok");
        return result;
    }

    /// <inheritdoc />
    public async Task<SchemaRegistryResult> GetAsync(string schemaId, string version = "1")
    {
        using var activity = SchemaRegistryDiagnostics.ActivitySource.StartActivity("schema registry get");
        if (string.IsNullOrEmpty(schemaId))
        {
            Count("get", nameof(SchemaRegistryErrorKind.BadRequest));
            return SchemaRegistryResult.Failure(SchemaRegistryErrorKind.BadRequest, "The field 'name' must not be empty", SchemaRegistryErrorTarget.Name);
        }

        if (!SchemaName.IsWellFormed(schemaId))
        {
            // Names are content hashes; anything else cannot exist, and needs no grain activation to say so.
            Count("get", nameof(SchemaRegistryErrorKind.NotFound));
            return SchemaRegistryResult.Failure(SchemaRegistryErrorKind.NotFound, $"Schema '{schemaId}' was not found", SchemaRegistryErrorTarget.Name);
        }

        activity?.SetTag("schema.name", schemaId);
        var result = await GrainFactory.GetGrain<ISchemaGrain>(schemaId).GetAsync(version ?? "1");
        Count("get", result.Error?.Kind.ToString() ?? "ok");
        return result;
    }

    private static void Count(string operation, string outcome) =>
        SchemaRegistryDiagnostics.Operations.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema put refused ({Kind}, {Target}): {Reason}")]
    private partial void LogRefused(SchemaRegistryErrorKind kind, string? target, string reason);
}

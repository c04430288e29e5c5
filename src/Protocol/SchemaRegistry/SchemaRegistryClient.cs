using Microsoft.Extensions.Logging;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.Serialization;

namespace OrleansAio.Protocol.SchemaRegistry;

/// <summary>
/// A client of any AIO-compatible schema registry over MQTT (services.md 3): JSON <c>put</c> and <c>get</c> requests on
/// <see cref="SchemaRegistryTopics.PutTopic"/> / <see cref="SchemaRegistryTopics.GetTopic"/> through two
/// <see cref="CommandInvoker{TReq,TResp}"/>s, responses on <c>clients/{clientId}/adr/dtmi:ms:adr:SchemaRegistry;2/{put,get}</c>.
/// </summary>
/// <remarks>
/// As the public .NET SDK: an <c>error</c> in the reply raises <see cref="SchemaRegistryErrorException"/>; a <c>get</c> reply with
/// neither <c>schema</c> nor <c>error</c> (older servers' "not found") raises it with code 404; a <c>put</c> reply without a schema
/// is a malformed response (<see cref="AioErrorKind.PayloadInvalid"/>).
/// </remarks>
public sealed class SchemaRegistryClient : ISchemaRegistryClient
{
    private readonly CommandInvoker<SchemaRegistryPutRequest, SchemaRegistryResponse> putInvoker;
    private readonly CommandInvoker<SchemaRegistryGetRequest, SchemaRegistryResponse> getInvoker;
    private bool disposed;

    /// <summary>Creates a client.</summary>
    /// <param name="context">The application context (clock and time).</param>
    /// <param name="mqttClient">A connected MQTT 5 session with a client id.</param>
    /// <param name="loggerFactory">Logging; optional.</param>
    public SchemaRegistryClient(ApplicationContext context, IMqttPubSubClient mqttClient, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mqttClient);
        var serializer = new JsonPayloadSerializer();
        putInvoker = new CommandInvoker<SchemaRegistryPutRequest, SchemaRegistryResponse>(context, mqttClient, SchemaRegistryTopics.PutCommandName, serializer, loggerFactory)
        {
            RequestTopicPattern = SchemaRegistryTopics.PutTopic,
        };
        getInvoker = new CommandInvoker<SchemaRegistryGetRequest, SchemaRegistryResponse>(context, mqttClient, SchemaRegistryTopics.GetCommandName, serializer, loggerFactory)
        {
            RequestTopicPattern = SchemaRegistryTopics.GetTopic,
        };
    }

    /// <inheritdoc />
    public async Task<Schema> GetAsync(string schemaId, string version = "1", TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(schemaId);
        ArgumentException.ThrowIfNullOrEmpty(version);
        cancellationToken.ThrowIfCancellationRequested();
        var result = await getInvoker.InvokeCommandAsync(
            new SchemaRegistryGetRequest { Name = schemaId, Version = version }, commandTimeout: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        var response = result.Response;
        if (response?.Error is { } error)
        {
            throw new SchemaRegistryErrorException(error);
        }

        return response?.Schema ?? throw new SchemaRegistryErrorException(new SchemaRegistryError
        {
            Code = (int)SchemaRegistryErrorCode.NotFound,
            Message = $"Schema '{schemaId}' version '{version}' was not found",
            Target = SchemaRegistryErrorTarget.Name,
        });
    }

    /// <inheritdoc />
    public async Task<Schema> PutAsync(
        string schemaContent,
        SchemaFormat schemaFormat,
        SchemaType schemaType = SchemaType.MessageSchema,
        string version = "1",
        IReadOnlyDictionary<string, string>? tags = null,
        string? displayName = null,
        string? description = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(schemaContent);
        ArgumentException.ThrowIfNullOrEmpty(version);
        cancellationToken.ThrowIfCancellationRequested();
        var request = new SchemaRegistryPutRequest
        {
            Format = schemaFormat.ToWireString(),
            SchemaType = schemaType.ToWireString(),
            SchemaContent = schemaContent,
            Version = version,
            Tags = tags,
            DisplayName = displayName,
            Description = description,
        };
        var result = await putInvoker.InvokeCommandAsync(request, commandTimeout: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        var response = result.Response;
        if (response?.Error is { } error)
        {
            throw new SchemaRegistryErrorException(error);
        }

        return response?.Schema
            ?? throw AioProtocolException.PayloadInvalid("The schema registry's put response has neither 'schema' nor 'error'").WithCommand(SchemaRegistryTopics.PutCommandName);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await putInvoker.DisposeAsync().ConfigureAwait(false);
        await getInvoker.DisposeAsync().ConfigureAwait(false);
    }
}

using System.Text.Json;
using OrleansAio.Abstractions.Common;
using OrleansAio.GrainsInterfaces.SchemaRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Mqtt;
using OrleansAio.Protocol.Rpc;
using OrleansAio.Protocol.SchemaRegistry;
using OrleansAio.Protocol.Serialization;
using OrleansAio.Silo.Security;

namespace OrleansAio.Silo.SchemaRegistry;

/// <summary>
/// The silo's schema registry wire endpoint (services.md 3): command executors for <c>put</c> and <c>get</c> on
/// <see cref="SchemaRegistryTopics.PutTopic"/> / <see cref="SchemaRegistryTopics.GetTopic"/> in the shared-subscription group
/// <see cref="SchemaRegistryTopics.ServiceGroupId"/>, serving every request through <see cref="ISchemaRegistryGrain"/>.
/// </summary>
/// <remarks>
/// Replies are JSON objects with either <c>schema</c> or <c>error</c> (<c>__stat=200</c>); a miss answers
/// <c>{"error":{"code":404,…,"target":"Name"}}</c> so .NET, Go and Rust clients all report "not found" (services.md 3.4). Content
/// that is not a valid schema of its format is refused the way the reference service refuses it: <c>__stat=500</c>,
/// <c>__apErr=true</c>, <c>__stMsg=Invalid &lt;format&gt; schema</c>, no payload. Malformed JSON is an RPC-level 400.
/// A lifecycle participant at <see cref="ServiceLifecycleStage.Active"/>: subscribes once grains can be called, unsubscribes first.
/// </remarks>
public sealed partial class SchemaRegistryEndpoint : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly IGrainFactory grainFactory;
    private readonly RegistryAuthorizer? authorizer;
    private readonly ILogger logger;
    private readonly CommandExecutor<JsonElement, SchemaRegistryResponse> putExecutor;
    private readonly CommandExecutor<JsonElement, SchemaRegistryResponse> getExecutor;

    /// <summary>Creates the endpoint on the silo's MQTT session.</summary>
    /// <param name="context">The silo's application context (clock and time source).</param>
    /// <param name="grainFactory">Reaches the registry grains.</param>
    /// <param name="mqttClient">The silo's shared MQTT session.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="authorizer">Who may put schemas (<c>Registries:Authorization</c>); <see langword="null"/>: anyone.</param>
    public SchemaRegistryEndpoint(ApplicationContext context, IGrainFactory grainFactory, IMqttPubSubClient mqttClient, ILoggerFactory loggerFactory, RegistryAuthorizer? authorizer = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.grainFactory = grainFactory;
        this.authorizer = authorizer;
        logger = loggerFactory.CreateLogger<SchemaRegistryEndpoint>();
        var serializer = new JsonPayloadSerializer();
        putExecutor = new CommandExecutor<JsonElement, SchemaRegistryResponse>(context, mqttClient, SchemaRegistryTopics.PutCommandName, serializer, loggerFactory)
        {
            RequestTopicPattern = SchemaRegistryTopics.PutTopic,
            ServiceGroupId = SchemaRegistryTopics.ServiceGroupId,
            OnCommandReceived = PutAsync,
        };
        getExecutor = new CommandExecutor<JsonElement, SchemaRegistryResponse>(context, mqttClient, SchemaRegistryTopics.GetCommandName, serializer, loggerFactory)
        {
            RequestTopicPattern = SchemaRegistryTopics.GetTopic,
            ServiceGroupId = SchemaRegistryTopics.ServiceGroupId,
            IsIdempotent = true,
            OnCommandReceived = GetAsync,
        };
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SchemaRegistryEndpoint), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await putExecutor.DisposeAsync().ConfigureAwait(false);
        await getExecutor.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Maps a grain result to the wire reply, or throws the reference service's RPC-level refusal of invalid content.</summary>
    /// <param name="result">The grain's result.</param>
    /// <returns>The reply body.</returns>
    /// <exception cref="AioProtocolException">The content is not a valid schema (becomes <c>__stat=500</c>, <c>__apErr=true</c>).</exception>
    internal static SchemaRegistryResponse ToWire(SchemaRegistryResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Error is { } error)
        {
            if (error.Kind == SchemaRegistryErrorKind.InvalidSchema)
            {
                throw new AioProtocolException(AioErrorKind.ExecutionException, error.Message);
            }

            var code = error.Kind == SchemaRegistryErrorKind.NotFound ? SchemaRegistryErrorCode.NotFound : SchemaRegistryErrorCode.BadRequest;
            return new SchemaRegistryResponse { Error = new Protocol.SchemaRegistry.SchemaRegistryError { Code = (int)code, Message = error.Message, Target = error.Target } };
        }

        var schema = result.Schema!;
        return new SchemaRegistryResponse
        {
            Schema = new Schema
            {
                Name = schema.Name,
                Namespace = schema.Namespace,
                Format = schema.Format,
                SchemaType = schema.SchemaType,
                SchemaContent = schema.SchemaContent,
                Version = schema.Version,
                Tags = schema.Tags,
                DisplayName = schema.DisplayName,
                Description = schema.Description,
            },
        };
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        await putExecutor.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await getExecutor.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        LogStarted(SchemaRegistryTopics.PutTopic, SchemaRegistryTopics.GetTopic, SchemaRegistryTopics.ServiceGroupId);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var executor in new[] { putExecutor, getExecutor })
        {
            try
            {
                await executor.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException)
            {
                LogStopFailed(ex);
            }
        }
    }

    private async Task<ExtendedResponse<SchemaRegistryResponse>> PutAsync(ExtendedRequest<JsonElement> request, CancellationToken cancellationToken)
    {
        if (authorizer?.MayWrite(o => o.SchemaRegistry, "Schema registry", request.RequestMetadata.InvokerClientId) == false)
        {
            return ExtendedResponse<SchemaRegistryResponse>.CreateFromResponse(new SchemaRegistryResponse
            {
                Error = new SchemaRegistryError { Code = NotAuthorizedCode, Message = "not authorized" },
            });
        }

        if (!SchemaRegistryRequestReader.TryReadPut(request.Request, out var put, out var invalid))
        {
            LogBadRequest("put", invalid.Target, invalid.Message);
            return ExtendedResponse<SchemaRegistryResponse>.CreateFromResponse(new SchemaRegistryResponse { Error = invalid });
        }

        var result = await grainFactory.GetGrain<ISchemaRegistryGrain>(0).PutAsync(new SchemaPutRequest(
            put.SchemaContent, put.Format, put.SchemaType, put.Version, put.Tags, put.DisplayName, put.Description)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return ExtendedResponse<SchemaRegistryResponse>.CreateFromResponse(ToWire(result));
    }

    private async Task<ExtendedResponse<SchemaRegistryResponse>> GetAsync(ExtendedRequest<JsonElement> request, CancellationToken cancellationToken)
    {
        if (!SchemaRegistryRequestReader.TryReadGet(request.Request, out var get, out var invalid))
        {
            LogBadRequest("get", invalid.Target, invalid.Message);
            return ExtendedResponse<SchemaRegistryResponse>.CreateFromResponse(new SchemaRegistryResponse { Error = invalid });
        }

        var result = await grainFactory.GetGrain<ISchemaRegistryGrain>(0).GetAsync(get.Name, get.Version).WaitAsync(cancellationToken).ConfigureAwait(false);
        return ExtendedResponse<SchemaRegistryResponse>.CreateFromResponse(ToWire(result));
    }

    // HTTP's 403, in the registry's HTTP-like error codes: the invoker is known but may not put schemas.
    private const int NotAuthorizedCode = 403;

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry endpoint serving {PutTopic} and {GetTopic} in group {Group}")]
    private partial void LogStarted(string putTopic, string getTopic, string group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the schema registry endpoint failed")]
    private partial void LogStopFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Schema registry {Command} refused a malformed request ({Target}): {Reason}")]
    private partial void LogBadRequest(string command, string? target, string reason);
}

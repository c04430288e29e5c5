using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MQTTnet;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Rpc;

namespace OrleansAio.Cli.Rpc;

/// <summary><c>aio rpc invoke</c>: one AIO command call through <see cref="CommandInvoker{TReq, TResp}"/>.</summary>
public static class RpcCommands
{
    /// <summary>Creates the <c>rpc</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var rpc = new CliCommand("rpc", "Call AIO commands (RPC over MQTT: request, response topic, correlation data, __stat)");
        rpc.Examples.Add("aio rpc invoke 'thermostats/{executorId}/command/setTarget' '{\"celsius\":22.5}' --token executorId=thermostat-1");
        rpc.Subcommands.Add(Invoke(global, console));
        return rpc;
    }

    private static Command Invoke(GlobalOptions global, CliConsole console)
    {
        var topic = new Argument<string>("topic")
        {
            Description = "The request topic or topic pattern; {tokens} are filled from --token (and {commandName} from --command)",
        };
        var payload = new Argument<string?>("payload")
        {
            Description = "The request: JSON text, @file, or - for standard input (default: an empty payload)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var tokens = new Option<string[]>("--token") { Description = "A topic token value, name=value (repeatable)", HelpName = "name=value", AllowMultipleArgumentsPerToken = false };
        var headers = new Option<string[]>("--header", "-H") { Description = "A request user property, name=value (repeatable)", HelpName = "name=value" };
        var commandName = new Option<string?>("--command") { Description = "The command name (default: the commandName token, else the topic's last level)" };
        var contentType = new Option<string>("--content-type")
        {
            Description = "The request's content type; JSON content is checked before sending",
            DefaultValueFactory = _ => "application/json",
        };
        var command = new CliCommand("invoke", "Invoke a command and show the response's status, headers and payload (exit code 5 for an error status)")
        {
            topic, payload, tokens, headers, commandName, contentType,
        };
        command.Examples.Add("aio rpc invoke 'thermostats/{executorId}/command/setTarget' '{\"celsius\":22.5}' --token executorId=thermostat-1");
        command.Examples.Add("aio rpc invoke devices/pump-1/command/getStatus --timeout 3s --json");
        command.Examples.Add("cat request.json | aio rpc invoke 'rpc/{executorId}/{commandName}' - --token executorId=e1 --command reset -H trace=abc");
        CliActions.Set(command, global, console, async context =>
        {
            var pattern = context.Parse.GetRequiredValue(topic);
            var tokenMap = KeyValueInput.Parse(context.Parse.GetValue(tokens), "--token");
            var userData = KeyValueInput.Parse(context.Parse.GetValue(headers), "--header");
            var type = context.Parse.GetRequiredValue(contentType);
            var name = context.Parse.GetValue(commandName)
                ?? (tokenMap.TryGetValue("commandName", out var fromToken) ? fromToken : pattern.Split('/')[^1]);
            if (string.IsNullOrWhiteSpace(name) || name.Contains('{', StringComparison.Ordinal))
            {
                throw CliException.BadInput("--command: give the command name (the topic's last level is a token)");
            }

            tokenMap.TryAdd("commandName", name);
            var request = await PayloadInput.ReadAsync(context.Parse.GetValue(payload), "payload", context.Console, context.CancellationToken).ConfigureAwait(false);
            if (request is not null && PayloadInput.IsJson(type))
            {
                PayloadInput.EnsureJson(request, "payload");
            }

            string requestTopic;
            try
            {
                requestTopic = TopicPattern.ResolvePublishTopic(pattern, "topic", null, tokenMap);
            }
            catch (AioProtocolException ex)
            {
                throw CliException.BadInput($"topic: {ex.Message}", ex);
            }

            var session = await context.ConnectAsync().ConfigureAwait(false);
            var invoker = context.Own(new CommandInvoker<byte[], byte[]>(context.Application, session, name, new PassThroughSerializer(type), context.LoggerFactory)
            {
                RequestTopicPattern = pattern,
            });
            var metadata = new CommandRequestMetadata();
            foreach (var (key, value) in userData)
            {
                metadata.UserData[key] = value;
            }

            // Keep the raw response so that every status, header and payload can be shown, errors included.
            var correlation = metadata.CorrelationId.ToByteArray();
            var raw = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            session.ApplicationMessageReceivedAsync += e =>
            {
                if (e.ApplicationMessage.CorrelationData is { } data && data.AsSpan().SequenceEqual(correlation))
                {
                    raw.TrySetResult(e.ApplicationMessage);
                }

                return Task.CompletedTask;
            };

            AioProtocolException? remoteError = null;
            try
            {
                await invoker.InvokeCommandAsync(request, metadata, tokenMap, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            }
            catch (AioProtocolException ex) when (raw.Task.IsCompleted)
            {
                remoteError = ex;
            }

            // The raw response was recorded before the invoker completed the call (this handler runs first); the wait is a guard.
            var response = await raw.Task.WaitAsync(context.Timeout, context.CancellationToken).ConfigureAwait(false);
            var status = int.TryParse(UserProperties.Get(response, AioUserProperties.Status), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;
            var applicationError = UserProperties.Get(response, ExtendedResponse<byte[]>.ApplicationErrorCodeUserDataKey);
            Show(context.Output, requestTopic, name, metadata.CorrelationId, status, response);
            if (remoteError is not null)
            {
                context.Output.Error($"command '{name}' failed with status {status}: {remoteError.Message}");
                return ExitCodes.ServiceError;
            }

            if (applicationError is not null)
            {
                context.Output.Error($"command '{name}' answered with application error {applicationError}");
                return ExitCodes.ServiceError;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Show(CliOutput output, string topic, string name, Guid correlationId, int status, MqttApplicationMessage response)
    {
        var payload = System.Buffers.BuffersExtensions.ToArray(response.Payload);
        var headers = UserProperties.All(response);
        var cloudEvent = response.GetCloudEvent();
        var statusMessage = UserProperties.Get(response, AioUserProperties.StatusMessage);
        if (output.Json)
        {
            var headerJson = new JsonObject();
            foreach (var (key, value) in headers)
            {
                headerJson[key] = value;
            }

            output.WriteJson(new JsonObject
            {
                ["topic"] = topic,
                ["command"] = name,
                ["correlationId"] = correlationId.ToString(),
                ["status"] = status,
                ["statusMessage"] = statusMessage,
                ["isApplicationError"] = UserProperties.Get(response, ExtendedResponse<byte[]>.ApplicationErrorCodeUserDataKey) is not null
                    || string.Equals(UserProperties.Get(response, AioUserProperties.IsApplicationError), "true", StringComparison.OrdinalIgnoreCase),
                ["timestamp"] = UserProperties.Get(response, AioUserProperties.Timestamp),
                ["contentType"] = response.ContentType,
                ["headers"] = headerJson,
                ["payload"] = CliOutput.PayloadNode(payload, response.ContentType),
                ["cloudEvent"] = CloudEventJson.ToJson(cloudEvent),
            });
            return;
        }

        var ok = status is (int)CommandStatusCode.OK or (int)CommandStatusCode.NoContent;
        var rows = new List<(string, string?)>
        {
            ("Status", output.Paint($"{status} {StatusText(status)}", ok ? Colour.Green : Colour.Red)),
            ("Topic", topic),
            ("Correlation", correlationId.ToString()),
            ("Content type", response.ContentType),
            ("Headers", headers.Count == 0 ? "-" : string.Join('\n', headers.Select(h => $"{h.Name}: {h.Value}"))),
        };
        if (statusMessage is not null)
        {
            rows.Insert(1, ("Message", statusMessage));
        }

        if (cloudEvent is not null)
        {
            rows.Add(("CloudEvent", CloudEventJson.ToText(cloudEvent)));
        }

        rows.Add(("Payload", CliOutput.ShowPayload(payload, response.ContentType)));
        output.WriteProperties(rows);
    }

    private static string StatusText(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        _ => string.Empty,
    };
}

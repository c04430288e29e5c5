using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet.Protocol;
using OrleansAio.Abstractions.Common;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.CloudEvents;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Telemetry;

namespace OrleansAio.Cli.Telemetry;

/// <summary><c>aio telemetry send|watch</c>: AIO telemetry through <see cref="TelemetrySender{T}"/> and <see cref="TelemetryReceiver{T}"/>.</summary>
public static class TelemetryCommands
{
    /// <summary>Creates the <c>telemetry</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var telemetry = new CliCommand("telemetry", "Send and watch AIO telemetry (with CloudEvents)");
        telemetry.Examples.Add("aio telemetry send 'thermostats/{deviceId}/temperature' '{\"celsius\":21}' --token deviceId=t1");
        telemetry.Subcommands.Add(Send(global, console));
        telemetry.Subcommands.Add(Watch(global, console));
        return telemetry;
    }

    private static Argument<string> TopicArgument(string description) => new("topic") { Description = description };

    private static Option<string[]> TokenOption() => new("--token") { Description = "A topic token value, name=value (repeatable)", HelpName = "name=value" };

    private static Command Send(GlobalOptions global, CliConsole console)
    {
        var topic = TopicArgument("The topic or topic pattern; {tokens} are filled from --token");
        var payload = new Argument<string>("payload") { Description = "The telemetry: JSON text, @file, or - for standard input" };
        var tokens = TokenOption();
        var headers = new Option<string[]>("--header", "-H") { Description = "A user property, name=value (repeatable)", HelpName = "name=value" };
        var contentType = new Option<string>("--content-type")
        {
            Description = "The content type; JSON content is checked before sending",
            DefaultValueFactory = _ => "application/json",
        };
        var source = new Option<string?>("--cloud-event-source") { Description = "Send a CloudEvent with this source (a URI reference)", HelpName = "uri" };
        var type = new Option<string?>("--cloud-event-type") { Description = "The CloudEvent type [default: ms.aio.telemetry]" };
        var subject = new Option<string?>("--cloud-event-subject") { Description = "The CloudEvent subject [default: the topic]" };
        var retain = new Option<bool>("--retain") { Description = "Ask the broker to retain the message" };
        var command = new CliCommand("send", "Send one telemetry message (QoS 1; exits when the broker acknowledged it)")
        {
            topic, payload, tokens, headers, contentType, source, type, subject, retain,
        };
        command.Examples.Add("aio telemetry send 'thermostats/{deviceId}/temperature' '{\"celsius\":21}' --token deviceId=t1");
        command.Examples.Add("aio telemetry send plant/line-1/speed @reading.json --cloud-event-source aio://line-1 --cloud-event-type speed");
        command.Examples.Add("echo 42 | aio telemetry send counters/visits - --content-type text/plain");
        command.Validators.Add(result =>
        {
            if (result.GetValue(source) is null && (result.GetValue(type) ?? result.GetValue(subject)) is not null)
            {
                result.AddError("--cloud-event-type and --cloud-event-subject need --cloud-event-source");
            }
        });
        CliActions.Set(command, global, console, async context =>
        {
            var pattern = context.Parse.GetRequiredValue(topic);
            var tokenMap = KeyValueInput.Parse(context.Parse.GetValue(tokens), "--token");
            var userData = KeyValueInput.Parse(context.Parse.GetValue(headers), "--header");
            var mediaType = context.Parse.GetRequiredValue(contentType);
            var bytes = (await PayloadInput.ReadAsync(context.Parse.GetValue(payload), "payload", context.Console, context.CancellationToken).ConfigureAwait(false))!;
            if (PayloadInput.IsJson(mediaType))
            {
                PayloadInput.EnsureJson(bytes, "payload");
            }

            string resolved;
            try
            {
                resolved = TopicPattern.ResolvePublishTopic(pattern, "topic", null, tokenMap);
            }
            catch (AioProtocolException ex)
            {
                throw CliException.BadInput($"topic: {ex.Message}", ex);
            }

            var metadata = new OutgoingTelemetryMetadata { Retain = context.Parse.GetValue(retain) };
            foreach (var (key, value) in userData)
            {
                metadata.UserData[key] = value;
            }

            if (context.Parse.GetValue(source) is { } ceSource)
            {
                metadata.CloudEvent = new CloudEvent(ceSource, context.Parse.GetValue(type)) { Subject = context.Parse.GetValue(subject) };
            }

            var session = await context.ConnectAsync().ConfigureAwait(false);
            var sender = context.Own(new TelemetrySender<byte[]>(context.Application, session, new PassThroughSerializer(mediaType), context.LoggerFactory)
            {
                TopicPattern = pattern,
            });
            await sender.SendTelemetryAsync(bytes, metadata, tokenMap, MqttQualityOfServiceLevel.AtLeastOnce, context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["topic"] = resolved,
                    ["sent"] = true,
                    ["bytes"] = bytes.Length,
                    ["contentType"] = mediaType,
                    ["cloudEvent"] = metadata.CloudEvent is null ? null : new JsonObject
                    {
                        ["source"] = metadata.CloudEvent.Source,
                        ["type"] = metadata.CloudEvent.Type,
                        ["id"] = metadata.CloudEvent.Id,
                        ["subject"] = metadata.CloudEvent.Subject,
                    },
                });
            }
            else
            {
                context.Output.WriteLine($"sent {bytes.Length} bytes to {resolved}", Colour.Green);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Watch(GlobalOptions global, CliConsole console)
    {
        var topic = TopicArgument("The topic pattern: {tokens} without a --token value and + match one level, # the rest");
        var tokens = TokenOption();
        var group = new Option<string?>("--group") { Description = "Join this shared-subscription group ($share/<group>/...) instead of seeing every message" };
        var count = CliArguments.Count();
        var command = new CliCommand("watch", "Print every telemetry message on the topic (sender, headers, CloudEvent, payload) until Ctrl+C or --count")
        {
            topic, tokens, group, count,
        };
        command.Examples.Add("aio telemetry watch 'thermostats/{deviceId}/temperature'");
        command.Examples.Add("aio telemetry watch 'thermostats/+/temperature' --count 10 --json");
        CliActions.Set(command, global, console, async context =>
        {
            var pattern = context.Parse.GetRequiredValue(topic);
            var tokenMap = KeyValueInput.Parse(context.Parse.GetValue(tokens), "--token");
            var session = await context.ConnectAsync().ConfigureAwait(false);
            var loop = new WatchLoop(context.Parse.GetValue(count));
            var receiver = context.Own(new TelemetryReceiver<byte[]>(context.Application, session, new PassThroughSerializer("application/octet-stream"), context.LoggerFactory)
            {
                TopicPattern = pattern,
                TopicTokenMap = tokenMap,
                ServiceGroupId = context.Parse.GetValue(group),
                DispatchConcurrency = 1,
                OnTelemetryReceived = (sender, payload, metadata) =>
                {
                    loop.Show(() => ShowMessage(context.Output, sender, payload ?? [], metadata, context.Application.TimeProvider));
                    return Task.CompletedTask;
                },
            });
            try
            {
                await receiver.StartAsync(context.CancellationToken).ConfigureAwait(false);
            }
            catch (AioProtocolException ex) when (ex.Kind == AioErrorKind.ConfigurationInvalid)
            {
                throw CliException.BadInput($"topic: {ex.Message}", ex);
            }

            context.Output.Note($"watching {pattern} (Ctrl+C to stop)");
            await loop.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void ShowMessage(CliOutput output, string sender, byte[] payload, IncomingTelemetryMetadata metadata, TimeProvider clock)
    {
        if (output.Json)
        {
            var headers = new JsonObject();
            foreach (var (key, value) in metadata.UserData)
            {
                headers[key] = value;
            }

            var tokens = new JsonObject();
            foreach (var (key, value) in metadata.TopicTokens)
            {
                tokens[key] = value;
            }

            output.WriteJson(new JsonObject
            {
                ["topic"] = metadata.Topic,
                ["senderId"] = sender,
                ["timestamp"] = CliArguments.Show(metadata.Timestamp),
                ["contentType"] = metadata.ContentType,
                ["tokens"] = tokens,
                ["headers"] = headers,
                ["payload"] = CliOutput.PayloadNode(payload, metadata.ContentType),
                ["cloudEvent"] = CloudEventJson.ToJson(metadata.CloudEvent),
            });
        }
        else
        {
            var time = (metadata.Timestamp?.Timestamp ?? clock.GetUtcNow()).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            var line = new StringBuilder()
                .Append(time).Append("  ").Append(output.Paint(metadata.Topic, Colour.Bold))
                .Append("  from ").Append(string.IsNullOrEmpty(sender) ? "-" : sender)
                .Append("  ").Append(CliOutput.ShowPayload(payload, metadata.ContentType).Replace('\n', ' '));
            output.WriteLine(line.ToString());
            if (metadata.UserData.Count > 0)
            {
                output.WriteLine("    headers: " + string.Join(' ', metadata.UserData.Select(h => $"{h.Key}={h.Value}")), Colour.Dim);
            }

            if (metadata.CloudEvent is not null)
            {
                output.WriteLine("    cloudevent: " + CloudEventJson.ToText(metadata.CloudEvent), Colour.Dim);
            }
        }

        output.Console.Out.Flush();
    }
}

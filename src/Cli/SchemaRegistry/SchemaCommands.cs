using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.SchemaRegistry;

namespace OrleansAio.Cli.SchemaRegistry;

/// <summary><c>aio schema put|get</c>: the AIO schema registry through <see cref="SchemaRegistryClient"/>.</summary>
public static class SchemaCommands
{
    /// <summary>Creates the <c>schema</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var schema = new CliCommand("schema", "Register and read message schemas in the AIO schema registry");
        schema.Examples.Add("aio schema put @reading.schema.json --display-name Reading && aio schema get <name>");
        schema.Subcommands.Add(Put(global, console));
        schema.Subcommands.Add(Get(global, console));
        return schema;
    }

    private static Option<string> VersionOption() => new("--schema-version")
    {
        Description = "The schema version",
        DefaultValueFactory = _ => "1",
        HelpName = "version",
    };

    private static async Task<SchemaRegistryClient> ConnectAsync(CliContext context)
    {
        var session = await context.ConnectAsync().ConfigureAwait(false);
        return context.Own(new SchemaRegistryClient(context.Application, session, context.LoggerFactory));
    }

    private static Command Put(GlobalOptions global, CliConsole console)
    {
        var content = new Argument<string>("content")
        {
            Description = "The schema: JSON text, @file, or - for standard input",
        };
        var format = new Option<string>("--format")
        {
            Description = $"The schema format: {SchemaRegistryWireValues.JsonSchemaDraft07} or {SchemaRegistryWireValues.Delta1}",
            DefaultValueFactory = _ => SchemaRegistryWireValues.JsonSchemaDraft07,
        };
        format.AcceptOnlyFromAmong(SchemaRegistryWireValues.JsonSchemaDraft07, SchemaRegistryWireValues.Delta1);
        var version = VersionOption();
        var tags = new Option<string[]>("--tag") { Description = "A tag, name=value (repeatable)", HelpName = "name=value" };
        var displayName = new Option<string?>("--display-name") { Description = "A display name" };
        var description = new Option<string?>("--description") { Description = "A description" };
        var command = new CliCommand("put", "Register a schema; prints its name (derived from the content), version and hash")
        {
            content, format, version, tags, displayName, description,
        };
        command.Examples.Add("aio schema put @reading.schema.json --display-name Reading --tag team=plant");
        command.Examples.Add("aio schema put '{\"type\":\"object\"}' --schema-version 2 --json");
        CliActions.Set(command, global, console, async context =>
        {
            var bytes = (await PayloadInput.ReadAsync(context.Parse.GetValue(content), "content", context.Console, context.CancellationToken).ConfigureAwait(false))!;
            var wireFormat = context.Parse.GetRequiredValue(format);
            if (wireFormat == SchemaRegistryWireValues.JsonSchemaDraft07)
            {
                PayloadInput.EnsureJson(bytes, "content");
            }

            SchemaRegistryWireValues.TryParseFormat(wireFormat, out var schemaFormat);
            var tagMap = KeyValueInput.Parse(context.Parse.GetValue(tags), "--tag");
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var schema = await client.PutAsync(
                Encoding.UTF8.GetString(bytes),
                schemaFormat,
                SchemaType.MessageSchema,
                context.Parse.GetRequiredValue(version),
                tagMap.Count == 0 ? null : tagMap,
                context.Parse.GetValue(displayName),
                context.Parse.GetValue(description),
                context.Timeout,
                context.CancellationToken).ConfigureAwait(false);
            Show(context.Output, schema, withContent: false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Get(GlobalOptions global, CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The schema's name (as 'aio schema put' printed it)" };
        var version = VersionOption();
        var contentOnly = new Option<bool>("--content") { Description = "Print only the schema content (for saving to a file)" };
        var command = new CliCommand("get", "Read a schema with its content (exit code 1 when there is no such schema or version)") { name, version, contentOnly };
        command.Examples.Add("aio schema get 0A1B2C3D4E5F --schema-version 1");
        command.Examples.Add("aio schema get 0A1B2C3D4E5F --content > reading.schema.json");
        CliActions.Set(command, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var schema = await client.GetAsync(
                context.Parse.GetRequiredValue(name), context.Parse.GetRequiredValue(version), context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(contentOnly))
            {
                context.Console.Out.WriteLine(schema.SchemaContent);
            }
            else
            {
                Show(context.Output, schema, withContent: true);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Show(CliOutput output, Schema schema, bool withContent)
    {
        if (output.Json)
        {
            var json = JsonSerializer.SerializeToNode(schema)!.AsObject();
            if (!withContent)
            {
                json.Remove("schemaContent");
            }

            output.WriteJson(json);
            return;
        }

        var rows = new List<(string, string?)>
        {
            ("Name", schema.Name),
            ("Version", schema.Version),
            ("Namespace", schema.Namespace),
            ("Format", schema.Format),
            ("Type", schema.SchemaType),
            ("Hash", schema.Hash),
        };
        if (schema.DisplayName is not null)
        {
            rows.Add(("Display name", schema.DisplayName));
        }

        if (schema.Description is not null)
        {
            rows.Add(("Description", schema.Description));
        }

        if (schema.Tags is { Count: > 0 } tags)
        {
            rows.Add(("Tags", string.Join('\n', tags.Select(t => $"{t.Key}={t.Value}"))));
        }

        if (withContent)
        {
            rows.Add(("Content", CliOutput.ShowPayload(Encoding.UTF8.GetBytes(schema.SchemaContent), "application/json")));
        }

        output.WriteProperties(rows);
    }
}

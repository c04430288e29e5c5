using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAio.Cli.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.EdgeRegistry;

namespace OrleansAio.Cli.EdgeRegistry;

/// <summary><c>aio registry ...</c>: groups, resources and versions of the AIO Edge Registry through <see cref="EdgeRegistryClient"/>.</summary>
public static class RegistryCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Creates the <c>registry</c> command group.</summary>
    /// <param name="global">The global options.</param>
    /// <param name="console">The console.</param>
    /// <returns>The command.</returns>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var registry = new CliCommand("registry", "Read and create groups, resources and versions in the AIO Edge Registry");
        registry.Examples.Add("aio registry group create schemagroups plant-a --name 'Plant A' && aio registry groups schemagroups");
        registry.Subcommands.Add(Groups(global, console));
        registry.Subcommands.Add(Group(global, console));
        registry.Subcommands.Add(Resource(global, console));
        registry.Subcommands.Add(Version(global, console));
        return registry;
    }

    private static async Task<EdgeRegistryClient> ConnectAsync(CliContext context)
    {
        var session = await context.ConnectAsync().ConfigureAwait(false);
        return context.Own(new EdgeRegistryClient(context.Application, session, context.LoggerFactory));
    }

    private static Argument<string> GroupType() => new("groupType") { Description = "The group type, for instance schemagroups" };

    private static Argument<string> GroupId() => new("groupId") { Description = "The group id" };

    private static Command Groups(GlobalOptions global, CliConsole console)
    {
        var groupType = GroupType();
        var command = new CliCommand("groups", "List the group ids of a group type") { groupType };
        command.Examples.Add("aio registry groups schemagroups --json");
        CliActions.Set(command, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var ids = await client.ListGroupsAsync(context.Parse.GetRequiredValue(groupType), context.Timeout, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject { ["groups"] = new JsonArray([.. ids.Select(id => JsonValue.Create(id))]) });
            }
            else
            {
                context.Output.WriteTable(["Group"], ids.Select(id => (IReadOnlyList<string?>)[id]));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Group(GlobalOptions global, CliConsole console)
    {
        var group = new CliCommand("group", "Read or create one group");
        group.Examples.Add("aio registry group get schemagroups plant-a --json");
        var getType = GroupType();
        var getId = GroupId();
        var get = new CliCommand("get", "Read a group (exit code 1 when there is none)") { getType, getId };
        get.Examples.Add("aio registry group get schemagroups plant-a");
        CliActions.Set(get, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            Show(context.Output, await client.GetGroupAsync(
                context.Parse.GetRequiredValue(getType), context.Parse.GetRequiredValue(getId), context.Timeout, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        var createType = GroupType();
        var createId = GroupId();
        var name = new Option<string?>("--name") { Description = "The group's name" };
        var description = new Option<string?>("--description") { Description = "The group's description" };
        var create = new CliCommand("create", "Create or update a group; prints it") { createType, createId, name, description };
        create.Examples.Add("aio registry group create schemagroups plant-a --name 'Plant A' --description 'schemas of plant A'");
        CliActions.Set(create, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            var attributes = new GroupAttributes { Name = context.Parse.GetValue(name), Description = context.Parse.GetValue(description) };
            Show(context.Output, await client.CreateGroupAsync(
                context.Parse.GetRequiredValue(createType), context.Parse.GetRequiredValue(createId), attributes, context.Timeout, context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

        group.Subcommands.Add(get);
        group.Subcommands.Add(create);
        return group;
    }

    private static Command Resource(GlobalOptions global, CliConsole console)
    {
        var (groupType, groupId) = (GroupType(), GroupId());
        var resourceType = new Argument<string>("resourceType") { Description = "The resource type, for instance schemas" };
        var resourceId = new Argument<string>("resourceId") { Description = "The resource id" };
        var command = new CliCommand("resource", "Read a resource with its default version (exit code 1 when there is none)") { groupType, groupId, resourceType, resourceId };
        command.Examples.Add("aio registry resource schemagroups plant-a schemas reading --json");
        CliActions.Set(command, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            Show(context.Output, await client.GetResourceAsync(
                context.Parse.GetRequiredValue(groupType),
                context.Parse.GetRequiredValue(groupId),
                context.Parse.GetRequiredValue(resourceType),
                context.Parse.GetRequiredValue(resourceId),
                context.Timeout,
                context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Version(GlobalOptions global, CliConsole console)
    {
        var (groupType, groupId) = (GroupType(), GroupId());
        var resourceType = new Argument<string>("resourceType") { Description = "The resource type" };
        var resourceId = new Argument<string>("resourceId") { Description = "The resource id" };
        var versionId = new Option<string?>("--version-id") { Description = "The version id (default: the resource's default version)" };
        var command = new CliCommand("version", "Read one version of a resource (exit code 1 when there is none)") { groupType, groupId, resourceType, resourceId, versionId };
        command.Examples.Add("aio registry version schemagroups plant-a schemas reading --version-id 2");
        CliActions.Set(command, global, console, async context =>
        {
            var client = await ConnectAsync(context).ConfigureAwait(false);
            Show(context.Output, await client.GetVersionAsync(
                context.Parse.GetRequiredValue(groupType),
                context.Parse.GetRequiredValue(groupId),
                context.Parse.GetRequiredValue(resourceType),
                context.Parse.GetRequiredValue(resourceId),
                context.Parse.GetValue(versionId),
                context.Timeout,
                context.CancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });
        return command;
    }

    // The Edge Registry's objects are nested documents: JSON is their readable form too (indented unless --json).
    private static void Show<T>(CliOutput output, T value)
    {
        var node = JsonSerializer.SerializeToNode(value)!;
        if (output.Json)
        {
            output.WriteJson(node);
        }
        else
        {
            output.WriteLine(node.ToJsonString(Indented));
        }
    }
}

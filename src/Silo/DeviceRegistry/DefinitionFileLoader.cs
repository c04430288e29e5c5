using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansAio.Client.DeviceRegistry;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Silo.Hosting;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using G = OrleansAio.GrainsInterfaces.DeviceRegistry;

namespace OrleansAio.Silo.DeviceRegistry;

/// <summary>
/// Reads the start-up definition files (<see cref="DeviceRegistryOptions.DefinitionFiles"/>): AIO <c>Device</c> and <c>Asset</c>
/// resources in Kubernetes form (<c>kind</c>, <c>metadata.name</c>, <c>spec</c>), one per YAML document, in a <c>kind: List</c>,
/// or in a JSON array; then stores every device, then every asset, through <see cref="G.IDeviceRegistryGrain"/>.
/// </summary>
/// <remarks>
/// Any problem stops the silo's start with a <see cref="SiloStartupException"/> for <c>DeviceRegistry:DefinitionFiles:{i}</c> that
/// names the file, the resource and the field. A definition equal to the stored one is left alone, so restarting (or several
/// silos loading the same files) changes nothing and notifies nobody.
/// </remarks>
internal sealed partial class DefinitionFileLoader(IGrainFactory grainFactory, ILogger logger)
{
    private const string Setting = $"{DeviceRegistryOptions.SectionName}:{nameof(DeviceRegistryOptions.DefinitionFiles)}";

    /// <summary>Parses every file and stores its resources.</summary>
    /// <param name="files">The files, in order.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>How many devices and assets were loaded.</returns>
    /// <exception cref="SiloStartupException">A file is missing, unreadable or holds a bad resource.</exception>
    public async Task<(int Devices, int Assets)> LoadAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var devices = new Dictionary<string, (Device Device, string Setting, string File)>(StringComparer.Ordinal);
        var assets = new Dictionary<string, (Asset Asset, string Setting, string File)>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var setting = $"{Setting}:{i}";
            var path = Path.GetFullPath(files[i]);
            foreach (var resource in Parse(setting, path, await ReadAsync(setting, path, cancellationToken)))
            {
                if (resource.Device is { } device)
                {
                    if (!devices.TryAdd(resource.Name, (device, setting, path)))
                    {
                        LogDuplicate("Device", resource.Name, path);
                        devices[resource.Name] = (device, setting, path);
                    }
                }
                else if (!assets.TryAdd(resource.Name, (resource.Asset!, setting, path)))
                {
                    LogDuplicate("Asset", resource.Name, path);
                    assets[resource.Name] = (resource.Asset!, setting, path);
                }
            }
        }

        var registry = grainFactory.GetGrain<G.IDeviceRegistryGrain>(DeviceRegistryEndpoint.RegistryGrainKey);
        foreach (var (name, (device, setting, file)) in devices)
        {
            var result = await registry.CreateOrUpdateDeviceAsync(name, DeviceRegistryMapping.Convert<G.Device>(device));
            if (result.Error is { } error)
            {
                throw new SiloStartupException(setting, $"file '{file}': Device '{name}': {error.Message}");
            }
        }

        foreach (var (name, (asset, setting, file)) in assets)
        {
            var result = await registry.CreateOrUpdateAssetAsync(name, DeviceRegistryMapping.Convert<G.Asset>(asset));
            if (result.Error is { } error)
            {
                throw new SiloStartupException(setting, $"file '{file}': Asset '{name}': {error.Message}");
            }
        }

        if (files.Count > 0)
        {
            LogLoaded(devices.Count, assets.Count, files.Count);
        }

        return (devices.Count, assets.Count);
    }

    /// <summary>Parses the text of one definition file (YAML, or JSON when the name ends in <c>.json</c>).</summary>
    /// <param name="setting">The setting naming the file (for errors).</param>
    /// <param name="path">The file's full path.</param>
    /// <param name="text">Its text.</param>
    /// <returns>The resources, in file order.</returns>
    internal static List<ParsedResource> Parse(string setting, string path, string text)
    {
        var documents = new List<JsonNode?>();
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                if (root is JsonArray array)
                {
                    documents.AddRange(array.Select(n => n?.DeepClone()));
                }
                else
                {
                    documents.Add(root);
                }
            }
            catch (JsonException ex)
            {
                throw new SiloStartupException(setting, $"file '{path}' is not valid JSON (line {(ex.LineNumber ?? 0) + 1}): {OneLine(ex.Message.Split(" Path:", 2)[0])}", ex);
            }
        }
        else
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException ex)
            {
                throw new SiloStartupException(setting, $"file '{path}' is not valid YAML (line {ex.Start.Line}): {OneLine(ex.Message)}", ex);
            }

            documents.AddRange(stream.Documents.Select(d => ToJson(d.RootNode)));
        }

        var resources = new List<ParsedResource>();
        var index = 0;
        foreach (var document in documents)
        {
            index++;
            if (document is null)
            {
                continue;
            }

            if (document is not JsonObject resource)
            {
                throw new SiloStartupException(setting, $"file '{path}': document {index} is not a mapping with 'kind', 'metadata' and 'spec'");
            }

            var kind = (resource["kind"] as JsonValue)?.ToString();
            if (kind == "List")
            {
                if (resource["items"] is not JsonArray items)
                {
                    throw new SiloStartupException(setting, $"file '{path}': document {index} is a List without an 'items' sequence");
                }

                var item = 0;
                foreach (var entry in items)
                {
                    resources.Add(ParseResource(setting, path, $"items[{item++}] of document {index}", entry));
                }
            }
            else
            {
                resources.Add(ParseResource(setting, path, $"document {index}", resource));
            }
        }

        return resources;
    }

    private static ParsedResource ParseResource(string setting, string path, string where, JsonNode? node)
    {
        if (node is not JsonObject resource)
        {
            throw new SiloStartupException(setting, $"file '{path}': {where} is not a mapping with 'kind', 'metadata' and 'spec'");
        }

        var kind = (resource["kind"] as JsonValue)?.ToString();
        if (kind is not ("Device" or "Asset"))
        {
            throw new SiloStartupException(setting, $"file '{path}': {where}: 'kind' is '{kind}', expected Device, Asset or List");
        }

        var name = (resource["metadata"]?["name"] as JsonValue)?.ToString();
        if (DeviceRegistryRules.CheckName("metadata.name", name) is { } badName)
        {
            throw new SiloStartupException(setting, $"file '{path}': {kind} in {where}: {badName}");
        }

        if (resource["spec"] is not JsonObject spec)
        {
            throw new SiloStartupException(setting, $"file '{path}': {kind} '{name}': 'spec' is missing or not a mapping");
        }

        try
        {
            return kind == "Device"
                ? new ParsedResource(name!, spec.Deserialize<Device>(DeviceRegistryJson.Options), null)
                : new ParsedResource(name!, null, spec.Deserialize<Asset>(DeviceRegistryJson.Options));
        }
        catch (JsonException ex)
        {
            var (jsonPath, problem, _) = DeviceRegistryJson.DescribeError(ex);
            var field = jsonPath is null ? "spec" : "spec" + jsonPath[1..];
            throw new SiloStartupException(setting, $"file '{path}': {kind} '{name}': field '{field}': {OneLine(problem)}", ex);
        }
    }

    private static async Task<string> ReadAsync(string setting, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "does not exist" : $"cannot be read ({ex.Message})";
            throw new SiloStartupException(setting, $"file '{path}' {reason}", ex);
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    // YAML to JSON as Kubernetes reads it: plain scalars that look like booleans, null or numbers are typed, the rest are strings.
    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    obj[((YamlScalarNode)key).Value ?? string.Empty] = ToJson(value);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item));
                }

                return array;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? string.Empty;
                if (scalar.Style != ScalarStyle.Plain)
                {
                    return JsonValue.Create(text);
                }

                if (text is "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                {
                    return JsonValue.Create(text[0] is 't' or 'T');
                }

                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return JsonValue.Create(integer);
                }

                if (text.Any(char.IsDigit) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && !text.Contains(',', StringComparison.Ordinal))
                {
                    return JsonValue.Create(real);
                }

                return JsonValue.Create(text);
            default:
                return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device registry definitions: {Devices} devices and {Assets} assets from {Files} files")]
    private partial void LogLoaded(int devices, int assets, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} '{Name}' is defined more than once; the definition in '{File}' wins")]
    private partial void LogDuplicate(string kind, string name, string file);

    /// <summary>One resource of a definition file.</summary>
    /// <param name="Name">Its <c>metadata.name</c>.</param>
    /// <param name="Device">The device, when <c>kind</c> is Device.</param>
    /// <param name="Asset">The asset, when <c>kind</c> is Asset.</param>
    internal sealed record ParsedResource(string Name, Device? Device, Asset? Asset);
}

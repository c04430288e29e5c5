namespace OrleansAio.Protocol.SchemaRegistry;

/// <summary>The identity, topics and fixed values of the schema registry service (services.md 3.1).</summary>
public static class SchemaRegistryTopics
{
    /// <summary>The model id in every topic.</summary>
    public const string ModelId = "dtmi:ms:adr:SchemaRegistry;2";

    /// <summary>The command name of <c>put</c>.</summary>
    public const string PutCommandName = "put";

    /// <summary>The command name of <c>get</c>.</summary>
    public const string GetCommandName = "get";

    /// <summary>The request topic of <c>put</c>.</summary>
    public const string PutTopic = "adr/" + ModelId + "/" + PutCommandName;

    /// <summary>The request topic of <c>get</c>.</summary>
    public const string GetTopic = "adr/" + ModelId + "/" + GetCommandName;

    /// <summary>The shared-subscription group of the service's executors.</summary>
    public const string ServiceGroupId = "schema-registry-edge";

    /// <summary>The namespace the reference service reports on every schema.</summary>
    public const string DefaultNamespace = "DefaultSRNamespace";

    /// <summary>The only <c>$schema</c> value a <c>JsonSchema/draft-07</c> schema may carry (services.md 3.4).</summary>
    public const string Draft07SchemaUri = "https://json-schema.org/draft-07/schema#";
}

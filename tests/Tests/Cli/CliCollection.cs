namespace OrleansAio.Tests.Cli;

/// <summary>The CLI tests share one broker and silo.</summary>
[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliClusterFixture>
{
    public const string Name = "cli";
}

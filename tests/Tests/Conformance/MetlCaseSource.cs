using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance;

/// <summary>
/// Finds the METL cases: <c>$METL_CASES_DIR</c>, else <c>../shared/metl</c> next to the repository root (the folder holding
/// <c>orleans-aio.sln</c>). One sub-folder per suite; every <c>*.yaml</c> below it is a case, and the nearest <c>defaults.toml</c>
/// (in the case's folder or an ancestor up to the suite folder, else <c>$METL_DEFAULTS_DIR/&lt;suite&gt;/defaults.toml</c>) holds
/// its defaults.
/// </summary>
internal static class MetlCaseSource
{
    /// <summary>The environment variable naming the cases folder.</summary>
    public const string CasesDirVariable = "METL_CASES_DIR";

    /// <summary>The environment variable naming a folder with per-suite <c>defaults.toml</c> files for case trees that have none.</summary>
    public const string DefaultsDirVariable = "METL_DEFAULTS_DIR";

    /// <summary>The placeholder row used when no cases are found.</summary>
    public const string NoCases = "(no METL cases found)";

    /// <summary>The cases folder, or <see langword="null"/> when neither the variable nor the default folder exists.</summary>
    public static string? CasesDirectory => CandidateDirectories().FirstOrDefault(Directory.Exists);

    /// <summary>The message used to skip when no cases are available: which folders were tried, and how to point at the cases.</summary>
    public static string MissingMessage =>
        $"METL cases not found: tried {string.Join(", ", CandidateDirectories().Select(d => $"'{d}'"))}" +
        $"{(string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(CasesDirVariable)) ? $" ({CasesDirVariable} is not set)" : $" (from {CasesDirVariable})")}. " +
        $"Set {CasesDirVariable} to the folder that holds the CommandExecutor, CommandInvoker, TelemetryReceiver and TelemetrySender " +
        "folders (export METL_CASES_DIR=/path/to/metl), or put them at ../shared/metl beside the repository root. They are the " +
        "public Azure/iot-operations-sdks repository's eng/test/test-cases/Protocol (MIT).";

    // $METL_CASES_DIR when set (and then only it), else ../shared/metl beside the folder holding orleans-aio.sln.
    private static IEnumerable<string> CandidateDirectories()
    {
        var configured = Environment.GetEnvironmentVariable(CasesDirVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            yield return Path.GetFullPath(configured);
            yield break;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "orleans-aio.sln")))
            {
                yield return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "metl"));
                yield break;
            }
        }
    }

    /// <summary>The theory rows of a suite: case paths relative to the cases folder, displayed by file name.</summary>
    /// <param name="suite">The suite.</param>
    /// <returns>The rows, or one placeholder row when no cases exist.</returns>
    public static TheoryData<string> Rows(MetlSuite suite)
    {
        var data = new TheoryData<string>();
        var root = CasesDirectory;
        var suiteDir = root is null ? null : Path.Combine(root, suite.ToString());
        if (suiteDir is null || !Directory.Exists(suiteDir))
        {
            data.Add(new TheoryDataRow<string>(NoCases) { TestDisplayName = $"{suite}: {NoCases}: {MissingMessage}" });
            return data;
        }

        foreach (var file in Directory.EnumerateFiles(suiteDir, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root!, file).Replace('\\', '/');
            data.Add(new TheoryDataRow<string>(relative) { TestDisplayName = Path.GetFileName(file) });
        }

        return data;
    }

    /// <summary>Loads a case by its path relative to the cases folder, or skips the test when no cases exist.</summary>
    /// <param name="relativePath">The case path.</param>
    /// <param name="suite">The suite.</param>
    /// <returns>The parsed case.</returns>
    public static MetlCase Load(string relativePath, MetlSuite suite)
    {
        var root = CasesDirectory;
        if (relativePath == NoCases || root is null)
        {
            Assert.Skip(MissingMessage);
        }

        var file = Path.Combine(root, relativePath);
        var defaults = FindDefaults(root, suite, Path.GetDirectoryName(file)!);
        return MetlCaseParser.Parse(File.ReadAllText(file), Path.GetFileName(file), suite, defaults);
    }

    /// <summary>Parses a case held in memory (self-tests), with the defaults of its suite when available.</summary>
    /// <param name="yaml">The case text.</param>
    /// <param name="suite">The suite.</param>
    /// <param name="defaultsToml">Explicit defaults; <see langword="null"/> uses the suite's <c>defaults.toml</c>.</param>
    /// <returns>The parsed case.</returns>
    public static MetlCase Parse(string yaml, MetlSuite suite, string? defaultsToml = null)
    {
        MetlMap? defaults = null;
        if (defaultsToml is not null)
        {
            defaults = MetlNode.FromToml(defaultsToml, "defaults.toml");
        }
        else if (CasesDirectory is { } root)
        {
            defaults = FindDefaults(root, suite, Path.Combine(root, suite.ToString()));
        }

        return MetlCaseParser.Parse(yaml, "(in-memory case)", suite, defaults);
    }

    private static MetlMap? FindDefaults(string root, MetlSuite suite, string caseDir)
    {
        var suiteDir = Path.GetFullPath(Path.Combine(root, suite.ToString()));
        for (var dir = new DirectoryInfo(caseDir); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "defaults.toml");
            if (File.Exists(candidate))
            {
                return MetlNode.FromToml(File.ReadAllText(candidate), candidate);
            }

            if (string.Equals(Path.GetFullPath(dir.FullName).TrimEnd(Path.DirectorySeparatorChar), suiteDir.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            {
                break;
            }
        }

        var fallbackDir = Environment.GetEnvironmentVariable(DefaultsDirVariable);
        if (!string.IsNullOrWhiteSpace(fallbackDir))
        {
            var fallback = Path.Combine(fallbackDir, suite.ToString(), "defaults.toml");
            if (File.Exists(fallback))
            {
                return MetlNode.FromToml(File.ReadAllText(fallback), fallback);
            }
        }

        return null;
    }
}

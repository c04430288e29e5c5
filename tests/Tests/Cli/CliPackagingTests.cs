using System.Diagnostics;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Cli;

/// <summary>The CLI packs as a .NET tool that <c>dotnet tool install</c> installs from a local build and that runs as <c>aio</c>.</summary>
public sealed class CliPackagingTests : IDisposable
{
    private readonly TempDirectory directory = new("cli-tool");

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task TheLocalBuildInstallsAsTheAioTool()
    {
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "orleans-aio.sln")))
        {
            repository = repository.Parent;
        }

        Assert.NotNull(repository);
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        var packages = Path.Combine(directory.Path, "packages");
        var tools = Path.Combine(directory.Path, "tools");
        var project = Path.Combine(repository.FullName, "src", "Cli", "Cli.csproj");

        var pack = await RunAsync("dotnet", "pack", project, "--no-build", "-c", configuration, "-o", packages);
        Assert.True(pack.ExitCode == 0, pack.Output);
        Assert.Single(Directory.GetFiles(packages, "OrleansAio.Cli.*.nupkg"));

        var install = await RunAsync("dotnet", "tool", "install", "OrleansAio.Cli", "--tool-path", tools, "--add-source", packages);
        Assert.True(install.ExitCode == 0, install.Output);
        Assert.Contains("aio", install.Output, StringComparison.Ordinal);

        var help = await RunAsync(Path.Combine(tools, "aio"), "lease", "--help");
        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Contains("aio lease [command] [options]", help.Output, StringComparison.Ordinal);

        var refused = await RunAsync(Path.Combine(tools, "aio"), "state", "get", "k", "--host", "127.0.0.1", "--port", FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(OrleansAio.Cli.Common.ExitCodes.ConnectionFailed, refused.ExitCode);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var startInfo = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output + await error);
    }
}

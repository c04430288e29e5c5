using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using OrleansAio.Cli.Common;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Cli;

/// <summary>The built CLI (<c>OrleansAio.Cli.dll</c>, copied beside the tests) run as a real <c>dotnet</c> process.</summary>
[Collection(CliCollection.Name)]
public sealed partial class CliProcessTests(CliClusterFixture fixture)
{
    [Fact]
    public async Task TheBuiltToolSetsGetsAndReportsExitCodes()
    {
        var key = $"proc-{Guid.NewGuid():N}"[..14];
        var port = fixture.Broker.Port.ToString(CultureInfo.InvariantCulture);
        var set = await RunAsync("state", "set", key, "from a process", "--host", "127.0.0.1", "--port", port);
        Assert.True(set.ExitCode == ExitCodes.Success, set.ToString());

        var get = await RunAsync("state", "get", key, "--json", "--host", "127.0.0.1", "--port", port);
        Assert.True(get.ExitCode == ExitCodes.Success, get.ToString());
        Assert.Equal("from a process", (string?)get.Json["value"]);
        Assert.DoesNotContain("\u001b[", get.Out, StringComparison.Ordinal);

        var refused = await RunAsync("state", "get", key, "--host", "127.0.0.1", "--port", FreePort.Get().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(ExitCodes.ConnectionFailed, refused.ExitCode);
        Assert.Contains("cannot connect", refused.Error, StringComparison.Ordinal);

        var bad = await RunAsync("state", "frobnicate");
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
    }

    [Fact]
    public async Task CtrlCEndsAWatchWithExitCodeZero()
    {
        var key = $"sig-{Guid.NewGuid():N}"[..13];
        var port = fixture.Broker.Port.ToString(CultureInfo.InvariantCulture);
        using var process = Start("state", "watch", key, "--host", "127.0.0.1", "--port", port);
        var error = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                error.Enqueue(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            using (var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
            {
                guard.CancelAfter(TimeSpan.FromSeconds(60));
                while (!error.Any(l => l.Contains("watching", StringComparison.Ordinal)))
                {
                    Assert.False(process.HasExited, $"exited early: {string.Join('\n', error)}");
                    await Task.Delay(50, guard.Token);
                }
            }

            Assert.Equal(ExitCodes.Success, (await new CliRunner(fixture.Broker.Port).RunAsync("state", "set", key, "v")).ExitCode);
            Assert.Equal(0, Kill(process.Id, 2));
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.Equal(ExitCodes.Success, process.ExitCode);
            Assert.Contains($"{key}  UPDATED  v", await output, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process Start(params string[] args)
    {
        // A shell that runs tests in the background leaves SIGINT ignored, and children inherit that: reset it so Ctrl+C works.
        var startInfo = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--default-signal=INT,TERM");
        startInfo.ArgumentList.Add("dotnet");
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "OrleansAio.Cli.dll"));
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var variable in startInfo.Environment.Keys.Where(k => k.StartsWith("AIO_", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(variable);
        }

        return Process.Start(startInfo) ?? throw new InvalidOperationException("could not start dotnet");
    }

    private static async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

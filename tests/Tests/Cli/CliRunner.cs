using System.Collections;
using System.Text;
using System.Text.Json.Nodes;
using OrleansAio.Cli;
using OrleansAio.Cli.Common;

namespace OrleansAio.Tests.Cli;

/// <summary>A text writer that many threads may write while a test reads what was written.</summary>
internal sealed class CapturedWriter : TextWriter
{
    private readonly StringBuilder text = new();
    private readonly Lock gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (gate)
            {
                return text.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (gate)
        {
            text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (gate)
        {
            text.Append(value);
        }
    }
}

/// <summary>The outcome of one CLI run: exit code and captured output.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>The one JSON object standard output holds.</summary>
    public JsonObject Json => Assert.IsType<JsonObject>(JsonNode.Parse(Assert.Single(Lines)));

    /// <summary>Standard output's non-empty lines.</summary>
    public IReadOnlyList<string> Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>A CLI run in progress (a watch), with its output readable while it runs.</summary>
internal sealed class RunningCli(Task<int> run, CapturedWriter output, CapturedWriter error, CancellationTokenSource stop) : IDisposable
{
    public string Out => output.Text;

    public string Error => error.Text;

    /// <summary>Waits until standard error says the watch is registered.</summary>
    public async Task WaitUntilWatchingAsync()
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        while (!Error.Contains("watching", StringComparison.Ordinal))
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"The CLI ended before watching: exit {await run}\n{Out}\n{Error}");
            }

            await Task.Delay(20, guard.Token);
        }
    }

    /// <summary>Waits for the run to end on its own (a --count watch).</summary>
    public async Task<CliResult> WaitAsync()
    {
        var code = await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return new CliResult(code, Out, Error);
    }

    /// <summary>Cancels the run as Ctrl+C does and waits for it.</summary>
    public async Task<CliResult> InterruptAsync()
    {
        await stop.CancelAsync();
        return await WaitAsync();
    }

    public void Dispose() => stop.Dispose();
}

/// <summary>Runs the CLI's entry point in process with captured output, against a broker on a loopback port.</summary>
/// <param name="port">The broker's port, passed as <c>--port</c> (none when 0).</param>
/// <param name="environment">The environment the CLI sees (default: none).</param>
internal sealed class CliRunner(int port, IDictionary? environment = null)
{
    public async Task<CliResult> RunAsync(params string[] args) => await RunAsync(args, stdin: string.Empty);

    public async Task<CliResult> RunAsync(string[] args, string stdin)
    {
        var output = new CapturedWriter();
        var error = new CapturedWriter();
        var code = await AioCli.RunAsync(Arguments(args), Console(output, error, stdin), TestContext.Current.CancellationToken);
        return new CliResult(code, output.Text, error.Text);
    }

    /// <summary>Starts a run (a watch) that goes on until it ends or is interrupted.</summary>
    public RunningCli Start(params string[] args)
    {
        var output = new CapturedWriter();
        var error = new CapturedWriter();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = Task.Run(() => AioCli.RunAsync(Arguments(args), Console(output, error, string.Empty), stop.Token));
        return new RunningCli(run, output, error, stop);
    }

    private string[] Arguments(string[] args) => port == 0 ? args : [.. args, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private CliConsole Console(TextWriter output, TextWriter error, string stdin) =>
        new(output, error, new StringReader(stdin), environment ?? new Hashtable(), IsTerminal: false);
}

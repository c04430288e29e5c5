using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace OrleansAio.Tests.Fixtures;

/// <summary>
/// The real silo program (<c>OrleansAio.Silo</c>, copied beside the tests) run as a child process, with its output collected so
/// tests can wait for log lines and read the one-line start-up errors.
/// </summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigInt = 2;
    private readonly Process process;
    private readonly ConcurrentQueue<string> stdout = new();
    private readonly ConcurrentQueue<string> stderr = new();
    private readonly SemaphoreSlim lineArrived = new(0);

    private SiloProcess(Process process)
    {
        this.process = process;
    }

    /// <summary>Every line written to standard output so far.</summary>
    public IReadOnlyList<string> StandardOutput => stdout.ToArray();

    /// <summary>Every line written to standard error so far.</summary>
    public IReadOnlyList<string> StandardError => stderr.ToArray();

    /// <summary>Starts the silo program with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static SiloProcess Start(string workingDirectory, params string[] args) => StartProgram("OrleansAio.Silo.dll", workingDirectory, args);

    /// <summary>Starts another program (a sample) the same way.</summary>
    /// <param name="assemblyFileName">The program's assembly: a file name beside the tests, or a full path to its own build output.</param>
    /// <param name="workingDirectory">Its working directory.</param>
    /// <param name="args">Its arguments.</param>
    /// <returns>The running program.</returns>
    public static SiloProcess StartProgram(string assemblyFileName, string workingDirectory, params string[] args)
    {
        // A shell that runs tests in the background leaves SIGINT ignored, and children inherit that: reset it so Ctrl+C works.
        var startInfo = new ProcessStartInfo("env")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--default-signal=INT,TERM");
        startInfo.ArgumentList.Add("dotnet");
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assemblyFileName));
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var silo = new SiloProcess(process);
        process.OutputDataReceived += (_, e) => silo.Collect(silo.stdout, e.Data);
        process.ErrorDataReceived += (_, e) => silo.Collect(silo.stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits until a line of standard output contains <paramref name="text"/>; fails if the process exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (!stdout.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"The silo exited with {process.ExitCode} before writing '{text}'. stderr: {string.Join(" | ", stderr)} stdout: {string.Join(" | ", stdout.TakeLast(20))}");
            }

            try
            {
                await lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The silo did not write '{text}' within {timeout}. stdout: {string.Join(" | ", stdout.TakeLast(20))}");
            }
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code; kills it and fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The silo did not exit within {timeout}.");
        }

        // WaitForExitAsync returns once the streams are drained as well.
        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager or <c>docker stop</c> does.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt() => Signal(SigInt);

    /// <summary>Kills the process at once (SIGKILL): a crash, as far as the silo can tell.</summary>
    public void Crash() => process.Kill(entireProcessTree: true);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        lineArrived.Dispose();
    }

    private void Collect(ConcurrentQueue<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lines.Enqueue(line);
        lineArrived.Release();
    }

    private void Signal(int signal)
    {
        if (Kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

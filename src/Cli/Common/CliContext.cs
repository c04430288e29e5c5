using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Abstractions.Common;
using OrleansAio.Cli.Output;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.Connection;
using OrleansAio.Protocol.Session;

namespace OrleansAio.Cli.Common;

/// <summary>What one command invocation works with: its parsed arguments, output, timeouts, logging and the MQTT connection.</summary>
public sealed class CliContext : IAsyncDisposable
{
    private readonly GlobalOptions global;
    private readonly List<IAsyncDisposable> owned = [];

    /// <summary>Creates the context of one invocation.</summary>
    /// <param name="parse">The parse result.</param>
    /// <param name="console">The console.</param>
    /// <param name="global">The global options.</param>
    /// <param name="cancellationToken">Cancelled by Ctrl+C or SIGTERM (or the caller, in process).</param>
    public CliContext(ParseResult parse, CliConsole console, GlobalOptions global, CancellationToken cancellationToken)
    {
        this.global = global;
        Parse = parse;
        Console = console;
        CancellationToken = cancellationToken;
        Output = new CliOutput(console, parse.GetValue(global.Json));
        Timeout = parse.GetValue(global.Timeout) ?? TimeSpan.FromSeconds(10);
        LoggerFactory = parse.GetValue(global.Verbose)
            ? new TextWriterLoggerFactory(console.Error, LogLevel.Debug)
            : NullLoggerFactory.Instance;
    }

    /// <summary>The parse result.</summary>
    public ParseResult Parse { get; }

    /// <summary>The console.</summary>
    public CliConsole Console { get; }

    /// <summary>The output.</summary>
    public CliOutput Output { get; }

    /// <summary>The per-request timeout (<c>--timeout</c>).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Logging for the protocol clients (to standard error with <c>--verbose</c>, otherwise nowhere).</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Cancelled by Ctrl+C or SIGTERM.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The protocol clients' application context (clock and HLC).</summary>
    public ApplicationContext Application { get; } = new();

    /// <summary>Connects one MQTT session with the connection options; it is disconnected when the context is disposed.</summary>
    /// <returns>The connected session.</returns>
    /// <exception cref="CliException">Bad settings (bad input), or the broker refused or could not be reached (connection failed).</exception>
    public async Task<MqttSessionClient> ConnectAsync()
    {
        var settings = global.Connection.Build(Parse, Console.Environment);
        var connectTimeout = Parse.GetValue(global.Connection.ConnectTimeout) ?? TimeSpan.FromSeconds(10);
        var session = new MqttSessionClient(
            new MqttSessionClientOptions { MetricCategory = "aio-cli", ConnectionAttemptTimeout = connectTimeout },
            LoggerFactory,
            Application.TimeProvider);
        owned.Add(session);
        using var timer = new CancellationTokenSource(connectTimeout, Application.TimeProvider);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, timer.Token);
        var where = $"{settings.HostName}:{settings.TcpPort}{(settings.UseTls ? " (TLS)" : string.Empty)}";
        try
        {
            await session.ConnectAsync(settings, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!CancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.ConnectionFailed, $"cannot connect to {where}: no answer within {Durations.Format(connectTimeout)}", ex);
        }
        catch (MqttConnectionSettingsException ex)
        {
            throw CliException.BadInput($"connection settings: {ex.Message}", ex);
        }
        catch (AioProtocolException ex) when (ex.Kind == AioErrorKind.ConfigurationInvalid)
        {
            throw CliException.BadInput($"connection settings: {ex.Message}", ex);
        }
        catch (AioProtocolException ex)
        {
            throw new CliException(ExitCodes.ConnectionFailed, $"cannot connect to {where}: {Innermost(ex)}", ex);
        }

        return session;
    }

    /// <summary>Disposes <paramref name="item"/> (before the session) when the context is disposed.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="item">A protocol client.</param>
    /// <returns>The item.</returns>
    public T Own<T>(T item)
        where T : IAsyncDisposable
    {
        owned.Insert(0, item);
        return item;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            try
            {
                await item.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AioProtocolException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // Closing after a failure: the failure has been reported already.
            }
        }

        LoggerFactory.Dispose();
    }

    private static string Innermost(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner.Message;
    }
}

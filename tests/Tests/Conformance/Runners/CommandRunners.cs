using OrleansAio.Tests.Conformance.Infrastructure;
using OrleansAio.Tests.Conformance.Model;

namespace OrleansAio.Tests.Conformance.Runners;

/// <summary>Runs <c>CommandExecutor</c> cases (the executor envoy is not merged yet).</summary>
internal sealed class CommandExecutorRunner(MetlCase metlCase, CancellationToken cancellationToken) : MetlRunner(metlCase, cancellationToken)
{
    /// <inheritdoc />
    protected override Task<bool> RunPrologueAsync() =>
        throw new MetlCheckFailedException("the CommandExecutor envoy (branch 'protocol') is not merged into this branch yet");

    /// <inheritdoc />
    protected override Task RunEpilogueAsync(MetlEpilogue epilogue) => Task.CompletedTask;

    /// <inheritdoc />
    protected override ValueTask DisposeComponentsAsync() => ValueTask.CompletedTask;
}

/// <summary>Runs <c>CommandInvoker</c> cases (the invoker envoy is not merged yet).</summary>
internal sealed class CommandInvokerRunner(MetlCase metlCase, CancellationToken cancellationToken) : MetlRunner(metlCase, cancellationToken)
{
    /// <inheritdoc />
    protected override Task<bool> RunPrologueAsync() =>
        throw new MetlCheckFailedException("the CommandInvoker envoy (branch 'protocol') is not merged into this branch yet");

    /// <inheritdoc />
    protected override Task RunEpilogueAsync(MetlEpilogue epilogue) => Task.CompletedTask;

    /// <inheritdoc />
    protected override ValueTask DisposeComponentsAsync() => ValueTask.CompletedTask;
}

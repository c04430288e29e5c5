using OrleansAio.Tests.Conformance.Model;
using OrleansAio.Tests.Conformance.Runners;

namespace OrleansAio.Tests.Conformance;

/// <summary>
/// Runs every METL case (protocol.md Part 2) against our envoys: one theory per suite, one row per case file.
/// </summary>
[Trait("Category", "Metl")]
public sealed class MetlConformanceTests
{
    public static TheoryData<string> CommandExecutorCases => MetlCaseSource.Rows(MetlSuite.CommandExecutor);

    public static TheoryData<string> CommandInvokerCases => MetlCaseSource.Rows(MetlSuite.CommandInvoker);

    public static TheoryData<string> TelemetryReceiverCases => MetlCaseSource.Rows(MetlSuite.TelemetryReceiver);

    public static TheoryData<string> TelemetrySenderCases => MetlCaseSource.Rows(MetlSuite.TelemetrySender);

    [Theory]
    [MemberData(nameof(CommandExecutorCases))]
    public Task CommandExecutor(string caseFile) => RunAsync(caseFile, MetlSuite.CommandExecutor);

    [Theory]
    [MemberData(nameof(CommandInvokerCases))]
    public Task CommandInvoker(string caseFile) => RunAsync(caseFile, MetlSuite.CommandInvoker);

    [Theory]
    [MemberData(nameof(TelemetryReceiverCases))]
    public Task TelemetryReceiver(string caseFile) => RunAsync(caseFile, MetlSuite.TelemetryReceiver);

    [Theory]
    [MemberData(nameof(TelemetrySenderCases))]
    public Task TelemetrySender(string caseFile) => RunAsync(caseFile, MetlSuite.TelemetrySender);

    private static Task RunAsync(string caseFile, MetlSuite suite) =>
        MetlRunner.RunAsync(MetlCaseSource.Load(caseFile, suite), TestContext.Current.CancellationToken);
}

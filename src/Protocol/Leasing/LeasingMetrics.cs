using System.Diagnostics.Metrics;
using OrleansAio.Protocol.Diagnostics;

namespace OrleansAio.Protocol.Leasing;

/// <summary>
/// The lease instruments on <see cref="ProtocolDiagnostics.Meter"/>, shared by the wire lease client (<see cref="LeaseLockClient"/>),
/// the lease grain and automatic renewal, so a dashboard shows acquisitions, renewals and losses whichever path an app uses.
/// </summary>
public static class LeasingMetrics
{
    /// <summary>The tag naming the lease.</summary>
    public const string LeaseNameTag = "aio.lease.name";

    /// <summary>The tag saying what an attempt came to: <c>acquired</c>, <c>held_by_other</c>, <c>renewed</c>, <c>not_renewed</c>.</summary>
    public const string OutcomeTag = "aio.lease.outcome";

    private static readonly Counter<long> Acquisitions = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.lease.acquisitions", unit: "{attempt}", description: "Lease acquire attempts by lease and outcome (acquired or held_by_other).");

    private static readonly Counter<long> Renewals = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.lease.renewals", unit: "{renewal}", description: "Lease renewals by lease and outcome (renewed or not_renewed).");

    private static readonly Counter<long> Losses = ProtocolDiagnostics.Meter.CreateCounter<long>(
        "aio.lease.losses", unit: "{loss}", description: "Automatically renewed leases lost, by lease and reason.");

    /// <summary>Records the end of an acquire attempt.</summary>
    /// <param name="leaseName">The lease.</param>
    /// <param name="acquired">Whether it was acquired.</param>
    public static void RecordAcquire(string leaseName, bool acquired) =>
        Acquisitions.Add(1, new KeyValuePair<string, object?>(LeaseNameTag, leaseName), new KeyValuePair<string, object?>(OutcomeTag, acquired ? "acquired" : "held_by_other"));

    /// <summary>Records a renewal.</summary>
    /// <param name="leaseName">The lease.</param>
    /// <param name="renewed">Whether the holder still has it.</param>
    public static void RecordRenewal(string leaseName, bool renewed) =>
        Renewals.Add(1, new KeyValuePair<string, object?>(LeaseNameTag, leaseName), new KeyValuePair<string, object?>(OutcomeTag, renewed ? "renewed" : "not_renewed"));

    /// <summary>Records the loss of an automatically renewed lease.</summary>
    /// <param name="leaseName">The lease.</param>
    /// <param name="reason">Why it was lost.</param>
    public static void RecordLoss(string leaseName, LeaseLossReason reason) =>
        Losses.Add(1, new KeyValuePair<string, object?>(LeaseNameTag, leaseName), new KeyValuePair<string, object?>("aio.lease.loss_reason", reason.ToString()));
}

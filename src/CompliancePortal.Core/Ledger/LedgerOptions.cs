namespace CompliancePortal.Core.Ledger;

/// <summary>Configuration section "Ledger": how the batching writer groups commits.</summary>
public sealed class LedgerOptions : ISettings
{
    public const string Section = "Ledger";

    static string ISettings.Section => Section;

    public string? Problem() =>
        MaxBatchEvents <= 0 || MaxQueuedEvents <= 0 || MaxLingerMilliseconds < 0
        ? "Ledger limits (MaxBatchEvents, MaxQueuedEvents, MaxLingerMilliseconds) must be positive"
        : null;

    /// <summary>Most events in one transaction.</summary>
    public int MaxBatchEvents { get; set; } = 5000;

    /// <summary>How long the writer waits for more events before committing a small batch.</summary>
    public int MaxLingerMilliseconds { get; set; } = 1;

    /// <summary>
    /// Batches being written at once: a batch is COPYed on its own connection while the one
    /// before it commits, so PostgreSQL's work on consecutive batches overlaps. 1 writes one
    /// batch at a time.
    /// </summary>
    public int PipelineDepth { get; set; } = 3;

    /// <summary>Events waiting for a commit before new requests are refused with 503.</summary>
    public int MaxQueuedEvents { get; set; } = 100_000;
}

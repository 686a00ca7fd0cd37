namespace CompliancePortal.Core.Ledger;

/// <summary>Configuration section "Ledger": how the batching writer groups commits.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>Most events in one transaction.</summary>
    public int MaxBatchEvents { get; set; } = 5000;

    /// <summary>How long the writer waits for more events before committing a small batch.</summary>
    public int MaxLingerMilliseconds { get; set; } = 1;

    /// <summary>Events waiting for a commit before new requests are refused with 503.</summary>
    public int MaxQueuedEvents { get; set; } = 100_000;
}

namespace CompliancePortal.Core.Search;

/// <summary>Configuration section "Search": the full-text indexer behind the ledger and how far it may fall behind.</summary>
public sealed class SearchOptions : ISettings
{
    public const string Section = "Search";

    static string ISettings.Section => Section;

    public string? Problem() =>
        MaxUnindexed <= 0 ? "Search:MaxUnindexed must be positive"
        : IndexBatchSize <= 0 ? "Search:IndexBatchSize must be positive"
        : IndexIntervalMilliseconds <= 0 ? "Search:IndexIntervalMilliseconds must be positive"
        : null;

    /// <summary>
    /// Entries committed but not yet in the full-text index beyond which ingest answers 503 until
    /// the indexer catches up: it bounds the part every full-text search computes itself.
    /// </summary>
    public long MaxUnindexed { get; set; } = 200_000;

    /// <summary>
    /// Whether this instance may fill the index (one instance of the cluster does at a time,
    /// whichever holds the lease); false leaves it to others, e.g. a dedicated instance.
    /// </summary>
    public bool Indexing { get; set; } = true;

    /// <summary>Most entries the indexer adds in one transaction.</summary>
    public int IndexBatchSize { get; set; } = 20_000;

    /// <summary>
    /// How long the indexer waits after a batch that was not full (and how often a standby instance
    /// tries to take over). Every full-text search computes the entries of about one interval: at
    /// 10,000 events/s, 1,000 entries, about 10 ms of PostgreSQL per statement.
    /// </summary>
    public int IndexIntervalMilliseconds { get; set; } = 100;
}

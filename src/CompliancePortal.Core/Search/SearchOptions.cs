namespace CompliancePortal.Core.Search;

/// <summary>Configuration section "Search": the full-text indexer behind the ledger and how far it may fall behind.</summary>
public sealed class SearchOptions : ISettings
{
    public const string Section = "Search";

    static string ISettings.Section => Section;

    public string? Problem() =>
        MaxUnindexed <= 0 ? "Search:MaxUnindexed must be positive"
        : MaxUnvectorized <= 0 ? "Search:MaxUnvectorized must be positive"
        : UnvectorizedWaitMilliseconds < 0 ? "Search:UnvectorizedWaitMilliseconds must not be negative"
        : IndexBatchSize <= 0 ? "Search:IndexBatchSize must be positive"
        : IndexIntervalMilliseconds <= 0 ? "Search:IndexIntervalMilliseconds must be positive"
        : null;

    /// <summary>
    /// Entries committed but not yet in the GIN index beyond which ingest answers 503 until the
    /// indexer catches up: it bounds the stored vectors every full-text search scans (about 40 ms
    /// for 200,000).
    /// </summary>
    public long MaxUnindexed { get; set; } = 200_000;

    /// <summary>
    /// Entries committed whose vector is not yet stored beyond which ingest requests wait (<see cref="VectorBacklogGate"/>): it bounds the part every full-text search
    /// computes itself (about 8.5 us an entry at 10,000,000 entries, 8.5 ms for 1,000). The first
    /// stage leaves about one interval of entries and its own batch: 300-400 at 10,000 events/s.
    /// </summary>
    public long MaxUnvectorized { get; set; } = 1_000;

    /// <summary>
    /// How long an ingest request waits for the lag to come under <see cref="MaxUnvectorized"/> before it is
    /// answered 503 (the indexer is down or cannot keep up); each round of the indexer reads the lag again.
    /// </summary>
    public int UnvectorizedWaitMilliseconds { get; set; } = 1_000;

    /// <summary>
    /// Whether this instance may fill the index (one instance of the cluster does at a time,
    /// whichever holds the lease); false leaves it to others, e.g. a dedicated instance.
    /// </summary>
    public bool Indexing { get; set; } = true;

    /// <summary>
    /// Most entries each stage of the indexer handles in one transaction. The second stage runs
    /// when this many vectors are stored or ten intervals have passed; the first runs again before
    /// each of its batches, so this also bounds how long new entries wait for their vector while
    /// the GIN index catches up (2,000 moved take about 40 ms).
    /// </summary>
    public int IndexBatchSize { get; set; } = 2_000;

    /// <summary>
    /// How long the indexer waits after a round whose batches were not full (and how often a
    /// standby instance tries to take over). The vectors' stage does not wait while its lag is
    /// over <see cref="MaxUnvectorized"/>: that holds ingest requests until a reading under it.
    /// </summary>
    public int IndexIntervalMilliseconds { get; set; } = 25;
}

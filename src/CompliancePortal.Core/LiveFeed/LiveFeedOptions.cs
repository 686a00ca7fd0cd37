namespace CompliancePortal.Core.LiveFeed;

/// <summary>Configuration section "LiveFeed": how the ledger follower wakes and how much the hub hands out.</summary>
public sealed class LiveFeedOptions : ISettings
{
    public const string Section = "LiveFeed";

    static string ISettings.Section => Section;

    public string? Problem() =>
        PollIntervalMilliseconds > 0 && ReconnectDelayMilliseconds >= 0 && PageSize > 0 && MaxEntriesPerCall > 0
        ? null
        : "LiveFeed intervals and sizes (PollIntervalMilliseconds, ReconnectDelayMilliseconds, PageSize, MaxEntriesPerCall) must be positive";

    /// <summary>
    /// Fallback poll: the follower reads the ledger at least this often even if no NOTIFY or
    /// in-process signal arrives (a notification lost while its LISTEN connection was down).
    /// </summary>
    public int PollIntervalMilliseconds { get; set; } = 5000;

    /// <summary>Wait before opening a new LISTEN connection after one dropped.</summary>
    public int ReconnectDelayMilliseconds { get; set; } = 1000;

    /// <summary>Most rows the follower reads per query (it reads again while pages come back full).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>Most entries one hub call (Recent, Since) returns.</summary>
    public int MaxEntriesPerCall { get; set; } = 1000;
}

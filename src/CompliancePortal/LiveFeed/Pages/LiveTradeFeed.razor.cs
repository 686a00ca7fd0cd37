using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.LiveFeed;
using Microsoft.AspNetCore.Components;

namespace CompliancePortal.LiveFeed.Pages;

/// <summary>
/// The live trade feed. On open it loads the last <see cref="MaxRows"/> entries of the selected
/// log type (trades by default), then adds every newly committed entry the ledger follower
/// publishes through <see cref="LedgerFeed"/> (the Blazor circuit carries them to the browser).
/// Entries are kept by seq, so one seen both in the history and live is shown once.
/// </summary>
public partial class LiveTradeFeed : IDisposable
{
    private const int MaxPending = 10_000;
    private readonly List<FeedEntry> _rows = [];      // newest first, all of the selected log type
    private readonly List<FeedEntry> _pending = [];   // arrived while paused, oldest first
    private readonly List<FeedEntry> _early = [];     // arrived while the history was loading
    private readonly HashSet<long> _fresh = [];
    private IDisposable? _subscription;
    private long _highestSeq;
    private bool _loading = true;
    private bool _paused;
    private string _logType = LogTypes.Trade;
    private string _level = FeedFilters.All;
    private string? _asset;

    [Inject] private LedgerFeed Feed { get; set; } = default!;

    [Inject] private IFeedHistory History { get; set; } = default!;

    /// <summary>How many rows are kept and shown (the seed's panel shows the last 50 trades).</summary>
    [Parameter] public int MaxRows { get; set; } = 50;

    /// <summary>Shows the filters and the pause button; the dashboard's panel hides them.</summary>
    [Parameter] public bool ShowControls { get; set; } = true;

    /// <summary>Entries that would show if the feed resumed now.</summary>
    public int WaitingCount => _pending.Count(Matches);

    private IEnumerable<FeedEntry> VisibleRows => _rows.Where(Matches);

    protected override async Task OnInitializedAsync()
    {
        // Subscribe before loading the history: nothing committed in between is lost, and
        // anything in both is dropped by seq.
        _subscription = Feed.Subscribe(batch => InvokeAsync(() => OnCommitted(batch)));
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _loading = true;
        _rows.Clear();
        _pending.Clear();
        _fresh.Clear();
        var history = await History.RecentAsync(MaxRows, _logType.Length == 0 ? null : _logType);
        _rows.AddRange(history.Reverse());
        var loaded = history.Count > 0 ? history[^1].Seq : 0;
        var early = _early.Where(e => e.Seq > loaded && OfLogType(e)).ToList();
        _highestSeq = Math.Max(_highestSeq, Math.Max(loaded, _early.Count > 0 ? _early.Max(e => e.Seq) : 0));
        _early.Clear();
        _loading = false;
        Show(early);
    }

    private void OnCommitted(IReadOnlyList<FeedEntry> batch)
    {
        if (_loading)
        {
            _early.AddRange(batch);
            return;
        }
        var added = batch.Where(e => e.Seq > _highestSeq && OfLogType(e)).ToList();
        if (batch.Count > 0) _highestSeq = Math.Max(_highestSeq, batch[^1].Seq);
        if (added.Count == 0) return;
        if (_paused)
        {
            _pending.AddRange(added);
            // A long pause keeps the newest entries only; resuming shows at most MaxRows anyway.
            if (_pending.Count > MaxPending) _pending.RemoveRange(0, _pending.Count - MaxPending);
        }
        else
        {
            Show(added);
        }
        StateHasChanged();
    }

    private void Show(IEnumerable<FeedEntry> entries)
    {
        foreach (var entry in entries)
        {
            _rows.Insert(0, entry);
            _fresh.Add(entry.Seq);
        }
        while (_rows.Count > MaxRows)
        {
            _fresh.Remove(_rows[^1].Seq);
            _rows.RemoveAt(_rows.Count - 1);
        }
    }

    private void Pause() => _paused = true;

    private void Resume()
    {
        _paused = false;
        _fresh.Clear();   // only what was waiting is highlighted
        Show(_pending);
        _pending.Clear();
    }

    private async Task OnLogTypeChangedAsync(string logType)
    {
        _logType = logType;
        await LoadAsync();
    }

    private void OnLevelChanged(string level)
    {
        _level = level;
        _fresh.Clear();
    }

    private void OnAssetChanged(string? asset)
    {
        _asset = string.IsNullOrWhiteSpace(asset) ? null : asset.Trim();
        _fresh.Clear();
    }

    private bool OfLogType(FeedEntry e) => _logType.Length == 0 || e.LogType == _logType;

    private bool Matches(FeedEntry e) =>
        (_level.Length == 0 || e.Level == _level)
        && (_asset is null || (e.Text("asset")?.StartsWith(_asset, StringComparison.OrdinalIgnoreCase) ?? false));

    public void Dispose() => _subscription?.Dispose();
}

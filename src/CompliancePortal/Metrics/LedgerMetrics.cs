using System.Globalization;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.LiveFeed;

namespace CompliancePortal.Metrics;

/// <summary>
/// Makes the seed's "metrics from logs" out of committed entries as the live feed hands them over,
/// on every instance alike (each follows the whole ledger), so a scrape of any instance tells the same.
/// </summary>
internal sealed class LedgerMetrics(LedgerFeed feed, PortalMetrics metrics) : IHostedService
{
    // Label values come from sources; past this many per label a value is counted as "other".
    private const int MaxLabelValues = 200;

    private readonly Dictionary<string, HashSet<string>> _labelValues = [];
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(batch =>
        {
            foreach (var entry in batch) Count(entry);
            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void Count(FeedEntry entry)
    {
        metrics.EventsCommitted.WithLabels(entry.LogType).Inc();
        if (entry.Level is "ERROR" or "CRITICAL") metrics.Errors.WithLabels(Label("error_type", entry.Event)).Inc();
        if (entry is { LogType: LogTypes.Trade, Event: "trade_executed" })
        {
            metrics.Trades.WithLabels(Label("asset", entry.Text("asset") ?? ""), Label("action", entry.Text("action") ?? "")).Inc();
            if (DateTimeOffset.TryParse(entry.Text("fill_timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var filled)
                && filled >= entry.Timestamp)
                metrics.TradeLatency.Observe((filled - entry.Timestamp).TotalSeconds);
        }
        if (entry is { LogType: LogTypes.System, Event: "api_call" } && entry.Number("latency_ms") is { } latency and >= 0)
            metrics.ApiLatency.WithLabels(Label("endpoint", entry.Text("endpoint") ?? "")).Observe(latency / 1000);
        var nav = entry is { LogType: LogTypes.Nav, Event: "nav_calculated" } ? entry.Number("nav")
            : entry.LogType == LogTypes.Trade ? entry.Number("portfolio_nav_after") : null;
        if (nav is { } value) metrics.PortfolioNav.Set(value);
    }

    private string Label(string label, string value)
    {
        // Called from the feed's publisher only, one batch at a time: no lock needed.
        if (!_labelValues.TryGetValue(label, out var seen)) _labelValues[label] = seen = [];
        return seen.Contains(value) || (seen.Count < MaxLabelValues && seen.Add(value)) ? value : "other";
    }
}

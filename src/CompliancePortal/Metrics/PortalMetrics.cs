using Prometheus;

namespace CompliancePortal.Metrics;

/// <summary>
/// The portal's Prometheus metrics, in a registry of its own (one per portal, not the process-wide
/// default): the seed's trading metrics made from committed ledger entries, and the portal's own.
/// </summary>
public sealed class PortalMetrics
{
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    // The seed's "Metrics from Logs", named as the seed names them.
    public Counter Trades { get; }
    public Histogram TradeLatency { get; }
    public Gauge PortfolioNav { get; }
    public Counter Errors { get; }

    /// <summary>SYSTEM api_call latency_ms, for the seed's "API Latency (p50, p95, p99)" panel.</summary>
    public Histogram ApiLatency { get; }

    public Counter EventsCommitted { get; }
    public Histogram IngestBatchEvents { get; }
    public Histogram IngestCommitSeconds { get; }
    public Histogram IngestHeldSeconds { get; }
    public Gauge WriterQueuedEvents { get; }
    public Gauge IndexLag { get; }
    public Gauge VectorLag { get; }
    public Gauge IndexerStagesHeld { get; }
    public Gauge LiveFeedSubscribers { get; }
    public Gauge AlertsOpen { get; }
    public Gauge Jobs { get; }

    public PortalMetrics()
    {
        var make = Prometheus.Metrics.WithCustomRegistry(Registry);
        Trades = make.CreateCounter("trades_total", "Total trades (trade_executed entries)", "asset", "action");
        TradeLatency = make.CreateHistogram("trade_latency_seconds", "Trade execution time: fill_timestamp minus the order's timestamp");
        PortfolioNav = make.CreateGauge("portfolio_nav", "Current NAV: the last nav_calculated nav or trade portfolio_nav_after");
        Errors = make.CreateCounter("errors_total", "Total errors (ERROR and CRITICAL entries) by event", "error_type");
        ApiLatency = make.CreateHistogram("api_latency_seconds", "Broker and data API call latency (SYSTEM api_call latency_ms)",
            new HistogramConfiguration { LabelNames = ["endpoint"], Buckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

        EventsCommitted = make.CreateCounter("compliance_portal_events_committed_total", "Ledger entries committed", "log_type");
        IngestBatchEvents = make.CreateHistogram("compliance_portal_ingest_batch_events", "Events per accepted ingest request",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 4, 9) });
        IngestCommitSeconds = make.CreateHistogram("compliance_portal_ingest_commit_seconds", "Time from an ingest request's events being valid to their commit");
        IngestHeldSeconds = make.CreateHistogram("compliance_portal_ingest_held_seconds",
            "Time an ingest request waited at the vectors' bound (Search:MaxUnvectorized) before it went on or was refused; requests that did not wait are not counted",
            new HistogramConfiguration { Buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        WriterQueuedEvents = make.CreateGauge("compliance_portal_writer_queued_events", "Events waiting for the ledger writer");
        IndexLag = make.CreateGauge("compliance_portal_index_lag_entries", "Ledger entries not yet in the full-text GIN index (search still finds them)");
        VectorLag = make.CreateGauge("compliance_portal_index_vector_lag_entries", "Ledger entries without a stored full-text vector yet (each search computes them)");
        IndexerStagesHeld = make.CreateGauge("compliance_portal_indexer_stage_held", "1 while this instance runs that full-text indexer stage (holds its lease); summed over the instances, 1 each", "stage");
        LiveFeedSubscribers = make.CreateGauge("compliance_portal_live_feed_subscribers", "Open subscriptions to the live feed (pages, hub connections, the portal's own watchers)");
        AlertsOpen = make.CreateGauge("compliance_portal_alerts_open", "Open alerts", "severity");
        Jobs = make.CreateGauge("compliance_portal_jobs", "Background jobs by state, as Hangfire counts them", "state");
    }
}

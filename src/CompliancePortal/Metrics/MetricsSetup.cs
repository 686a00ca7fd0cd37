using System.Net;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.LiveFeed;
using CompliancePortal.Core.Search;
using Hangfire;

namespace CompliancePortal.Metrics;

/// <summary>
/// GET /metrics in Prometheus's text format (prometheus-net). Scraped without a browser session:
/// with <see cref="MetricsOptions.BearerToken"/> set, by that token; otherwise only from this machine.
/// </summary>
public static class MetricsSetup
{
    public static void AddMetrics(this WebApplicationBuilder builder)
    {
        builder.AddSettings<MetricsOptions>();
        builder.Services.AddSingleton<PortalMetrics>();
        builder.Services.AddHostedService<LedgerMetrics>();
    }

    public static void MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (HttpContext http, PortalMetrics metrics, MetricsOptions options, IServiceProvider services) =>
        {
            if (!string.IsNullOrEmpty(options.BearerToken))
            {
                if (!HasToken(http, options.BearerToken))
                    return Problems.Unauthorized("Send the metrics token (Metrics:BearerToken) as Authorization: Bearer.");
            }
            else if (!IsLocal(http))
                return Problems.Forbidden("Without Metrics:BearerToken set, metrics are served only to this machine, not through a proxy.");

            await ReadGaugesAsync(metrics, services, http.RequestAborted);
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
            return Results.Empty;
        }).AllowAnonymous();
    }

    private static bool HasToken(HttpContext http, string token)
    {
        var sent = http.Request.Headers.Authorization.ToString();
        return sent.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(sent["Bearer ".Length..].Trim()), System.Text.Encoding.UTF8.GetBytes(token));
    }

    private static bool IsLocal(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip) && !http.Request.Headers.ContainsKey("X-Forwarded-For");

    /// <summary>The gauges read at scrape time. One that cannot be read now (database down) keeps its last value.</summary>
    private static async Task ReadGaugesAsync(PortalMetrics metrics, IServiceProvider services, CancellationToken ct)
    {
        metrics.WriterQueuedEvents.Set(services.GetRequiredService<LedgerWriter>().QueuedEvents);
        var index = services.GetRequiredService<FullTextIndexer>();
        metrics.IndexLag.Set(index.Lag);
        metrics.VectorLag.Set(index.VectorLag);
        metrics.IndexerStagesHeld.WithLabels("vectors").Set(index.HoldsVectorsLease ? 1 : 0);
        metrics.IndexerStagesHeld.WithLabels("gin").Set(index.HoldsIndexLease ? 1 : 0);
        metrics.LiveFeedSubscribers.Set(services.GetRequiredService<LedgerFeed>().SubscriberCount);
        try
        {
            var open = await services.GetRequiredService<AlertService>().OpenBySeverityAsync(ct);
            foreach (var severity in AlertSeverities.All) metrics.AlertsOpen.WithLabels(severity).Set(open.GetValueOrDefault(severity));
            if (services.GetService<JobStorage>() is { } storage)
            {
                var jobs = storage.GetMonitoringApi().GetStatistics();
                metrics.Jobs.WithLabels("succeeded").Set(jobs.Succeeded);
                metrics.Jobs.WithLabels("failed").Set(jobs.Failed);
                metrics.Jobs.WithLabels("processing").Set(jobs.Processing);
                metrics.Jobs.WithLabels("scheduled").Set(jobs.Scheduled);
                metrics.Jobs.WithLabels("enqueued").Set(jobs.Enqueued);
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException)
        {
            // The scrape still answers with what the process knows; /healthz says the database is down.
        }
    }
}

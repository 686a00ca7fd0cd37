using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Core.Alerts;

/// <summary>
/// Sends alert notifications after commit: takes pending deliveries (the outbox the monitor
/// writes with each alert) with FOR UPDATE SKIP LOCKED, so portal instances share the work and
/// never send one twice at the same time, sends each and records the outcome, with a ledger
/// entry for each sent or finally failed notification. A failed attempt is tried again later,
/// the wait doubling, until Alerts:DeliveryAttempts. A process that dies after sending but
/// before recording sends that notification again: at least once, never silently dropped.
/// </summary>
public sealed class AlertNotifier(
    IDbContextFactory<PortalDbContext> contexts,
    AlertSender sender,
    AlertService alerts,
    ILedgerAppend ledger,
    UserActionLog log,
    TimeProvider time,
    IOptions<AlertsOptions> options,
    ILogger<AlertNotifier> logger) : BackgroundService
{
    public const string SentEvent = "alert_notification_sent";
    public const string FailedEvent = "alert_notification_failed";

    private const int BatchSize = 20;
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _wake = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Channels.Count == 0)
        {
            // Nothing can be sent: only settle what an earlier configuration left pending (as not configured), then stay idle.
            await SendDueAsync(stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            return;
        }
        alerts.Changed += Wake;
        var poll = TimeSpan.FromMilliseconds(options.Value.PollIntervalMilliseconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    while (await SendDueAsync(stoppingToken) == BatchSize) { }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Alert notifications could not be processed; retrying");
                }
                await _wake.WaitAsync(poll, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            alerts.Changed -= Wake;
        }
    }

    private void Wake()
    {
        try { _wake.Release(); }
        catch (SemaphoreFullException) { }
    }

    /// <summary>Sends the deliveries that are due; returns how many it took.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct = default)
    {
        var o = options.Value;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        var now = time.GetUtcNow();
        var due = await db.AlertDeliveries.FromSql(
            $"""
            SELECT * FROM alert_deliveries WHERE "Status" = 'Pending' AND "NextAttemptAt" <= {now}
            ORDER BY "Id" LIMIT {BatchSize} FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);
        if (due.Count == 0) return 0;
        var ids = due.Select(d => d.AlertId).Distinct().ToList();
        var byId = await db.Alerts.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        // Recorded after the sends: the first append holds the chain-head lock until the commit, and
        // a send (up to SendTimeout each) must not stall every other writer, ingest included.
        var outcomes = new List<(string Event, Alert Alert, AlertDelivery Delivery)>();
        foreach (var delivery in due)
        {
            var alert = byId[delivery.AlertId];
            var channel = o.ChannelNamed(delivery.Channel);
            delivery.Attempts++;
            if (channel is null)
            {
                // Removed from the configuration since the alert was raised.
                delivery.Status = DeliveryStatus.NotConfigured;
                continue;
            }
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(SendTimeout);
                await sender.SendAsync(channel, o.Smtp, alert, timeout.Token);
                delivery.Status = DeliveryStatus.Sent;
                delivery.SentAt = time.GetUtcNow();
                delivery.LastError = null;
                outcomes.Add((SentEvent, alert, delivery));
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                delivery.LastError = Trim(ex.Message);
                if (delivery.Attempts >= o.DeliveryAttempts)
                {
                    delivery.Status = DeliveryStatus.Failed;
                    logger.LogError(ex, "Alert {Alert} ({Rule}) could not be sent on {Channel} after {Attempts} attempts",
                        alert.Id, alert.Rule, delivery.Channel, delivery.Attempts);
                    outcomes.Add((FailedEvent, alert, delivery));
                }
                else
                {
                    delivery.NextAttemptAt = time.GetUtcNow() + TimeSpan.FromSeconds(o.RetryDelaySeconds * Math.Pow(2, delivery.Attempts - 1));
                    logger.LogWarning(ex, "Alert {Alert} not sent on {Channel} (attempt {Attempts}); trying again at {Next}",
                        alert.Id, delivery.Channel, delivery.Attempts, delivery.NextAttemptAt);
                }
            }
        }
        foreach (var (@event, alert, delivery) in outcomes) await RecordAsync(tx, @event, alert, delivery, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return due.Count;
    }

    private Task RecordAsync(LedgerTransaction tx, string @event, Alert alert, AlertDelivery delivery, CancellationToken ct) =>
        log.RecordAsync(tx, AlertMonitor.Monitor, @event, new
        {
            alert_id = alert.Id, rule = alert.Rule, severity = alert.Severity, channel = delivery.Channel,
            attempts = delivery.Attempts, error = delivery.LastError,
        }, ct: ct);

    private static string Trim(string message) => message.Length <= 1000 ? message : message[..999] + "…";
}

using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.Alerts;

/// <summary>Which alerts a list shows: open ones only or all, of one severity or any.</summary>
public sealed record AlertFilter(bool OpenOnly = true, string? Severity = null, int Limit = 200);

/// <summary>The outcome of acknowledging: the alert as it now is, or why nothing changed.</summary>
/// <summary>Reads alerts and records their handling: an acknowledgement with its note, written to the ledger with it.</summary>
public sealed class AlertService(IDbContextFactory<PortalDbContext> contexts, ILedgerAppend ledger, UserActionLog log, TimeProvider time)
{
    public const string AcknowledgedEvent = "alert_acknowledged";
    public const int MaxNoteLength = 2000;

    /// <summary>Raised when alerts were raised or acknowledged on any portal instance (pages reload).</summary>
    public event Action? Changed;

    public void NotifyChanged() => Changed?.Invoke();

    /// <summary>The newest alerts, newest first.</summary>
    public Task<IReadOnlyList<Alert>> RecentAsync(int count, CancellationToken ct = default) =>
        ListAsync(new AlertFilter(OpenOnly: false, Limit: count), ct);

    /// <summary>Alerts matching the filter: open ones most urgent first (severity, then oldest), otherwise newest first.</summary>
    public async Task<IReadOnlyList<Alert>> ListAsync(AlertFilter filter, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        IQueryable<Alert> query = db.Alerts.AsNoTracking().Include(a => a.Deliveries);
        if (filter.OpenOnly) query = query.Where(a => a.Status == AlertStatus.Open);
        if (filter.Severity is { } severity) query = query.Where(a => a.Severity == severity);
        // Open alerts most urgent first (severity, then oldest), in SQL so a long list never cuts off an old critical one.
        var ordered = filter.OpenOnly
            ? query.OrderBy(a => a.Severity == AlertSeverities.Critical ? 0 : a.Severity == AlertSeverities.High ? 1 : a.Severity == AlertSeverities.Medium ? 2 : 3)
                .ThenBy(a => a.RaisedAt).ThenBy(a => a.Id)
            : query.OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id);
        return await ordered.Take(Math.Clamp(filter.Limit, 1, 1000)).ToListAsync(ct);
    }

    public async Task<int> OpenCountAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Alerts.CountAsync(a => a.Status == AlertStatus.Open, ct);
    }

    /// <summary>Open alerts by severity (severities without one left out).</summary>
    public async Task<IReadOnlyDictionary<string, int>> OpenBySeverityAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Alerts.Where(a => a.Status == AlertStatus.Open).GroupBy(a => a.Severity)
            .ToDictionaryAsync(g => g.Key, g => g.Count(), ct);
    }

    /// <summary>Marks an open alert handled, with a note saying what was done; the ledger records who, when and the note.</summary>
    public async Task<Outcome<Alert>> AcknowledgeAsync(Actor actor, long id, string? note, CancellationToken ct = default)
    {
        note = note?.Trim() ?? "";
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        var alert = await db.Alerts.FromSql($"SELECT * FROM alerts WHERE \"Id\" = {id} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (alert is null) return Failure.NotFound($"Alert {id} does not exist.");
        if (note.Length == 0) return Failure.Invalid("Say what was done about the alert: a note is required.");
        if (note.Length > MaxNoteLength) return Failure.Invalid($"The note is longer than {MaxNoteLength} characters.");
        if (alert.Status != AlertStatus.Open)
            return Failure.Conflict($"Alert {id} was already acknowledged by {alert.AcknowledgedBy} at {alert.AcknowledgedAt:yyyy-MM-dd HH:mm} UTC.");
        var now = time.GetUtcNow();
        alert.Status = AlertStatus.Acknowledged;
        alert.AcknowledgedBy = actor.UserName;
        alert.AcknowledgedAt = now;
        alert.Note = note;
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, actor, AcknowledgedEvent, new
        {
            alert_id = alert.Id, rule = alert.Rule, severity = alert.Severity, seq = alert.Seq, raised_at = alert.RaisedAt,
            due_at = alert.DueAt, overdue = now > alert.DueAt, note,
        }, ct: ct);
        await tx.CommitAsync(ct);
        return alert;
    }
}

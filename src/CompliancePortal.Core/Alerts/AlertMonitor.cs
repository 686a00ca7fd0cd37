using System.Diagnostics;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Alerts;

/// <summary>
/// Evaluates the alert rules on every committed ledger entry, in seq order, after commit (never
/// in the ingest path). Where it stands is the one-row table alert_cursor; the alerts an
/// evaluated stretch raised are inserted in the same transaction that moves the cursor past it,
/// and their alert_raised ledger entries follow through the batching writer (see
/// <see cref="Alert.LedgerSeq"/>). So each entry is judged once, however many portal
/// instances run and however often they stop: an instance whose cursor was moved by another
/// drops what it found and carries on from there, and after a crash the stretch after the
/// cursor is evaluated again. Entries this process's writer commits are handed over in memory;
/// anything else is read from the ledger by seq.
/// </summary>
public sealed class AlertMonitor(
    AlertRuleSet rules,
    NpgsqlDataSource dataSource,
    IDbContextFactory<PortalDbContext> contexts,
    LedgerCommitSignal committed,
    UserActionLog log,
    TimeProvider time,
    IOptions<AlertsOptions> options,
    ILogger<AlertMonitor> logger) : BackgroundService
{
    public const string RaisedEvent = "alert_raised";

    /// <summary>Who raises alerts in the ledger; its own entries are never judged (an alert cannot raise an alert).</summary>
    public static readonly Actor Monitor = new("job:alert-monitor");

    private const int PageSize = 2000;

    /// <summary>With nothing found, where evaluation stands is saved at most this often.</summary>
    private static readonly TimeSpan CursorSaveInterval = TimeSpan.FromSeconds(1);

    private sealed record Found(AlertRule Rule, AlertSubject Subject);

    private readonly HashSet<string> _failingRules = [];

    /// <summary>The counters of the rules that raise on repeats, rebuilt whenever the cursor is read.</summary>
    private readonly Dictionary<AlertRule, RepeatCounter> _repeats =
        rules.Rules.Where(r => r.Repeat is not null).ToDictionary(r => r, r => new RepeatCounter(r.Repeat!));

    private long _saved = -1;

    /// <summary>The seq up to which alerts are stored (the cursor as this instance last saved or read it); -1 before it starts.</summary>
    public long Saved => Interlocked.Read(ref _saved);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (rules.Rules.Count == 0) return;
        var inbox = committed.Follow();
        var poll = TimeSpan.FromMilliseconds(options.Value.PollIntervalMilliseconds);
        var saveInterval = TimeSpan.FromMilliseconds(options.Value.SaveIntervalMilliseconds);
        var found = new List<Found>();
        var sinceSave = Stopwatch.StartNew();
        long evaluated = 0;
        var read = true;
        var recording = RecordLoopAsync(poll, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (Saved < 0)
                {
                    evaluated = await CursorAsync(stoppingToken);
                    await PrimeRepeatsAsync(evaluated, stoppingToken);
                    Interlocked.Exchange(ref _saved, evaluated);
                    found.Clear();
                    read = true;
                }
                // One page at a time, saving in between: a long catch-up (after downtime) is not one huge transaction.
                if (read) (evaluated, read) = await EvaluatePageAsync(evaluated, found, stoppingToken);
                // Alerts are saved together at most once a save interval (or when a page's worth
                // waits): each save is a transaction, its notifications and a ledger commit.
                var alertsDue = found.Count >= PageSize || (found.Count > 0 && sinceSave.Elapsed >= saveInterval);
                if (alertsDue || (evaluated > Saved && sinceSave.Elapsed >= CursorSaveInterval))
                {
                    var stored = await SaveAsync(Saved, evaluated, found, stoppingToken);
                    found.Clear();
                    sinceSave.Restart();
                    Interlocked.Exchange(ref _saved, stored ? evaluated : -1);
                    if (!stored) continue;
                }
                if (read) continue;
                // With alerts or a cursor move waiting, wake when they are due rather than at the next poll.
                var untilSave = found.Count > 0 ? Until(saveInterval, sinceSave)
                    : evaluated > Saved ? Until(CursorSaveInterval, sinceSave) : poll;
                var handed = await inbox.TakeAsync(untilSave < poll ? untilSave : poll, stoppingToken);
                if (handed is null && untilSave < poll) continue;
                var following = handed is { Count: > 0 } ? LedgerInbox.FollowingOn(handed, evaluated) : null;
                if (following is null) read = true;
                else if (following.Count > 0)
                {
                    foreach (var entry in following)
                        Evaluate(new AlertSubject(entry.Seq, CanonicalEntry.ToMicroseconds(entry.Event.ReceivedAt), entry.Event.LogType,
                            entry.Event.Event, entry.Event.UserId, entry.Source, entry.Event.DataJson), found);
                    evaluated = following[^1].Seq;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Alert rules are behind the ledger; retrying");
                Interlocked.Exchange(ref _saved, -1);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
        await recording;
    }

    private static TimeSpan Until(TimeSpan interval, Stopwatch since) => TimeSpan.FromTicks(Math.Max(0, (interval - since.Elapsed).Ticks));

    /// <summary>Reads and judges a page of entries after <paramref name="after"/>; returns the last seq judged and whether the page was full.</summary>
    private async Task<(long Last, bool Full)> EvaluatePageAsync(long after, List<Found> found, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {SubjectColumns} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        cmd.Parameters.Add(new() { Value = after });
        cmd.Parameters.Add(new() { Value = PageSize });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var count = 0;
        while (await reader.ReadAsync(ct))
        {
            var subject = SubjectOf(reader);
            after = subject.Seq;
            count++;
            Evaluate(subject, found);
        }
        return (after, count == PageSize);
    }

    private const string SubjectColumns = "seq, created_at, log_type, event, user_id, source, event_data::text";

    private static AlertSubject SubjectOf(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), System.Text.Encoding.UTF8.GetBytes(reader.GetString(6)));

    /// <summary>
    /// Rebuilds the repeat counts from the entries just before <paramref name="cursor"/> (twice the
    /// longest window), so a repeat is still seen across a restart or a jump to another instance's cursor.
    /// </summary>
    private async Task PrimeRepeatsAsync(long cursor, CancellationToken ct)
    {
        if (_repeats.Count == 0) return;
        foreach (var counter in _repeats.Values) counter.Clear();
        var window = 2 * _repeats.Keys.Max(r => r.Repeat!.Within);
        await using var cmd = dataSource.CreateCommand(
            $"""
            SELECT {SubjectColumns} FROM audit_log
            WHERE seq <= $1 AND created_at >= (SELECT max(created_at) FROM audit_log WHERE seq = $1) - $2
            ORDER BY seq
            """);
        cmd.Parameters.Add(new() { Value = cursor });
        cmd.Parameters.Add(new() { Value = window });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var subject = SubjectOf(reader);
            if (subject.Source == Monitor.Source) continue;
            foreach (var (rule, counter) in _repeats)
                if (Judge(rule, subject)) counter.Add(subject);
        }
    }

    private void Evaluate(AlertSubject subject, List<Found> found)
    {
        if (subject.Source == Monitor.Source) return;
        foreach (var rule in rules.Rules)
            if (Judge(rule, subject) && (rule.Repeat is null || _repeats[rule].Add(subject)))
                found.Add(new Found(rule, subject));
    }

    private bool Judge(AlertRule rule, AlertSubject subject)
    {
        try
        {
            return rule.Condition.Matches(subject);
        }
        catch (Exception ex)
        {
            // A rule that cannot judge an entry (e.g. a number field sent as text) is reported once per rule, not per entry.
            lock (_failingRules)
                if (_failingRules.Add(rule.Name))
                    logger.LogWarning(ex, "Alert rule {Rule} could not judge entry {Seq}; it is skipped for such entries", rule.Name, subject.Seq);
            return false;
        }
    }

    private const int RecordBatch = 1000;

    private readonly SemaphoreSlim _recordWake = new(0, 1);

    /// <summary>
    /// Appends the missing alert_raised entries beside the judging loop, which goes on meanwhile
    /// instead of waiting for each append's commit (under heavy ingest it would fall further and
    /// further behind). Woken after alerts are stored, and sweeps at each poll.
    /// </summary>
    private async Task RecordLoopAsync(TimeSpan poll, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                while (await RecordRaisedAsync(ct) > 0) { }
                await _recordWake.WaitAsync(poll, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Tried again at the next wake or poll: the alerts themselves are stored.
                logger.LogWarning(ex, "alert_raised ledger entries could not be appended yet");
                await Task.Delay(TimeSpan.FromSeconds(2), ct).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    private void StartRecording()
    {
        try { _recordWake.Release(); }
        catch (SemaphoreFullException) { }
    }

    /// <summary>
    /// Appends the alert_raised entries of stored alerts that have none yet (also those a crash
    /// left without one), at most <see cref="RecordBatch"/>; returns how many it appended.
    /// </summary>
    private async Task<int> RecordRaisedAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var unrecorded = await db.Alerts.AsNoTracking().Where(a => a.LedgerSeq == null).OrderBy(a => a.Id).Take(RecordBatch).ToListAsync(ct);
        if (unrecorded.Count == 0) return 0;
        var receipts = await log.RecordAllAsync(Monitor, [.. unrecorded.Select(alert => (RaisedEvent, (object)new
        {
            alert_id = alert.Id, rule = alert.Rule, severity = alert.Severity, seq = alert.Seq, log_type = alert.LogType,
            @event = alert.Event, message = alert.Message, notification = alert.Notification.Split(',', StringSplitOptions.RemoveEmptyEntries),
            response_time = alert.ResponseTime, raised_at = alert.RaisedAt, due_at = alert.DueAt,
        }, $"alert-raised-{alert.Id}"))]);
        // The entries are committed: note their seqs (one statement) even at shutdown.
        await using var note = dataSource.CreateCommand(
            "UPDATE alerts SET \"LedgerSeq\" = u.seq FROM unnest($1::bigint[], $2::bigint[]) AS u(id, seq) WHERE alerts.\"Id\" = u.id");
        note.Parameters.Add(new() { Value = unrecorded.Select(a => a.Id).ToArray() });
        note.Parameters.Add(new() { Value = receipts.Select(r => r.Seq).ToArray() });
        await note.ExecuteNonQueryAsync(CancellationToken.None);
        return unrecorded.Count;
    }

    private async Task<long> CursorAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT seq FROM alert_cursor WHERE id = 1");
        return (long)(await cmd.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException("alert_cursor has no row: the Alerts migration has not run."));
    }

    /// <summary>
    /// Stores the alerts found in (<paramref name="from"/>, <paramref name="to"/>] and moves the cursor to
    /// <paramref name="to"/>, if the cursor is still at <paramref name="from"/>; false when another instance moved it.
    /// </summary>
    private async Task<bool> SaveAsync(long from, long to, List<Found> found, CancellationToken stoppingToken)
    {
        // A save that has begun runs to its end (a few milliseconds, bounded by the command timeout):
        // cancelling it at shutdown would break the connection mid-transaction and log a failed rollback.
        stoppingToken.ThrowIfCancellationRequested();
        var ct = CancellationToken.None;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var cursor = new NpgsqlCommand("SELECT seq FROM alert_cursor WHERE id = 1 FOR UPDATE", connection, tx))
            if ((long)(await cursor.ExecuteScalarAsync(ct))! != from) return false;
        if (found.Count > 0) await InsertAlertsAsync(connection, tx, found, ct);
        await using (var move = new NpgsqlCommand("UPDATE alert_cursor SET seq = $1 WHERE id = 1", connection, tx))
        {
            move.Parameters.Add(new() { Value = to });
            await move.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        if (found.Count > 0) StartRecording();
        return true;
    }

    /// <summary>
    /// The alerts and their deliveries (one per channel of the rule), each table in one statement
    /// over arrays: under heavy ingest a busy rule set raises hundreds at a time, and a statement
    /// (or an EF entity) each cost more than the entries that raised them.
    /// </summary>
    private async Task InsertAlertsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<Found> found, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var alerts = new NpgsqlCommand(
            """
            INSERT INTO alerts ("Rule", "Severity", "Seq", "LogType", "Event", "Message", "Notification", "ResponseTime", "RaisedAt", "DueAt", "Status")
            SELECT r, s, q, l, e, m, n, t, $9, d, $11
            FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $10::timestamptz[]) AS u(r, s, q, l, e, m, n, t, d)
            RETURNING "Id", "Rule", "Seq"
            """, connection, tx);
        alerts.Parameters.Add(new() { Value = found.Select(f => f.Rule.Name).ToArray() });
        alerts.Parameters.Add(new() { Value = found.Select(f => f.Rule.Severity).ToArray() });
        alerts.Parameters.Add(new() { Value = found.Select(f => f.Subject.Seq).ToArray() });
        alerts.Parameters.Add(new() { Value = found.Select(f => f.Subject.LogType).ToArray() });
        alerts.Parameters.Add(new() { Value = found.Select(f => f.Subject.Event).ToArray() });
        alerts.Parameters.Add(new() { Value = found.Select(f => AlertMessages.For(f.Subject, f.Rule.Repeat)).ToArray() });
        alerts.Parameters.Add(new() { Value = found.Select(f => string.Join(",", f.Rule.Notification)).ToArray() });
        alerts.Parameters.Add(new() { Value = found.Select(f => f.Rule.ResponseTime.Text).ToArray() });
        alerts.Parameters.Add(new() { Value = now.UtcDateTime });
        alerts.Parameters.Add(new() { Value = found.Select(f => f.Rule.ResponseTime.DueAfter(now).UtcDateTime).ToArray() });
        alerts.Parameters.Add(new() { Value = AlertStatus.Open.ToString() });
        var ids = new Dictionary<(string Rule, long Seq), long>();
        await using (var reader = await alerts.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) ids[(reader.GetString(1), reader.GetInt64(2))] = reader.GetInt64(0);

        var deliveries = found.SelectMany(f => f.Rule.Notification.Distinct(StringComparer.OrdinalIgnoreCase).Select(channel =>
            (Alert: ids[(f.Rule.Name, f.Subject.Seq)], Channel: channel,
             Status: (options.Value.ChannelNamed(channel) is null ? DeliveryStatus.NotConfigured : DeliveryStatus.Pending).ToString()))).ToList();
        if (deliveries.Count == 0) return;
        await using var outbox = new NpgsqlCommand(
            """
            INSERT INTO alert_deliveries ("AlertId", "Channel", "Status", "Attempts", "NextAttemptAt")
            SELECT a, c, s, 0, $4 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(a, c, s)
            """, connection, tx);
        outbox.Parameters.Add(new() { Value = deliveries.Select(d => d.Alert).ToArray() });
        outbox.Parameters.Add(new() { Value = deliveries.Select(d => d.Channel).ToArray() });
        outbox.Parameters.Add(new() { Value = deliveries.Select(d => d.Status).ToArray() });
        outbox.Parameters.Add(new() { Value = now.UtcDateTime });
        await outbox.ExecuteNonQueryAsync(ct);
    }
}

using System.Text.Json;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CompliancePortal.Core.Certification;

/// <summary>
/// The seed's certify_daily_logs: for a finished day, the log count, the trades logged, the trades
/// reconciled against the day's stored blotter (read back from the archive and hash-checked), whether
/// NAV was calculated and whether the chain verifies over the day's entries; then the
/// ComplianceOfficer's certification with the seed's statement, written as a log_certifications row
/// and a COMPLIANCE logs_certified ledger entry in one transaction. The day is the row's key, so
/// the database refuses a second certification.
/// </summary>
public sealed class DailyCertification(
    IDbContextFactory<PortalDbContext> contexts,
    NpgsqlDataSource db,
    TradeBlotter blotter,
    BlotterArchive blotters,
    ILedgerAppend ledger,
    UserActionLog log,
    TimeProvider time)
{
    public const string Statement = "I certify that the audit logs for this date are complete and accurate";
    public const string CertifiedEvent = "logs_certified";
    private const int MaxNote = 2000;

    /// <summary>
    /// Past days to certify, newest first: the days that need a blotter (every business day since
    /// the ledger's first entry, and any day with executed trades) and any other day that has one.
    /// </summary>
    public async Task<IReadOnlyList<CertificationDay>> DaysAsync(CancellationToken ct = default)
    {
        var days = new SortedSet<DateOnly>(await blotters.DaysNeedingBlotterAsync(ct));
        await using var context = await contexts.CreateDbContextAsync(ct);
        var stored = await context.TradeBlotters.AsNoTracking().ToDictionaryAsync(b => b.Day, ct);
        var certified = await context.LogCertifications.AsNoTracking().ToDictionaryAsync(c => c.Day, ct);
        days.UnionWith(stored.Keys);
        return days.Reverse()
            .Select(d => new CertificationDay(d, stored.GetValueOrDefault(d), certified.GetValueOrDefault(d)))
            .ToList();
    }

    public async Task<DayReview> ReviewAsync(DateOnly day, CancellationToken ct = default)
    {
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        long count;
        long? firstSeq, lastSeq;
        bool nav;
        await using (var cmd = db.CreateCommand(
            """
            SELECT count(*), min(seq), max(seq), coalesce(bool_or(log_type = 'NAV' AND event = 'nav_calculated'), false)
            FROM audit_log WHERE "timestamp" >= $1 AND "timestamp" < $2
            """))
        {
            cmd.Parameters.Add(new() { Value = from });
            cmd.Parameters.Add(new() { Value = from.AddDays(1) });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (count, firstSeq, lastSeq, nav) = (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetBoolean(3));
        }

        // The ledger's trades, written through the blotter's own CSV writer so both sides are compared as the same text.
        using var ledgerCsv = new MemoryStream();
        var logged = await TradeBlotter.WriteCsvAsync(blotter.RowsAsync(day, day, ct), ledgerCsv, ct);
        var ledgerRows = ParseRows(ledgerCsv.ToArray());

        var stored = await blotters.FindAsync(day, ct);
        var state = BlotterState.NotGenerated;
        IReadOnlyList<TradeDifference> differences = [];
        var reconciled = 0;
        if (stored is not null)
        {
            await using var content = await blotters.OpenReadAsync(stored, ct);
            if (content is null) state = BlotterState.MissingFromArchive;
            else
            {
                using var bytes = new MemoryStream();
                await content.CopyToAsync(bytes, ct);
                state = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.ToArray())) == stored.Sha256
                    ? BlotterState.Verified : BlotterState.HashMismatch;
                // An altered object is still compared: the differences show what was changed.
                try
                {
                    (differences, reconciled) = Reconcile(ledgerRows, ParseRows(bytes.ToArray()));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    differences = [new TradeDifference("", "unreadable", $"the stored blotter is not valid CSV: {e.Message}")];
                }
            }
        }

        var chain = firstSeq is { } f && lastSeq is { } l ? await LedgerVerifier.VerifyRangeAsync(db, f, l, ct) : null;
        await using var context = await contexts.CreateDbContextAsync(ct);
        var certification = await context.LogCertifications.AsNoTracking().SingleOrDefaultAsync(c => c.Day == day, ct);
        return new DayReview(day, count, logged.Rows, reconciled, state, stored, differences, nav, firstSeq, lastSeq, chain, certification);
    }

    /// <summary>
    /// Certifies <paramref name="day"/> for <paramref name="officer"/> (the caller has checked the
    /// role). The figures are recomputed here, never taken from the page. Refused, with nothing
    /// written, for an unfinished day, a day already certified, a day without a verified blotter or
    /// whose chain does not verify, and a day with differences or without NAV unless a note explains them.
    /// </summary>
    public async Task<Outcome<LogCertification>> CertifyAsync(Actor officer, DateOnly day, string? note, CancellationToken ct = default)
    {
        if (day >= Calendar.MarketCalendar.Today(time)) return Failure.Conflict($"{day:yyyy-MM-dd} is not over yet (UTC); it can be certified from the next day on.");
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (note?.Length > MaxNote) return Failure.Invalid($"The note is longer than {MaxNote} characters.");
        var review = await ReviewAsync(day, ct);
        if (review.Blockers.Count > 0) return Failure.Conflict(string.Join(" ", review.Blockers));
        if (review.Exceptions.Count > 0 && note is null)
            return Failure.Conflict(string.Join(" ", review.Exceptions) + " Explain them in a note to certify the day.");

        var now = time.GetUtcNow();
        var data = new Dictionary<string, object?>
        {
            ["date"] = Formats.Day(day),
            ["certified_by"] = officer.UserName,
            ["certification_timestamp"] = CanonicalEntry.FormatTime(now),
            ["log_count"] = review.LogCount,
            ["trades_logged"] = review.TradesLogged,
            ["trades_reconciled"] = review.TradesReconciled,
            ["reconciled"] = review.Reconciled,
            ["differences"] = review.Differences.Select(d => new { trade_id = d.TradeId, kind = d.Kind, detail = d.Detail }).ToList(),
            ["nav_calculated"] = review.NavCalculated,
            ["chain_verified"] = review.ChainVerified,
            ["first_seq"] = review.FirstSeq,
            ["last_seq"] = review.LastSeq,
            ["blotter_sha256"] = review.StoredBlotter!.Sha256,
            ["blotter_key"] = review.StoredBlotter.ArchiveKey,
            ["note"] = note,
            ["statement"] = Statement,
        };

        await using var context = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(context, ct);
        var receipt = await log.RecordAsync(tx, officer, CertifiedEvent, data, ct: ct);
        var certification = new LogCertification
        {
            Day = day, CertifiedBy = officer.UserName, CertifiedAt = now,
            CertificationData = JsonSerializer.Serialize(data), LedgerSeq = receipt.Seq,
        };
        context.LogCertifications.Add(certification);
        try
        {
            await context.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Someone certified the day meanwhile: the key refused this row, and the rollback takes the ledger entry with it.
            await tx.RollbackAsync(ct);
            var winner = await ReviewAsync(day, ct);
            return Failure.Conflict(winner.Blockers.FirstOrDefault() ?? $"{day:yyyy-MM-dd} is already certified.");
        }
        await tx.CommitAsync(ct);
        return certification;
    }

    /// <summary>
    /// Pairs ledger and blotter rows by trade id (in order, for ids that occur more than once) and
    /// names every trade found on one side only or with different values. Returns the differences
    /// and how many ledger trades matched a blotter row exactly.
    /// </summary>
    public static (IReadOnlyList<TradeDifference> Differences, int Reconciled) Reconcile(
        IReadOnlyList<string[]> ledger, IReadOnlyList<string[]> stored)
    {
        const int tradeId = 1;
        var byId = stored.GroupBy(r => Field(r, tradeId)).ToDictionary(g => g.Key, g => new Queue<string[]>(g));
        var differences = new List<TradeDifference>();
        var reconciled = 0;
        foreach (var row in ledger)
        {
            var id = Field(row, tradeId);
            if (!byId.TryGetValue(id, out var candidates) || candidates.Count == 0)
            {
                differences.Add(new(id, "missing_from_blotter", "in the ledger, not in the blotter"));
                continue;
            }
            var other = candidates.Dequeue();
            var changed = Enumerable.Range(0, TradeBlotter.Columns.Length).Where(i => Field(row, i) != Field(other, i))
                .Select(i => $"{TradeBlotter.Columns[i]}: ledger '{Field(row, i)}', blotter '{Field(other, i)}'").ToList();
            if (changed.Count == 0) reconciled++;
            else differences.Add(new(id, "differs", string.Join("; ", changed)));
        }
        foreach (var (id, left) in byId)
            differences.AddRange(left.Select(_ => new TradeDifference(id, "not_in_ledger", "in the blotter, not in the ledger")));
        return (differences.OrderBy(d => d.TradeId, StringComparer.Ordinal).ToList(), reconciled);
    }

    private static string Field(string[] row, int i) => i < row.Length ? row[i] : "";

    /// <summary>The data rows of a blotter CSV (the header line skipped), each as its field texts.</summary>
    private static List<string[]> ParseRows(byte[] csvBytes)
    {
        var rows = new List<string[]>();
        using var csv = CsvReader.Create(csvBytes, new CsvReaderOptions { HasHeader = false });
        var header = true;
        while (csv.Read())
        {
            if (header) { header = false; continue; }
            rows.Add([.. Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)]);
        }
        return rows;
    }
}

using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CompliancePortal.Core.Blotter;

/// <summary>The outcome of asking for a day's blotter: the stored one, and whether this call wrote it.</summary>
public sealed record BlotterGeneration(StoredBlotter Blotter, bool Written);

/// <summary>
/// Daily trade blotters kept in the archive store. A day's CSV is written once: to a temporary
/// file, uploaded, read back and hash-checked, and only then recorded (a trade_blotters row and a
/// COMPLIANCE trade_blotter_generated ledger entry with its date, rows, SHA-256 and key, in one
/// transaction). A rerun stores nothing twice: a recorded day is done, and an object left by an
/// interrupted run is reused only when it is the same bytes.
/// </summary>
public sealed class BlotterArchive(
    IDbContextFactory<PortalDbContext> contexts,
    NpgsqlDataSource db,
    TradeBlotter blotter,
    IArchiveStore store,
    ILedgerAppend ledger,
    UserActionLog log,
    MarketCalendar calendar,
    TimeProvider time)
{
    public const string GeneratedEvent = "trade_blotter_generated";
    public const string DownloadedEvent = "trade_blotter_downloaded";

    /// <summary>The seed's file name (blotter_2024-10-08.csv), filed by year and month.</summary>
    public static string Key(DateOnly day) => $"blotters/{day:yyyy}/{day:MM}/{FileName(day)}";

    public static string FileName(DateOnly day) => $"blotter_{Formats.Day(day)}.csv";

    public async Task<StoredBlotter?> FindAsync(DateOnly day, CancellationToken ct = default)
    {
        await using var context = await contexts.CreateDbContextAsync(ct);
        return await context.TradeBlotters.AsNoTracking().SingleOrDefaultAsync(b => b.Day == day, ct);
    }

    /// <summary>Stored blotters in [from, toInclusive] (open ends when null), newest first.</summary>
    public async Task<IReadOnlyList<StoredBlotter>> ListAsync(DateOnly? from, DateOnly? toInclusive, int limit = 500, CancellationToken ct = default)
    {
        await using var context = await contexts.CreateDbContextAsync(ct);
        var query = context.TradeBlotters.AsNoTracking();
        if (from is { } f) query = query.Where(b => b.Day >= f);
        if (toInclusive is { } t) query = query.Where(b => b.Day <= t);
        return await query.OrderByDescending(b => b.Day).Take(limit).ToListAsync(ct);
    }

    /// <summary>
    /// The finished days (before today, UTC) that need a blotter, in order: every business day since
    /// the ledger received its first entry, and every day with executed trades (a weekend, or a day
    /// before the portal kept the books whose trades were sent later). Deliberately not every day
    /// since the earliest event timestamp: one mistyped timestamp must not create decades of blotters.
    /// </summary>
    public async Task<IReadOnlyList<DateOnly>> DaysNeedingBlotterAsync(CancellationToken ct = default)
    {
        var today = MarketCalendar.Today(time);
        var days = new SortedSet<DateOnly>();
        await using (var first = db.CreateCommand("SELECT created_at FROM audit_log ORDER BY seq LIMIT 1"))
        {
            if (await first.ExecuteScalarAsync(ct) is DateTime received)
                days.UnionWith(MarketCalendar.Days(DateOnly.FromDateTime(received), today.AddDays(-1)).Where(calendar.IsBusinessDay));
        }
        await using var trades = db.CreateCommand(
            """
            SELECT DISTINCT ("timestamp" AT TIME ZONE 'UTC')::date FROM audit_log
            WHERE event = 'trade_executed' AND log_type = 'TRADE' AND "timestamp" < $1
            """);
        trades.Parameters.Add(new() { Value = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) });
        await using var reader = await trades.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) days.Add(DateOnly.FromDateTime(reader.GetDateTime(0)));
        return [.. days];
    }

    /// <summary>
    /// Writes and records <paramref name="day"/>'s blotter unless it exists. Only a finished day
    /// (before today, UTC) can have one; a day without trades gets an empty one (header only).
    /// </summary>
    public async Task<BlotterGeneration> GenerateAsync(DateOnly day, Actor actor, CancellationToken ct = default)
    {
        if (day >= MarketCalendar.Today(time))
            throw new ArgumentException($"{day:yyyy-MM-dd} is not over yet (UTC); its blotter can be generated from the next day on.", nameof(day));
        if (await FindAsync(day, ct) is { } existing) return new BlotterGeneration(existing, false);

        var key = Key(day);
        // A temporary file keeps memory bounded however many trades the day had.
        var temp = Path.GetTempFileName();
        try
        {
            BlotterCsv csv;
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
                csv = await TradeBlotter.WriteCsvAsync(blotter.RowsAsync(day, day, ct), file, ct);

            if (!await store.ExistsAsync(key, ct))
            {
                try
                {
                    await using var upload = File.OpenRead(temp);
                    await store.PutAsync(key, upload, "text/csv", ct: ct);
                }
                catch (ArchiveObjectExistsException)
                {
                    // Another instance wrote it meanwhile: checked below like any existing object.
                }
            }
            var stored = await ArchiveHashes.OfObjectAsync(store, key, ct);
            if (stored != csv.Sha256)
                throw new InvalidOperationException(
                    $"{key} holds different bytes than the ledger gives for {day:yyyy-MM-dd} now (sha256 {stored} vs {csv.Sha256}); nothing was recorded");

            return await RecordAsync(new StoredBlotter
            {
                Day = day, ArchiveKey = key, Rows = csv.Rows, Sha256 = csv.Sha256,
                GeneratedAt = time.GetUtcNow(), GeneratedBy = actor.UserName,
            }, actor, ct);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The SHA-256 of the stored object's bytes, or null when the object is missing.</summary>
    public Task<Stream?> OpenReadAsync(StoredBlotter stored, CancellationToken ct = default) => store.OpenReadAsync(stored.ArchiveKey, ct);

    private async Task<BlotterGeneration> RecordAsync(StoredBlotter row, Actor actor, CancellationToken ct)
    {
        await using var context = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(context, ct);
        var receipt = await log.RecordAsync(tx, actor, GeneratedEvent, new
        {
            date = Formats.Day(row.Day),
            rows = row.Rows,
            sha256 = row.Sha256,
            archive_key = row.ArchiveKey,
        }, ct: ct);
        row.LedgerSeq = receipt.Seq;
        context.TradeBlotters.Add(row);
        try
        {
            await context.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Recorded by another run meanwhile: its row and ledger entry stand, this transaction leaves nothing.
            await tx.RollbackAsync(ct);
            return new BlotterGeneration((await FindAsync(row.Day, ct))!, false);
        }
        await tx.CommitAsync(ct);
        return new BlotterGeneration(row, true);
    }
}

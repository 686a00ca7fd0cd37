using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.Positions;

/// <summary>A settled day as the list shows it: its snapshot, or the missing-book exception.</summary>
public sealed record SettledPositionDay(DateOnly Date, PositionSnapshot? Snapshot, MissedPositionDay? Missed);

/// <summary>Reads of the frozen end-of-day books (the snapshot job writes them, see <see cref="PositionSnapshotter"/>).</summary>
public sealed class PositionSnapshots(IDbContextFactory<PortalDbContext> contexts)
{
    public const string DownloadedEvent = "position_snapshot_downloaded";

    public static string FileName(DateOnly day) => $"positions_{Formats.Day(day)}.json";

    public async Task<PositionSnapshot?> FindAsync(DateOnly day, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PositionSnapshots.AsNoTracking().SingleOrDefaultAsync(s => s.Date == day, ct);
    }

    /// <summary>Settled days in [from, toInclusive] (open ends when null), newest first: snapshots and missing books together.</summary>
    public async Task<IReadOnlyList<SettledPositionDay>> ListAsync(DateOnly? from, DateOnly? toInclusive, int limit = 500, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var snapshots = db.PositionSnapshots.AsNoTracking();
        var missed = db.MissedPositionDays.AsNoTracking();
        if (from is { } f)
        {
            snapshots = snapshots.Where(s => s.Date >= f);
            missed = missed.Where(m => m.Date >= f);
        }
        if (toInclusive is { } t)
        {
            snapshots = snapshots.Where(s => s.Date <= t);
            missed = missed.Where(m => m.Date <= t);
        }
        var taken = await snapshots.OrderByDescending(s => s.Date).Take(limit).ToListAsync(ct);
        var absent = await missed.OrderByDescending(m => m.Date).Take(limit).ToListAsync(ct);
        return [.. taken.Select(s => new SettledPositionDay(s.Date, s, null))
            .Concat(absent.Select(m => new SettledPositionDay(m.Date, null, m)))
            .OrderByDescending(d => d.Date).Take(limit)];
    }
}

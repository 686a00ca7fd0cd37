using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Archive;

/// <summary>
/// Archives every past UTC day of the ledger that has no manifest yet (from the first day with
/// entries to yesterday), so records live in two places from day one. Each archived day is a
/// SYSTEM ledger entry naming its manifest.
/// </summary>
public sealed class DailyArchiveJob(NpgsqlDataSource db, DailyArchive archive, UserActionLog log, TimeProvider time)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT min(created_at) FROM audit_log");
        if (await cmd.ExecuteScalarAsync(ct) is not DateTime first) return 0;
        var yesterday = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1);
        var written = 0;
        for (var day = DateOnly.FromDateTime(first); day <= yesterday; day = day.AddDays(1))
        {
            var (manifest, wrote) = await archive.ArchiveAsync(day, ct);
            if (!wrote) continue;
            written++;
            await log.RecordAsync(new Actor("job:daily-archive"), "day_archived", new
            {
                manifest.Day, manifest.Count, manifest.FirstSeq, manifest.LastSeq, manifest.LastCurrentHash,
                manifest_key = DailyArchive.ManifestKey(day),
                objects = manifest.Objects.Select(o => new { o.Key, o.Count, o.Sha256 }),
            }, LogTypes.System);
        }
        return written;
    }
}

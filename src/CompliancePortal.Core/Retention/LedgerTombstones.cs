using Npgsql;

namespace CompliancePortal.Core.Retention;

/// <summary>What PostgreSQL still knows of an entry the retention job removed.</summary>
public sealed record PurgedEntry(long Seq, string LogType, DateTimeOffset ReceivedAt, string CurrentHash, string ArchiveKey, DateTimeOffset PurgedAt);

/// <summary>Reads tombstones, so a page asked for a removed entry can say where it went.</summary>
public sealed class LedgerTombstones(NpgsqlDataSource db)
{
    public async Task<PurgedEntry?> FindAsync(long seq, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "SELECT seq, log_type, created_at, current_hash, archive_key, purged_at FROM ledger_tombstones WHERE seq = $1");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new PurgedEntry(r.GetInt64(0), r.GetString(1), new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero), r.GetString(3),
            r.GetString(4), new DateTimeOffset(r.GetDateTime(5), TimeSpan.Zero));
    }
}

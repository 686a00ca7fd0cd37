using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Core.Retention;

public enum RetentionOutcome
{
    /// <summary>Removed from PostgreSQL, tombstoned, recorded in the ledger.</summary>
    Purged,
    /// <summary>A legal hold covers the day: kept.</summary>
    Held,
    /// <summary>The day has no archive manifest yet: kept until the archive job has run.</summary>
    NotArchived,
    /// <summary>The archive copy did not verify: kept, and a COMPLIANCE exception entry written.</summary>
    Refused,
}

/// <summary>What happened to one receive day of one log type.</summary>
public sealed record RetentionDay(DateOnly Day, string LogType, RetentionOutcome Outcome, long Count, string Detail);

/// <summary>
/// The retention job's work. For every log type with a hot window, every UTC receive day older
/// than the window is removed from PostgreSQL only when no legal hold covers it and its archive
/// object re-reads and matches the rows exactly. The removal runs as the owner role in one
/// transaction: tombstones for every row, the DELETE (which the database permits only then), and
/// a COMPLIANCE retention_purged ledger entry naming the archive objects, seq range and count.
/// </summary>
public sealed class RetentionPurger(PortalConnections connections, DailyArchive archive, IArchiveStore store,
    ILedgerAppend ledger, UserActionLog log, RetentionOptions options, TimeProvider time)
{
    public const string PurgedEvent = "retention_purged";
    public const string RefusedEvent = "retention_purge_refused";
    public static readonly Actor Job = new("job:retention");

    public async Task<IReadOnlyList<RetentionDay>> RunAsync(CancellationToken ct = default)
    {
        if (options.Problem() is { } problem) throw new InvalidOperationException(problem);
        await using var connection = new NpgsqlConnection(connections.Owner);
        await connection.OpenAsync(ct);
        await using (var who = new NpgsqlCommand("SELECT current_user", connection))
        {
            var user = (string)(await who.ExecuteScalarAsync(ct))!;
            if (user != PortalRoles.Owner)
                throw new InvalidOperationException($"The retention job must connect as {PortalRoles.Owner} (ConnectionStrings:PortalOwner), not {user}.");
        }

        // One run at a time (a manual trigger may overlap the schedule).
        await using (var exclusive = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext('compliance.retention'))", connection))
        {
            if (!(bool)(await exclusive.ExecuteScalarAsync(ct))!)
                throw new InvalidOperationException("Another retention run is in progress.");
        }
        try
        {
            await RecordPolicyAsync(connection, ct);
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            var results = new List<RetentionDay>();
            foreach (var (logType, hotDays) in options.HotDays.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                // A day leaves only when all of it is older than the window.
                var firstKept = today.AddDays(-hotDays);
                foreach (var day in await DaysBeforeAsync(connection, logType, firstKept, ct))
                    results.Add(await ProcessDayAsync(connection, day, logType, hotDays, ct));
            }
            return results;
        }
        finally
        {
            // The connection goes back to the pool: release the session lock explicitly. A broken
            // connection has ended its session, and the lock with it.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('compliance.retention'))", connection);
                await release.ExecuteScalarAsync(CancellationToken.None);
            }
        }
    }

    private async Task<RetentionDay> ProcessDayAsync(NpgsqlConnection connection, DateOnly day, string logType, int hotDays, CancellationToken ct)
    {
        var from = StartOf(day);
        if (await IsHeldAsync(connection, from, logType, ct))
            return new RetentionDay(day, logType, RetentionOutcome.Held, 0, "a legal hold covers this day");

        var manifest = await archive.ReadManifestAsync(day, ct);
        if (manifest is null)
            return new RetentionDay(day, logType, RetentionOutcome.NotArchived, 0, $"no manifest at {DailyArchive.ManifestKey(day)}");
        await archive.RecordAsync(day, manifest, ct);   // the database checks each removal against it
        var archived = manifest.Objects.SingleOrDefault(o => o.LogType == logType);
        var mismatch = archived is null
            ? $"the manifest {DailyArchive.ManifestKey(day)} lists no {logType} object, yet PostgreSQL holds {logType} entries of that day"
            : await ArchivedDayCheck.FindMismatchAsync(store, archived, connection, from, logType, ct);
        if (mismatch is not null) return await RefuseAsync(day, logType, archived, mismatch, ct);

        await using var tx = await ledger.BeginAsync(connection, ct);
        await ExecuteAsync(connection, "SELECT set_config('compliance.retention_purge', 'on', true)", ct);
        // A hold placed while this runs waits for the commit, or is seen here and stops the purge.
        await ExecuteAsync(connection, "LOCK TABLE legal_holds IN SHARE MODE", ct);
        if (await IsHeldAsync(connection, from, logType, ct))
        {
            await tx.RollbackAsync(ct);
            return new RetentionDay(day, logType, RetentionOutcome.Held, 0, "a legal hold placed during the run covers this day");
        }

        var (tombstoned, firstSeq, lastSeq) = await TombstoneAsync(connection, from, logType, archived!.Key, ct);
        // Each of the indexer's stages locks one of these rows for its batch: none stores or moves a removed entry's vector meanwhile.
        await ExecuteAsync(connection, "SELECT FROM fts_state, fts_vectors FOR UPDATE", ct);
        var deleted = await DeleteAsync(connection, from, logType, ct);
        if (tombstoned != archived.Count || deleted != archived.Count || firstSeq != archived.FirstSeq || lastSeq != archived.LastSeq)
        {
            await tx.RollbackAsync(ct);
            return await RefuseAsync(day, logType, archived,
                $"the rows changed after the check: {tombstoned} tombstoned and {deleted} deleted (seq {firstSeq}..{lastSeq}), the archive holds {archived.Count} (seq {archived.FirstSeq}..{archived.LastSeq})", ct);
        }
        await log.RecordAsync(tx, Job, PurgedEvent, new
        {
            day = Formats.Day(day),
            log_type = logType,
            count = deleted,
            first_seq = firstSeq,
            last_seq = lastSeq,
            hot_days = hotDays,
            manifest_key = DailyArchive.ManifestKey(day),
            archive_objects = new[] { new { key = archived.Key, sha256 = archived.Sha256, count = archived.Count } },
        }, ct: ct);
        await tx.CommitAsync(ct);
        return new RetentionDay(day, logType, RetentionOutcome.Purged, deleted, $"seq {firstSeq}..{lastSeq} removed; archived in {archived.Key}");
    }

    private async Task<RetentionDay> RefuseAsync(DateOnly day, string logType, ArchivedObject? archived, string reason, CancellationToken ct)
    {
        await log.RecordAsync(Job, RefusedEvent, new
        {
            day = Formats.Day(day),
            log_type = logType,
            archive_key = archived?.Key,
            manifest_key = DailyArchive.ManifestKey(day),
            reason,
        });
        return new RetentionDay(day, logType, RetentionOutcome.Refused, 0, reason);
    }

    /// <summary>
    /// The policy the database enforces on every removal (015_retention_guard.sql): a new
    /// retention_policy row whenever a log type's hot window differs from the one last recorded,
    /// so each change of policy stays on record.
    /// </summary>
    private async Task RecordPolicyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var types = LogTypes.All.Where(t => t != LogTypes.Compliance).ToArray();
        await using var cmd = new NpgsqlCommand(
            """
            INSERT INTO retention_policy (log_type, hot_days)
            SELECT w.log_type, w.hot_days FROM unnest($1::text[], $2::int[]) AS w(log_type, hot_days)
            WHERE (SELECT p.hot_days FROM retention_policy p WHERE p.log_type = w.log_type ORDER BY p.id DESC LIMIT 1) IS DISTINCT FROM w.hot_days
              AND (w.hot_days IS NOT NULL OR EXISTS (SELECT 1 FROM retention_policy p WHERE p.log_type = w.log_type))
            """, connection);
        cmd.Parameters.Add(new() { Value = types });
        cmd.Parameters.Add(new() { Value = types.Select(options.HotDaysOf).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A hold covers a receive day of a log type when it is active, names that type (or none), and
    /// some entry of the day matches its asset and user (when set) and falls in its day range by
    /// receive day or by event time.
    /// </summary>
    private static async Task<bool> IsHeldAsync(NpgsqlConnection connection, DateTimeOffset from, string logType, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT EXISTS (
                SELECT 1 FROM legal_holds h
                WHERE h."ReleasedAt" IS NULL AND (h."LogType" IS NULL OR h."LogType" = $3)
                  AND EXISTS (
                      SELECT 1 FROM audit_log a
                      WHERE a.created_at >= $1 AND a.created_at < $2 AND a.log_type = $3
                        AND (($1 AT TIME ZONE 'UTC')::date BETWEEN h."FromDay" AND h."ToDay"
                             OR (a."timestamp" AT TIME ZONE 'UTC')::date BETWEEN h."FromDay" AND h."ToDay")
                        AND (h."Asset" IS NULL OR a.event_data ->> 'asset' = h."Asset")
                        AND (h."UserId" IS NULL OR a.user_id = h."UserId")))
            """, connection);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = from.AddDays(1) });
        cmd.Parameters.Add(new() { Value = logType });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<DateOnly>> DaysBeforeAsync(NpgsqlConnection connection, string logType, DateOnly firstKept, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM audit_log
            WHERE log_type = $1 AND created_at < $2 ORDER BY 1
            """, connection);
        cmd.Parameters.Add(new() { Value = logType });
        cmd.Parameters.Add(new() { Value = StartOf(firstKept) });
        var days = new List<DateOnly>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) days.Add(DateOnly.FromDateTime(reader.GetDateTime(0)));
        return days;
    }

    private static async Task<(long Count, long? First, long? Last)> TombstoneAsync(NpgsqlConnection connection, DateTimeOffset from, string logType, string archiveKey, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            WITH t AS (
                INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash)
                SELECT seq, log_type, created_at, previous_hash, current_hash, $4, sha256('\x00'::bytea || canonical) FROM audit_log
                WHERE created_at >= $1 AND created_at < $2 AND log_type = $3
                RETURNING seq)
            SELECT count(*), min(seq), max(seq) FROM t
            """, connection);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = from.AddDays(1) });
        cmd.Parameters.Add(new() { Value = logType });
        cmd.Parameters.Add(new() { Value = archiveKey });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2));
    }

    private static async Task<int> DeleteAsync(NpgsqlConnection connection, DateTimeOffset from, string logType, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            WITH gone AS (DELETE FROM audit_log WHERE created_at >= $1 AND created_at < $2 AND log_type = $3 RETURNING seq),
            unindexed AS (DELETE FROM audit_fts WHERE seq IN (SELECT seq FROM gone)),
            unvectorized AS (DELETE FROM audit_fts_recent WHERE seq IN (SELECT seq FROM gone))
            SELECT count(*) FROM gone
            """, connection);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = from.AddDays(1) });
        cmd.Parameters.Add(new() { Value = logType });
        // The removed entries' full-text rows go with them (audit_fts and audit_fts_recent are derived from the ledger).
        return (int)(long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

}

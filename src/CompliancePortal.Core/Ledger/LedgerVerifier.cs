using System.Data;
using System.Text.Json;
using System.Text.Json.Serialization;
using CompliancePortal.Core.Retention;
using Npgsql;

namespace CompliancePortal.Core.Ledger;

public sealed record ChainHead(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("hash")] string Hash);

/// <summary>The answer of a verification run, in the shape the API and CLI print.</summary>
public sealed record VerificationResult(
    [property: JsonPropertyName("intact")] bool Intact,
    [property: JsonPropertyName("entries")] long Entries,
    [property: JsonPropertyName("head")] ChainHead Head,
    [property: JsonPropertyName("first_bad_seq")] long? FirstBadSeq,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("purged")] long Purged = 0);

/// <summary>The check of one entry and its two links, as the event detail page shows it.</summary>
public sealed record EntryVerification(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("verified")] bool Verified,
    [property: JsonPropertyName("hash_matches")] bool HashMatches,
    [property: JsonPropertyName("column_mismatch")] string? ColumnMismatch,
    [property: JsonPropertyName("links_to_previous")] bool LinksToPrevious,
    [property: JsonPropertyName("links_to_next")] bool LinksToNext,
    [property: JsonPropertyName("previous_hash")] string PreviousHash,
    [property: JsonPropertyName("current_hash")] string CurrentHash,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// Recomputes the chain from the stored rows alone: every seq in order with none missing, every
/// previous_hash equal to the entry before's current_hash, every current_hash equal to
/// SHA-256(previous_hash ‖ canonical), every queryable column equal to what the canonical bytes
/// say, and the head row equal to the last entry (so a removed tail is seen too).
/// Entries removed by the retention job are bridged by their tombstones (ledger_tombstones: the
/// purged entry's seq, previous_hash and current_hash): a tombstone must link to the entry
/// before it, and the next entry (kept or purged) must link to the tombstone's current_hash.
/// </summary>
public static class LedgerVerifier
{
    public static async Task<VerificationResult> VerifyAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One snapshot for the rows and the head, so concurrent appends cannot look like a break.
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection))
            snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
        var head = await ReadHeadAsync(connection, ct);

        // Tombstones are read on a second connection in the same snapshot and merged by seq with the
        // rows: both stream in index order (a UNION ALL ... ORDER BY would sort the whole ledger).
        await using var tombstoneConnection = await dataSource.OpenConnectionAsync(ct);
        await using var tombstoneTx = await tombstoneConnection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var share = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot}'", tombstoneConnection))
            await share.ExecuteNonQueryAsync(ct);

        long entries = 0, purged = 0;
        long expectedSeq = 1;
        var previous = ChainHash.Genesis;
        var previousWasPurged = false;
        await using (var rowsCmd = new NpgsqlCommand(
            $"SELECT {StoredRow.Columns} FROM audit_log WHERE seq <= $1 ORDER BY seq", connection))
        await using (var tombstonesCmd = new NpgsqlCommand(
            "SELECT seq, previous_hash, current_hash FROM ledger_tombstones WHERE seq <= $1 ORDER BY seq", tombstoneConnection))
        {
            rowsCmd.Parameters.Add(new() { Value = head.Seq });
            tombstonesCmd.Parameters.Add(new() { Value = head.Seq });
            await using var rows = await rowsCmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
            await using var tombstones = await tombstonesCmd.ExecuteReaderAsync(ct);
            var row = await rows.ReadAsync(ct) ? StoredRow.Read(rows) : null;
            var tombstone = await tombstones.ReadAsync(ct) ? Tombstone.Read(tombstones) : null;
            while (row is not null || tombstone is not null)
            {
                var isTombstone = row is null || (tombstone is not null && tombstone.Seq <= row.Seq);
                var seq = isTombstone ? tombstone!.Seq : row!.Seq;
                if (row is not null && tombstone is not null && row.Seq == tombstone.Seq && seq == expectedSeq)
                    return Broken(entries, head, seq, $"entry {seq} is stored more than once (as a row and as a tombstone)", purged);
                if (seq != expectedSeq)
                {
                    return seq < expectedSeq
                        ? Broken(entries, head, seq, $"entry {seq} is stored more than once", purged)
                        : Broken(entries, head, expectedSeq, $"entry {expectedSeq} is missing (the next stored entry is {seq})", purged);
                }
                var before = previousWasPurged ? $"the tombstone of purged entry {seq - 1}" : $"entry {seq - 1}";
                if (isTombstone)
                {
                    if (tombstone!.PreviousHash != previous)
                        return Broken(entries, head, seq, $"the tombstone of purged entry {seq} does not link to {before}'s current_hash", purged);
                    previous = tombstone.CurrentHash;
                    previousWasPurged = true;
                    purged++;
                    tombstone = await tombstones.ReadAsync(ct) ? Tombstone.Read(tombstones) : null;
                }
                else
                {
                    if (RowProblem(row!, previous, before) is { } problem)
                        return Broken(entries, head, seq, problem, purged);
                    previous = row!.CurrentHash;
                    previousWasPurged = false;
                    row = await rows.ReadAsync(ct) ? StoredRow.Read(rows) : null;
                }
                entries++;
                expectedSeq++;
            }
        }

        await using (var beyond = new NpgsqlCommand("SELECT min(seq) FROM audit_log WHERE seq > $1", connection))
        {
            beyond.Parameters.Add(new() { Value = head.Seq });
            if (await beyond.ExecuteScalarAsync(ct) is long extra)
                return Broken(entries, head, extra, $"entry {extra} is stored beyond the chain head ({head.Seq})", purged);
        }
        if (entries != head.Seq)
            return Broken(entries, head, expectedSeq, $"entry {expectedSeq} is missing (the chain head is at {head.Seq})", purged);
        if (head.Hash != previous)
            return Broken(entries, head, head.Seq, $"the chain head's hash does not match entry {head.Seq}", purged);
        if (await StrayEventIdAsync(connection, ct) is { } stray)
            return Broken(entries, head, stray.Seq, stray.Reason, purged);
        if (await UnrecordedPurgeAsync(connection, ct) is { } unrecorded)
            return Broken(entries, head, unrecorded, $"purged entry {unrecorded} has no {RetentionPurger.PurgedEvent} entry of the retention job covering it", purged);
        var reason = entries == 0 ? "the ledger is empty"
            : purged == 0 ? "every entry recomputes"
            : $"every kept entry recomputes; {purged} purged entries are bridged by their tombstones";
        return new VerificationResult(true, entries, head, null, reason, purged);
    }

    /// <summary>
    /// An idempotency id (ledger_event_ids) that names no stored or tombstoned entry with the same
    /// source, id and hash: one inserted beside the writer would make the portal answer a source's
    /// later event "duplicate" and never store it.
    /// </summary>
    private static async Task<(long Seq, string Reason)?> StrayEventIdAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT e.seq, e.source, e.event_id FROM ledger_event_ids e
            WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.seq = e.seq AND a.source = e.source AND a.event_id = e.event_id
                                                         AND a.current_hash = e.current_hash)
              AND NOT EXISTS (SELECT 1 FROM ledger_tombstones t WHERE t.seq = e.seq AND t.current_hash = e.current_hash)
            ORDER BY e.seq LIMIT 1
            """, connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var seq = reader.GetInt64(0);
        return (seq, $"the event id '{reader.GetString(2)}' of source '{reader.GetString(1)}' is recorded for entry {seq}, which is not that event");
    }

    /// <summary>The first tombstone that no retention_purged entry of the retention job (its day, log type and seq range) accounts for.</summary>
    private static async Task<long?> UnrecordedPurgeAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT t.seq FROM ledger_tombstones t
            WHERE NOT EXISTS (
                SELECT 1 FROM audit_log p
                WHERE p.event = '{RetentionPurger.PurgedEvent}' AND p.log_type = 'COMPLIANCE' AND p.source = '{RetentionPurger.Job.Source}'
                  AND p.event_data ->> 'log_type' = t.log_type
                  AND p.event_data ->> 'day' = to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
                  AND t.seq BETWEEN (p.event_data ->> 'first_seq')::bigint AND (p.event_data ->> 'last_seq')::bigint)
            ORDER BY t.seq LIMIT 1
            """, connection);
        return await cmd.ExecuteScalarAsync(ct) is long seq ? seq : null;
    }

    /// <summary>
    /// Checks entries <paramref name="fromSeq"/>..<paramref name="toSeq"/> exactly as <see cref="VerifyAsync"/>
    /// checks every entry, starting from the stored current_hash of the entry before the range (the
    /// genesis hash for entry 1): a day's part of the chain, without reading the whole ledger.
    /// Entries counts the entries of the range that recompute.
    /// </summary>
    public static async Task<VerificationResult> VerifyRangeAsync(NpgsqlDataSource dataSource, long fromSeq, long toSeq, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromSeq, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toSeq, fromSeq);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var head = await ReadHeadAsync(connection, ct);
        if (toSeq > head.Seq)
            return Broken(0, head, head.Seq + 1, $"the range ends at entry {toSeq}, beyond the chain head ({head.Seq})");

        var previous = ChainHash.Genesis;
        if (fromSeq > 1)
        {
            // The entry before may have been purged by retention: its tombstone keeps its hash.
            await using var before = new NpgsqlCommand(
                "SELECT current_hash FROM audit_log WHERE seq = $1 UNION ALL SELECT current_hash FROM ledger_tombstones WHERE seq = $1 LIMIT 1", connection);
            before.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromSeq - 1 });
            if (await before.ExecuteScalarAsync(ct) is not string hash)
                return Broken(0, head, fromSeq - 1, $"entry {fromSeq - 1} is missing (the range starts after it)");
            previous = hash;
        }

        var (broken, entries, _) = await CheckRowsAsync(connection, head, fromSeq, toSeq, previous, ct);
        if (broken is not null) return broken;
        var expected = toSeq - fromSeq + 1;
        if (entries != expected)
            return Broken(entries, head, fromSeq + entries, $"entry {fromSeq + entries} is missing (the range ends at {toSeq})");
        return new VerificationResult(true, entries, head, null, fromSeq == 1
            ? $"entries 1..{toSeq} recompute from the genesis hash"
            : $"entries {fromSeq}..{toSeq} recompute and link to entry {fromSeq - 1}");
    }

    /// <summary>The one check of stored rows: seqs in order, links, hashes and columns. Broken is null when all rows pass.</summary>
    private static async Task<(VerificationResult? Broken, long Entries, string Previous)> CheckRowsAsync(
        NpgsqlConnection connection, ChainHead head, long fromSeq, long toSeq, string previous, CancellationToken ct)
    {
        long entries = 0;
        var expectedSeq = fromSeq;
        await using var cmd = new NpgsqlCommand(
            $"SELECT {StoredRow.Columns} FROM audit_log WHERE seq BETWEEN $1 AND $2 ORDER BY seq", connection);
        // From entry 1 any lower seq is read too, so a planted seq 0 or below is seen.
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromSeq == 1 ? long.MinValue : fromSeq });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toSeq });
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            var row = StoredRow.Read(reader);
            if (row.Seq != expectedSeq)
            {
                return (row.Seq < expectedSeq
                    ? Broken(entries, head, row.Seq, $"entry {row.Seq} is stored more than once")
                    : Broken(entries, head, expectedSeq, $"entry {expectedSeq} is missing (the next stored entry is {row.Seq})"), entries, previous);
            }
            if (RowProblem(row, previous, $"entry {row.Seq - 1}") is { } problem)
                return (Broken(entries, head, row.Seq, problem), entries, previous);
            previous = row.CurrentHash;
            entries++;
            expectedSeq++;
        }
        return (null, entries, previous);
    }

    /// <summary>
    /// Re-checks one entry the way <see cref="VerifyAsync"/> checks every entry: its hash from its
    /// stored canonical bytes, its columns against those bytes, and its links to both neighbours
    /// (the entry before's current_hash is its previous_hash, 64 zeros for entry 1; the entry
    /// after's previous_hash is its current_hash, or the chain head's hash if it is the last).
    /// Null when no entry has that seq.
    /// </summary>
    public static async Task<EntryVerification?> VerifyEntryAsync(NpgsqlConnection connection, long seq, CancellationToken ct = default)
    {
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var head = await ReadHeadAsync(connection, ct);
        var rows = new Dictionary<long, StoredRow>();
        await using (var cmd = new NpgsqlCommand(
            $"SELECT {StoredRow.Columns} FROM audit_log WHERE seq BETWEEN $1 - 1 AND $1 + 1", connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
            await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
            while (await reader.ReadAsync(ct))
            {
                var row = StoredRow.Read(reader);
                rows.TryAdd(row.Seq, row);
            }
        }
        if (!rows.TryGetValue(seq, out var entry)) return null;
        var purged = new Dictionary<long, (string Previous, string Current)>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT seq, previous_hash, current_hash FROM ledger_tombstones WHERE seq BETWEEN $1 - 1 AND $1 + 1", connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) purged[reader.GetInt64(0)] = (reader.GetString(1), reader.GetString(2));
        }
        // A neighbour removed by the retention job is represented by its tombstone's hashes.
        string? NeighbourPrevious(long s) => rows.TryGetValue(s, out var r) ? r.PreviousHash : purged.TryGetValue(s, out var t) ? t.Previous : null;
        string? NeighbourCurrent(long s) => rows.TryGetValue(s, out var r) ? r.CurrentHash : purged.TryGetValue(s, out var t) ? t.Current : null;

        var hashMatches = ChainHash.Compute(entry.PreviousHash, entry.Canonical) == entry.CurrentHash;
        var mismatch = entry.FindColumnMismatch();
        var linksBack = seq == 1
            ? entry.PreviousHash == ChainHash.Genesis
            : NeighbourCurrent(seq - 1) == entry.PreviousHash;
        var after = NeighbourPrevious(seq + 1);
        var linksForward = after is not null
            ? after == entry.CurrentHash
            : head.Seq == seq && head.Hash == entry.CurrentHash;

        var reason = !hashMatches ? $"entry {seq}'s current_hash does not match its canonical bytes"
            : mismatch is not null ? $"entry {seq}'s {mismatch} column differs from its hashed canonical bytes"
            : !linksBack ? (seq == 1 ? "entry 1's previous_hash is not the genesis hash" : $"entry {seq}'s previous_hash does not match entry {seq - 1}'s current_hash")
            : !linksForward ? (after is null ? $"entry {seq + 1} is missing (the chain head is at {head.Seq})" : $"entry {seq + 1}'s previous_hash does not match entry {seq}'s current_hash")
            : seq == head.Seq ? "the hash recomputes from the stored bytes and the entry is the chain head"
            : "the hash recomputes from the stored bytes and both neighbours link to it";
        return new EntryVerification(seq, hashMatches && mismatch is null && linksBack && linksForward,
            hashMatches, mismatch, linksBack, linksForward, entry.PreviousHash, entry.CurrentHash, reason);
    }

    public static async Task<ChainHead> ReadHeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT seq, hash FROM ledger_head WHERE id = 1", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("ledger_head has no row");
        return new ChainHead(reader.GetInt64(0), reader.GetString(1));
    }

    /// <summary>The one check of a stored row: its link to what came before, its hash, its columns. Null when it passes.</summary>
    private static string? RowProblem(StoredRow row, string previous, string before)
    {
        if (row.PreviousHash != previous) return $"entry {row.Seq}'s previous_hash does not match {before}'s current_hash";
        if (ChainHash.Compute(previous, row.Canonical) != row.CurrentHash) return $"entry {row.Seq}'s current_hash does not match its canonical bytes";
        return row.FindColumnMismatch() is { } mismatch ? $"entry {row.Seq}'s {mismatch} column differs from its hashed canonical bytes" : null;
    }

    private static VerificationResult Broken(long entries, ChainHead head, long seq, string reason, long purged = 0) =>
        new(false, entries, head, seq, reason, purged);

    /// <summary>What remains in PostgreSQL of an entry the retention job removed: its place in the chain.</summary>
    private sealed record Tombstone(long Seq, string PreviousHash, string CurrentHash)
    {
        public static Tombstone Read(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2));
    }

    private sealed record StoredRow(
        long Seq, DateTime CreatedAt, DateTime Timestamp, string LogType, string Event, string? UserId,
        string? IpAddress, string? SessionId, string Source, string? EventId, string PreviousHash,
        string CurrentHash, byte[] Canonical, bool DataMatches)
    {
        public const string Columns =
            """
            seq, created_at, "timestamp", log_type, event, user_id, ip_address, session_id, source,
            event_id, previous_hash, current_hash, canonical,
            event_data = (convert_from(canonical, 'UTF8')::jsonb -> 'data') AS data_matches
            """;

        public static StoredRow Read(NpgsqlDataReader r) => new(
            r.GetInt64(0), r.GetDateTime(1), r.GetDateTime(2), r.GetString(3), r.GetString(4),
            NullableString(r, 5), NullableString(r, 6), NullableString(r, 7), r.GetString(8), NullableString(r, 9),
            r.GetString(10), r.GetString(11), r.GetFieldValue<byte[]>(12), !r.IsDBNull(13) && r.GetBoolean(13));

        private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

        /// <summary>Names the first column whose value the canonical bytes do not confirm, or null.</summary>
        public string? FindColumnMismatch()
        {
            if (!DataMatches) return "event_data";
            JsonDocument doc;
            try { doc = JsonDocument.Parse(Canonical); }
            catch (JsonException) { return "canonical"; }
            using (doc)
            {
                var c = doc.RootElement;
                string? Text(string name) =>
                    c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                if (!c.TryGetProperty("seq", out var seq) || !seq.TryGetInt64(out var s) || s != Seq) return "seq";
                if (Text("received_at") != CanonicalEntry.FormatTime(new DateTimeOffset(CreatedAt, TimeSpan.Zero))) return "created_at";
                if (Text("timestamp") != CanonicalEntry.FormatTime(new DateTimeOffset(Timestamp, TimeSpan.Zero))) return "timestamp";
                if (Text("log_type") != LogType) return "log_type";
                if (Text("event") != Event) return "event";
                if (Text("source") != Source) return "source";
                if (Text("event_id") != EventId) return "event_id";
                if (Text("user_id") != UserId) return "user_id";
                if (Text("ip_address") != IpAddress) return "ip_address";
                if (Text("session_id") != SessionId) return "session_id";
                return null;
            }
        }
    }
}

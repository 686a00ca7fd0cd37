using System.Data;
using System.Text.Json;
using System.Text.Json.Serialization;
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
        var head = await ReadHeadAsync(connection, ct);

        long entries = 0, purged = 0;
        long expectedSeq = 1;
        var previous = ChainHash.Genesis;
        var previousWasPurged = false;
        await using (var cmd = new NpgsqlCommand(
            $"""
            SELECT false AS purged, {StoredRow.Columns}, NULL::varchar AS archive_key FROM audit_log WHERE seq <= $1
            UNION ALL
            SELECT true, seq, created_at, NULL::timestamptz, log_type, NULL::varchar, NULL::varchar, NULL::varchar, NULL::varchar,
                   NULL::varchar, NULL::varchar, previous_hash, current_hash, NULL::bytea, NULL::boolean, archive_key
            FROM ledger_tombstones WHERE seq <= $1
            ORDER BY 2
            """, connection))
        {
            cmd.Parameters.Add(new() { Value = head.Seq });
            // Not sequential access: seq is read before the rest of the row is interpreted.
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var isTombstone = reader.GetBoolean(0);
                var seq = reader.GetInt64(1);
                if (seq != expectedSeq)
                {
                    return seq < expectedSeq
                        ? Broken(entries, head, seq, $"entry {seq} is stored more than once (as a row or a tombstone)", purged)
                        : Broken(entries, head, expectedSeq, $"entry {expectedSeq} is missing (the next stored entry is {seq})", purged);
                }
                var before = previousWasPurged ? $"the tombstone of purged entry {seq - 1}" : $"entry {seq - 1}";
                if (isTombstone)
                {
                    var tombstonePrevious = reader.GetString(11);
                    var tombstoneCurrent = reader.GetString(12);
                    if (tombstonePrevious != previous)
                        return Broken(entries, head, seq, $"the tombstone of purged entry {seq} does not link to {before}'s current_hash", purged);
                    previous = tombstoneCurrent;
                    previousWasPurged = true;
                    purged++;
                    entries++;
                    expectedSeq++;
                    continue;
                }
                var row = StoredRow.Read(reader, 1);
                if (row.PreviousHash != previous)
                    return Broken(entries, head, row.Seq, $"entry {row.Seq}'s previous_hash does not match {before}'s current_hash", purged);
                if (ChainHash.Compute(previous, row.Canonical) != row.CurrentHash)
                    return Broken(entries, head, row.Seq, $"entry {row.Seq}'s current_hash does not match its canonical bytes", purged);
                var mismatch = row.FindColumnMismatch();
                if (mismatch is not null)
                    return Broken(entries, head, row.Seq, $"entry {row.Seq}'s {mismatch} column differs from its hashed canonical bytes", purged);
                previous = row.CurrentHash;
                previousWasPurged = false;
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
        var reason = entries == 0 ? "the ledger is empty"
            : purged == 0 ? "every entry recomputes"
            : $"every kept entry recomputes; {purged} purged entries are bridged by their tombstones";
        return new VerificationResult(true, entries, head, null, reason, purged);
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

    private static VerificationResult Broken(long entries, ChainHead head, long seq, string reason, long purged) =>
        new(false, entries, head, seq, reason, purged);

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

        /// <summary>Reads the <see cref="Columns"/> starting at column <paramref name="o"/>.</summary>
        public static StoredRow Read(NpgsqlDataReader r, int o = 0) => new(
            r.GetInt64(o), r.GetDateTime(o + 1), r.GetDateTime(o + 2), r.GetString(o + 3), r.GetString(o + 4),
            NullableString(r, o + 5), NullableString(r, o + 6), NullableString(r, o + 7), r.GetString(o + 8), NullableString(r, o + 9),
            r.GetString(o + 10), r.GetString(o + 11), r.GetFieldValue<byte[]>(o + 12), !r.IsDBNull(o + 13) && r.GetBoolean(o + 13));

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

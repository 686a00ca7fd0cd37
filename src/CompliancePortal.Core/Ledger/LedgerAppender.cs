using Npgsql;
using NpgsqlTypes;

namespace CompliancePortal.Core.Ledger;

/// <summary>One group of events that must be stored together or not at all (one API request).</summary>
public sealed record AppendRequest(string Source, IReadOnlyList<LedgerEvent> Events);

/// <summary>
/// The only code that inserts into the ledger. It runs inside a caller's transaction: it locks
/// the chain head row (so every writer, in every portal process, extends one gapless chain),
/// skips events whose (source, event_id) is already stored, hashes the rest, COPYs them in and
/// advances the head. Nothing is visible or acknowledged until the caller commits.
/// </summary>
public static class LedgerAppender
{
    public const string NotifyChannel = "ledger_appended";

    public static async Task<IReadOnlyList<LedgerReceipt>[]> AppendAsync(
        NpgsqlConnection connection, IReadOnlyList<AppendRequest> requests, CancellationToken ct)
    {
        var (seq, hash) = await LockHeadAsync(connection, ct);
        var existing = await FindStoredEventIdsAsync(connection, requests, ct);

        var results = new IReadOnlyList<LedgerReceipt>[requests.Count];
        var rows = new List<(long Seq, string Source, LedgerEvent Event, byte[] Canonical, string Previous, string Current)>();
        for (var r = 0; r < requests.Count; r++)
        {
            var request = requests[r];
            var receipts = new LedgerReceipt[request.Events.Count];
            for (var i = 0; i < request.Events.Count; i++)
            {
                var e = request.Events[i];
                if (e.EventId is not null && existing.TryGetValue((request.Source, e.EventId), out var stored))
                {
                    receipts[i] = stored with { Duplicate = true };
                    continue;
                }
                seq++;
                var canonical = CanonicalEntry.Build(seq, request.Source, e);
                var current = ChainHash.Compute(hash, canonical);
                rows.Add((seq, request.Source, e, canonical, hash, current));
                receipts[i] = new LedgerReceipt(seq, current, e.EventId, false);
                if (e.EventId is not null) existing[(request.Source, e.EventId)] = receipts[i];
                hash = current;
            }
            results[r] = receipts;
        }

        if (rows.Count == 0) return results;

        // Rows are written with the importer's synchronous Write: it only copies into Npgsql's
        // buffer (flushing to the socket when full), which is several times cheaper than an
        // awaited call per field. Only the start and the completion wait on the server.
        await using (var importer = await connection.BeginBinaryImportAsync(
            """
            COPY audit_log (seq, created_at, "timestamp", log_type, event, event_data, user_id, ip_address,
                            session_id, source, event_id, canonical, previous_hash, current_hash)
            FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var row in rows)
            {
                var e = row.Event;
                importer.StartRow();
                importer.Write(row.Seq, NpgsqlDbType.Bigint);
                importer.Write(e.ReceivedAt, NpgsqlDbType.TimestampTz);
                importer.Write(e.Timestamp ?? e.ReceivedAt, NpgsqlDbType.TimestampTz);
                importer.Write(e.LogType, NpgsqlDbType.Varchar);
                importer.Write(e.Event, NpgsqlDbType.Varchar);
                importer.Write(e.DataJson, NpgsqlDbType.Jsonb);
                WriteNullable(importer, e.UserId);
                WriteNullable(importer, e.IpAddress);
                WriteNullable(importer, e.SessionId);
                importer.Write(row.Source, NpgsqlDbType.Varchar);
                WriteNullable(importer, e.EventId);
                importer.Write(row.Canonical, NpgsqlDbType.Bytea);
                importer.Write(row.Previous, NpgsqlDbType.Char);
                importer.Write(row.Current, NpgsqlDbType.Char);
            }
            await importer.CompleteAsync(ct);
        }

        if (rows.Exists(r => r.Event.EventId is not null))
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                "COPY ledger_event_ids (source, event_id, seq, current_hash) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var row in rows)
            {
                if (row.Event.EventId is null) continue;
                importer.StartRow();
                importer.Write(row.Source, NpgsqlDbType.Varchar);
                importer.Write(row.Event.EventId, NpgsqlDbType.Varchar);
                importer.Write(row.Seq, NpgsqlDbType.Bigint);
                importer.Write(row.Current, NpgsqlDbType.Char);
            }
            await importer.CompleteAsync(ct);
        }

        await using (var advance = new NpgsqlCommand(
            """
            WITH head AS (UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1 RETURNING seq)
            SELECT pg_notify($3, seq::text) FROM head
            """, connection))
        {
            advance.Parameters.Add(new() { Value = seq });
            advance.Parameters.Add(new() { Value = hash });
            advance.Parameters.Add(new() { Value = NotifyChannel });
            await advance.ExecuteNonQueryAsync(ct);
        }
        return results;
    }

    private static async Task<(long Seq, string Hash)> LockHeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new InvalidOperationException("ledger_head has no row: the ledger migration has not run.");
        return (reader.GetInt64(0), reader.GetString(1));
    }

    private static async Task<Dictionary<(string, string), LedgerReceipt>> FindStoredEventIdsAsync(
        NpgsqlConnection connection, IReadOnlyList<AppendRequest> requests, CancellationToken ct)
    {
        var found = new Dictionary<(string, string), LedgerReceipt>();
        var sources = new List<string>();
        var ids = new List<string>();
        foreach (var request in requests)
            foreach (var e in request.Events)
                if (e.EventId is not null)
                {
                    sources.Add(request.Source);
                    ids.Add(e.EventId);
                }
        if (ids.Count == 0) return found;

        await using var cmd = new NpgsqlCommand(
            """
            SELECT k.source, k.event_id, k.seq, k.current_hash
            FROM ledger_event_ids k
            JOIN unnest($1::varchar[], $2::varchar[]) AS q(source, event_id)
              ON k.source = q.source AND k.event_id = q.event_id
            """, connection);
        cmd.Parameters.Add(new() { Value = sources.ToArray() });
        cmd.Parameters.Add(new() { Value = ids.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            found[key] = new LedgerReceipt(reader.GetInt64(2), reader.GetString(3), key.Item2, true);
        }
        return found;
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null) importer.WriteNull();
        else importer.Write(value, NpgsqlDbType.Varchar);
    }
}

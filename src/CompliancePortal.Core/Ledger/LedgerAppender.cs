using Npgsql;
using NpgsqlTypes;

namespace CompliancePortal.Core.Ledger;

/// <summary>One group of events that must be stored together or not at all (one API request).</summary>
internal sealed record AppendRequest(string Source, IReadOnlyList<LedgerEvent> Events)
{
    /// <summary>Each event's <see cref="CanonicalEntry.BuildTail"/>, built ahead by the caller; null builds them under the lock.</summary>
    public IReadOnlyList<byte[]>? Tails { get; init; }

    /// <summary>A request with its canonical tails built now (on the caller's thread).</summary>
    public static AppendRequest WithTails(string source, IReadOnlyList<LedgerEvent> events) =>
        new(source, events) { Tails = [.. events.Select(e => CanonicalEntry.BuildTail(source, e))] };
}

/// <summary>An append worked out in memory: its rows, each request's receipts, and the chain head before and after.</summary>
internal sealed class AppendPlan
{
    /// <summary>The entries to store, in seq order (none when every event was a repeat).</summary>
    public List<CommittedEntry> Rows { get; } = [];

    public required IReadOnlyList<LedgerReceipt>[] Receipts { get; init; }
    public required ChainHead Start { get; init; }
    public ChainHead End { get; internal set; } = null!;
}

/// <summary>
/// Where every ledger entry is stored. It runs inside a caller's transaction: it locks the chain
/// head row (so every writer, in every portal process, extends one gapless chain), skips events
/// whose (source, event_id) is already stored, hashes the rest, COPYs them in and advances the
/// head. Nothing is visible or acknowledged until the caller commits. Internal: portal code
/// appends through <see cref="ILedgerAppend"/>, which calls it inside a workflow's transaction
/// (<see cref="LedgerTransaction"/>) or hands the events to <see cref="LedgerWriter"/>, the other
/// caller; the tests and benchmarks call it directly to seed ledgers in bulk.
/// </summary>
internal static class LedgerAppender
{
    public const string NotifyChannel = "ledger_appended";

    /// <summary>The unique key that refuses an event id stored before (SQLSTATE 23505 names it).</summary>
    public const string EventIdKey = "ledger_event_ids_pkey";

    public static async Task<IReadOnlyList<LedgerReceipt>[]> AppendAsync(
        NpgsqlConnection connection, IReadOnlyList<AppendRequest> requests, CancellationToken ct) =>
        (await AppendAsync(connection, requests, lookUpEventIds: true, ct)).Receipts;

    /// <summary>Locks the head, then plans, writes and advances; returns the plan (its receipts and the new head).</summary>
    /// <param name="lookUpEventIds">
    /// false skips reading which event ids are already stored: a repeat then fails the COPY on
    /// <see cref="EventIdKey"/> before any entry is written, and the caller rolls back and calls
    /// again with true. The batching writer does so because repeats are rare and the lookup was
    /// a sixth of its time under the chain-head lock.
    /// </param>
    public static async Task<AppendPlan> AppendAsync(
        NpgsqlConnection connection, IReadOnlyList<AppendRequest> requests, bool lookUpEventIds, CancellationToken ct)
    {
        var head = await LockHeadAsync(connection, ct);
        var existing = lookUpEventIds
            ? await FindStoredEventIdsAsync(connection, requests, ct)
            : new Dictionary<(string, string), LedgerReceipt>();
        var plan = Plan(requests, head, existing);
        if (plan.Rows.Count == 0) return plan;
        await WriteAsync(connection, plan, ct);
        await AdvanceAsync(connection, plan.End, ct);
        return plan;
    }

    /// <summary>
    /// Plans an append after a head the caller predicts (the end of its previous plan), taking
    /// no lock and assuming no event id was stored before. <see cref="WritePlannedAsync"/> and
    /// <see cref="AdvancePlannedAsync"/> then store it.
    /// </summary>
    public static AppendPlan PlanAfter(IReadOnlyList<AppendRequest> requests, ChainHead predicted) =>
        Plan(requests, predicted, []);

    /// <summary>
    /// Writes a plan from <see cref="PlanAfter"/> without taking the chain-head lock, so it can
    /// run while the appends before it are still committing. Nothing of it is visible until
    /// <see cref="AdvancePlannedAsync"/> succeeds and the caller commits.
    /// </summary>
    public static Task WritePlannedAsync(NpgsqlConnection connection, AppendPlan plan, CancellationToken ct) =>
        WriteAsync(connection, plan, ct);

    /// <summary>
    /// Locks the head and advances it to the plan's end only if it is still the head the plan
    /// started at. False when it is not (an earlier append failed, or another writer appended):
    /// the caller must roll back. Because the head moves only under its lock and only from the
    /// head a plan started at, commits still extend one gapless chain in seq order.
    /// </summary>
    public static async Task<bool> AdvancePlannedAsync(NpgsqlConnection connection, AppendPlan plan, CancellationToken ct)
    {
        if (await LockHeadAsync(connection, ct) != plan.Start) return false;
        await AdvanceAsync(connection, plan.End, ct);
        return true;
    }

    private static AppendPlan Plan(
        IReadOnlyList<AppendRequest> requests, ChainHead start, Dictionary<(string, string), LedgerReceipt> existing)
    {
        var plan = new AppendPlan { Receipts = new IReadOnlyList<LedgerReceipt>[requests.Count], Start = start };
        var (seq, hash) = (start.Seq, start.Hash);
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
                var canonical = request.Tails is { } tails
                    ? CanonicalEntry.Join(seq, tails[i])
                    : CanonicalEntry.Build(seq, request.Source, e);
                var current = ChainHash.Compute(hash, canonical);
                plan.Rows.Add(new CommittedEntry(seq, request.Source, e, canonical, hash, current));
                receipts[i] = new LedgerReceipt(seq, current, e.EventId, false);
                if (e.EventId is not null) existing[(request.Source, e.EventId)] = receipts[i];
                hash = current;
            }
            plan.Receipts[r] = receipts;
        }
        plan.End = new ChainHead(seq, hash);
        return plan;
    }

    private static async Task WriteAsync(NpgsqlConnection connection, AppendPlan plan, CancellationToken ct)
    {
        var rows = plan.Rows;
        // Event ids first: a repeat (when not looked up) fails here, before the costly entry COPY.
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
                importer.Write(row.CurrentHash, NpgsqlDbType.Char);
            }
            await importer.CompleteAsync(ct);
        }

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
                importer.Write(row.PreviousHash, NpgsqlDbType.Char);
                importer.Write(row.CurrentHash, NpgsqlDbType.Char);
            }
            await importer.CompleteAsync(ct);
        }
    }

    private static async Task AdvanceAsync(NpgsqlConnection connection, ChainHead end, CancellationToken ct)
    {
        await using var advance = new NpgsqlCommand(
            """
            WITH head AS (UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1 RETURNING seq)
            SELECT pg_notify($3, seq::text) FROM head
            """, connection);
        advance.Parameters.Add(new() { Value = end.Seq });
        advance.Parameters.Add(new() { Value = end.Hash });
        advance.Parameters.Add(new() { Value = NotifyChannel });
        await advance.ExecuteNonQueryAsync(ct);
    }

    private static async Task<ChainHead> LockHeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new InvalidOperationException("ledger_head has no row: the ledger migration has not run.");
        return new ChainHead(reader.GetInt64(0), reader.GetString(1));
    }

    private static async Task<Dictionary<(string, string), LedgerReceipt>> FindStoredEventIdsAsync(
        NpgsqlConnection connection, IReadOnlyList<AppendRequest> requests, CancellationToken ct)
    {
        var found = new Dictionary<(string, string), LedgerReceipt>();
        var idsBySource = new Dictionary<string, List<string>>();
        foreach (var request in requests)
            foreach (var e in request.Events)
                if (e.EventId is not null)
                {
                    if (!idsBySource.TryGetValue(request.Source, out var ids)) idsBySource[request.Source] = ids = [];
                    ids.Add(e.EventId);
                }

        // One lookup per source, shaped so the plan is always the primary key's index scan: a
        // join against unnest() was planned as a hash join over the whole table once it grew.
        foreach (var (source, ids) in idsBySource)
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT event_id, seq, current_hash FROM ledger_event_ids WHERE source = $1 AND event_id = ANY($2::varchar[])",
                connection);
            cmd.Parameters.Add(new() { Value = source });
            cmd.Parameters.Add(new() { Value = ids.ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var eventId = reader.GetString(0);
                found[(source, eventId)] = new LedgerReceipt(reader.GetInt64(1), reader.GetString(2), eventId, true);
            }
        }
        return found;
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null) importer.WriteNull();
        else importer.Write(value, NpgsqlDbType.Varchar);
    }
}

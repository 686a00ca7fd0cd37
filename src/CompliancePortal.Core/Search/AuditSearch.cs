using System.Data;
using System.Runtime.CompilerServices;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Core.Search;

/// <summary>One ledger entry as search results show it.</summary>
public sealed record AuditRow(
    long Seq, DateTimeOffset Timestamp, DateTimeOffset ReceivedAt, string LogType, string Event,
    string? UserId, string Source, string EventData, string CurrentHash)
{
    public AuditCursor Cursor => new(Timestamp, Seq);
}

/// <summary>
/// One page of results. <see cref="Total"/> is counted for the first page only (null on later
/// pages) and stops at <see cref="AuditQuery.CountCap"/>: <see cref="TotalCapped"/> then means
/// "more than 10,000".
/// </summary>
public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, AuditCursor? Next, long? Total, bool TotalCapped);

/// <summary>
/// The audit search: structured filters and full text over the ledger, newest or oldest first,
/// in keyset pages of 50, plus a streamed export. The reader's granted period is applied here,
/// to every statement, and every search, export, view and verification is written to the
/// ledger before anything is returned.
/// </summary>
public sealed partial class AuditSearch(NpgsqlDataSource db, UserActionLog log)
{
    /// <summary>Tests' seam: runs after a full-text search has read the indexer's marks, before its statement.</summary>
    internal Func<Task>? AfterIndexPositionRead { get; set; }

    public async Task<AuditPage> SearchAsync(RecordReader reader, AuditQuery query, AuditCursor? after = null, CancellationToken ct = default)
    {
        query = query.Sanitized();
        await log.RecordAsync(reader.Actor, "audit_search", Describe(reader, query, after));

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var snapshot = await BeginSnapshotAsync(connection, query, ct);
        var sql = new AuditSql(reader, query, await ReadIndexPositionAsync(connection, query, ct));
        if (after is { } cursor) sql.After(cursor, query.OldestFirst);
        // The first page also counts (capped), in the same statement.
        int? countCap = after is null ? AuditQuery.CountCap + 1 : null;
        await using var cmd = sql.Command(connection, sql.Select(query.OldestFirst, AuditQuery.PageSize + 1, countCap));
        var rows = new List<AuditRow>(AuditQuery.PageSize + 1);
        long? total = countCap is null ? null : 0;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                rows.Add(ReadRow(r));
                if (countCap is not null) total = r.GetInt64(AuditSql.ColumnCount);
            }

        AuditCursor? next = null;
        if (rows.Count > AuditQuery.PageSize)
        {
            rows.RemoveAt(rows.Count - 1);
            next = rows[^1].Cursor;
        }
        return new AuditPage(rows, next, total is null ? null : Math.Min(total.Value, AuditQuery.CountCap), total > AuditQuery.CountCap);
    }

    /// <summary>
    /// Every matching row in the query's order, read from PostgreSQL as the caller consumes them
    /// (one open statement, nothing collected in memory). The export is recorded before the first row.
    /// </summary>
    public async IAsyncEnumerable<AuditRow> ExportAsync(RecordReader reader, AuditQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        query = query.Sanitized();
        await log.RecordAsync(reader.Actor, "search_exported", Describe(reader, query, null));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var snapshot = await BeginSnapshotAsync(connection, query, ct);
        var sql = new AuditSql(reader, query, await ReadIndexPositionAsync(connection, query, ct));
        await using var cmd = sql.Command(connection, sql.Select(query.OldestFirst, limit: null));
        await using var r = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        while (await r.ReadAsync(ct)) yield return ReadRow(r);
    }

    // A full-text search reads the indexer's position and its rows in one snapshot: the indexer's
    // second stage moves rows from audit_fts_recent to audit_fts, and an entry must be found in
    // exactly one of them. Read-only, so it never fails to serialize.
    private static async Task<NpgsqlTransaction?> BeginSnapshotAsync(NpgsqlConnection connection, AuditQuery query, CancellationToken ct) =>
        AuditSql.HasText(query) ? await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct) : null;

    // Read first, as values: passed as parameters, the unindexed parts are planned for their real size.
    private async Task<IndexPosition> ReadIndexPositionAsync(NpgsqlConnection connection, AuditQuery query, CancellationToken ct)
    {
        if (!AuditSql.HasText(query)) return default;
        IndexPosition position;
        await using (var cmd = new NpgsqlCommand("SELECT watermark, vectorized FROM fts_position", connection))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            position = new IndexPosition(r.GetInt64(0), r.GetInt64(1));
        }
        if (AfterIndexPositionRead is { } hook) await hook();
        return position;
    }

    internal static AuditRow ReadRow(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero),
        new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero),
        r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetString(7), r.GetString(8));

    /// <summary>What the ledger keeps about a search: the shareable query, its parts, the page and the reader's scope.</summary>
    private static object Describe(RecordReader reader, AuditQuery query, AuditCursor? after) => new
    {
        query = AuditQueryInput.ToQueryString(query),
        filters = new
        {
            from = query.From, to = query.To, log_type = query.LogType, @event = query.Event, user_id = query.UserId,
            fields = query.Fields.Select(f => new { field = f.Field, value = f.Value }), text = query.Text,
            order = query.OldestFirst ? "oldest" : "newest",
        },
        after = after is { } c ? new { timestamp = CanonicalEntry.FormatTime(c.Timestamp), seq = c.Seq } : null,
        scope = reader.Scope,
    };
}

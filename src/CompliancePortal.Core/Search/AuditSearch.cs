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
    public async Task<AuditPage> SearchAsync(RecordReader reader, AuditQuery query, AuditCursor? after = null, CancellationToken ct = default)
    {
        query = query.Sanitized();
        await log.RecordAsync(reader.Actor, "audit_search", Describe(reader, query, after));

        await using var connection = await db.OpenConnectionAsync(ct);
        var watermark = await ReadWatermarkAsync(connection, query, ct);
        long? total = null;
        if (after is null)
        {
            var counting = new AuditSql(reader, query, watermark);
            await using var count = counting.Command(connection, counting.Count(AuditQuery.CountCap + 1));
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        var sql = new AuditSql(reader, query, watermark);
        if (after is { } cursor) sql.After(cursor, query.OldestFirst);
        await using var cmd = sql.Command(connection, sql.Select(query.OldestFirst, AuditQuery.PageSize + 1));
        var rows = new List<AuditRow>(AuditQuery.PageSize + 1);
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) rows.Add(ReadRow(r));

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
        var sql = new AuditSql(reader, query, await ReadWatermarkAsync(connection, query, ct));
        await using var cmd = sql.Command(connection, sql.Select(query.OldestFirst, limit: null));
        await using var r = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        while (await r.ReadAsync(ct)) yield return ReadRow(r);
    }

    // Read before the search's statements: the index holds every entry up to it from then on.
    private static async Task<long> ReadWatermarkAsync(NpgsqlConnection connection, AuditQuery query, CancellationToken ct)
    {
        if (!AuditSql.HasText(query)) return 0;
        await using var cmd = new NpgsqlCommand("SELECT watermark FROM fts_state", connection);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
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

using Npgsql;

namespace CompliancePortal.Core.Search;

/// <summary>
/// Turns a query and its reader's window into the statements that page, count and export its
/// entries (<see cref="Select"/>, <see cref="Count"/>) with positional parameters. Every value the user typed, field names included, is a parameter: no
/// user text is ever SQL.
/// </summary>
internal sealed class AuditSql
{
    /// <summary>
    /// An entry's full-text vector: the event name and every string value of its data (not keys,
    /// not numbers), 'simple' configuration (tickers, ids and names match exactly, no stemming).
    /// The indexer stores exactly this in audit_fts (017_full_text_behind_the_ledger.sql).
    /// </summary>
    public const string FullTextVector =
        "(to_tsvector('simple'::regconfig, event::text) || jsonb_to_tsvector('simple'::regconfig, event_data, '[\"string\"]'::jsonb))";

    public const string Columns =
        "seq, \"timestamp\", created_at, log_type, event, user_id, source, event_data::text, current_hash";

    private readonly List<string> _conditions = [];      // on columns audit_fts has too
    private readonly List<string> _dataConditions = [];  // on event_data: audit_log only
    private readonly string? _textQuery;                 // the full-text query, when there is one
    private readonly string? _watermark;                 // the parameter holding the index's watermark

    public List<NpgsqlParameter> Parameters { get; } = [];

    /// <param name="watermark">
    /// A watermark the full-text indexer has reached (fts_state, read before this statement; an
    /// older one only makes the tail longer): entries up to it are found in audit_fts, the ones
    /// after it by computing their vector. Used only when the query has text.
    /// </param>
    public AuditSql(RecordReader reader, AuditQuery query, long watermark = 0)
    {
        var (notBefore, before, nothing) = reader.Window;
        if (nothing) _conditions.Add("false");
        if (notBefore is { } nb) _conditions.Add($"\"timestamp\" >= {Add(nb)}");
        if (before is { } b) _conditions.Add($"\"timestamp\" < {Add(b)}");
        if (query.From is { } from) _conditions.Add($"\"timestamp\" >= {Add(from)}");
        if (query.To is { } to) _conditions.Add($"\"timestamp\" <= {Add(to)}");
        if (query.LogType is { } type) _conditions.Add($"log_type = {Add(type)}");
        if (query.Event is { } e) _conditions.Add($"event = {Add(e)}");
        if (query.UserId is { } user) _conditions.Add($"user_id = {Add(user)}");
        foreach (var f in query.Fields)
        {
            // "event_data ? name" lets PostgreSQL use the partial field indexes (WHERE event_data ? 'asset').
            var name = Add(f.Field);
            _dataConditions.Add($"event_data ? {name} AND event_data ->> {name} = {Add(f.Value)}");
        }
        if (query.Text is { } text && text.Trim().Length > 0)
        {
            _textQuery = $"websearch_to_tsquery('simple'::regconfig, {Add(SearchText.Clip(text, AuditQuery.MaxTextLength))})";
            _watermark = Add(watermark);
        }
    }

    /// <summary>Whether the query has text, and so needs the index's watermark.</summary>
    public static bool HasText(AuditQuery query) => query.Text is { } text && text.Trim().Length > 0;

    /// <summary>Adds a condition on the page's position (keyset paging: no OFFSET).</summary>
    public void After(AuditCursor cursor, bool oldestFirst) =>
        _conditions.Add($"(\"timestamp\", seq) {(oldestFirst ? ">" : "<")} ({Add(cursor.Timestamp)}, {Add(cursor.Seq)})");

    /// <summary>Leaves one entry out (an entry's related entries are the others).</summary>
    public void Except(long seq) => _conditions.Add($"seq <> {Add(seq)}");

    /// <summary>The matching entries' <see cref="Columns"/> in order, at most <paramref name="limit"/> of them (null: all).</summary>
    public string Select(bool oldestFirst, int? limit)
    {
        var order = $"ORDER BY {OrderBy(oldestFirst)}{(limit is { } n ? $" LIMIT {n}" : "")}";
        if (_textQuery is null) return $"SELECT {Columns} FROM audit_log WHERE {Where(_conditions.Concat(_dataConditions))} {order}";
        // With conditions on the data, the index cannot pick the page by itself.
        var hits = _dataConditions.Count == 0 ? Hits(order) : Hits("");
        return $"""
            {hits}
            SELECT {Columns} FROM audit_log JOIN (SELECT seq, created_at FROM hits {(_dataConditions.Count == 0 ? order : "")}) AS hit USING (seq, created_at)
            WHERE {Where(_dataConditions)} {order}
            """;
    }

    /// <summary>How many entries match, counting no further than <paramref name="cap"/>.</summary>
    public string Count(int cap)
    {
        if (_textQuery is null)
            return $"SELECT count(*) FROM (SELECT FROM audit_log WHERE {Where(_conditions.Concat(_dataConditions))} LIMIT {cap}) AS capped";
        var matches = _dataConditions.Count == 0
            ? "hits"
            : $"audit_log JOIN hits USING (seq, created_at) WHERE {Where(_dataConditions)}";
        return $"{Hits("")}\nSELECT count(*) FROM (SELECT FROM {matches} LIMIT {cap}) AS capped";
    }

    /// <summary>
    /// The entries whose text matches, as a WITH clause naming them hits (seq, created_at,
    /// timestamp): up to the watermark from audit_fts, after it by computing each vector (the
    /// tail, computed once per statement). <paramref name="order"/> lets the index part stop at a
    /// page: the time index walked with the stored vector for a common term, the GIN index and a
    /// top-N sort for a rare one.
    /// </summary>
    private string Hits(string order) => $"""
        WITH tail AS MATERIALIZED (
            SELECT seq, created_at, "timestamp" FROM audit_log
            WHERE seq > {_watermark} AND {Where(_conditions)} AND {FullTextVector} @@ {_textQuery}),
        hits AS NOT MATERIALIZED (
            (SELECT seq, created_at, "timestamp" FROM audit_fts
             WHERE seq <= {_watermark} AND {Where(_conditions)} AND vector @@ {_textQuery} {order})
            UNION ALL
            SELECT seq, created_at, "timestamp" FROM tail)
        """;

    private static string Where(IEnumerable<string> conditions)
    {
        var all = string.Join("\n  AND ", conditions);
        return all.Length == 0 ? "true" : all;
    }

    private static string OrderBy(bool oldestFirst) =>
        oldestFirst ? "\"timestamp\", seq" : "\"timestamp\" DESC, seq DESC";

    public NpgsqlCommand Command(NpgsqlConnection connection, string sql)
    {
        var cmd = new NpgsqlCommand(sql, connection);
        foreach (var p in Parameters) cmd.Parameters.Add(p);
        return cmd;
    }

    // Text that PostgreSQL cannot take (NUL, lone surrogates) is made sendable: a query never fails on input.
    private string Add(string value) => Add<string>(SearchText.Clean(value));

    // Npgsql writes timestamptz from UTC values only.
    private string Add(DateTimeOffset value) => Add<DateTimeOffset>(value.ToUniversalTime());

    private string Add<T>(T value)
    {
        Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return "$" + Parameters.Count;
    }
}

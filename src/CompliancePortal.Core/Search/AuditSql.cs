using Npgsql;

namespace CompliancePortal.Core.Search;

/// <summary>Where the full-text indexer stands (fts_position): entries up to <see cref="Watermark"/> are in audit_fts, up to <see cref="Vectorized"/> in audit_fts_recent.</summary>
public readonly record struct IndexPosition(long Watermark, long Vectorized);

/// <summary>
/// Turns a query and its reader's window into the statement that pages, counts and exports its
/// entries (<see cref="Select"/>) with positional parameters. Every value the user typed, field names included, is a parameter: no
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

    /// <summary>How many <see cref="Columns"/> there are: the count, when asked for, follows them.</summary>
    public const int ColumnCount = 9;

    private readonly List<string> _conditions = [];      // on columns audit_fts has too
    private readonly List<string> _dataConditions = [];  // on event_data: audit_log only
    private readonly string? _textQuery;                 // the full-text query, when there is one
    private readonly string? _watermark;                 // the parameters holding the index's position
    private readonly string? _vectorized;

    public List<NpgsqlParameter> Parameters { get; } = [];

    /// <param name="index">
    /// Where the full-text indexer stands, read in the same snapshot as the statement (the second
    /// stage moves rows from audit_fts_recent to audit_fts): entries up to its watermark are found in
    /// audit_fts, up to its vectorized mark in audit_fts_recent, the ones after it by computing
    /// their vector. Used only when the query has text.
    /// </param>
    public AuditSql(RecordReader reader, AuditQuery query, IndexPosition index = default)
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
            _watermark = Add(index.Watermark);
            _vectorized = Add(index.Vectorized);
        }
    }

    /// <summary>Whether the query has text, and so needs the index's watermark.</summary>
    public static bool HasText(AuditQuery query) => query.Text is { } text && text.Trim().Length > 0;

    /// <summary>Adds a condition on the page's position (keyset paging: no OFFSET).</summary>
    public void After(AuditCursor cursor, bool oldestFirst) =>
        _conditions.Add($"(\"timestamp\", seq) {(oldestFirst ? ">" : "<")} ({Add(cursor.Timestamp)}, {Add(cursor.Seq)})");

    /// <summary>Leaves one entry out (an entry's related entries are the others).</summary>
    public void Except(long seq) => _conditions.Add($"seq <> {Add(seq)}");

    /// <summary>
    /// The matching entries' <see cref="Columns"/> in order, at most <paramref name="limit"/> of
    /// them (null: all); with <paramref name="countCap"/>, each row also carries how many entries
    /// match in all, counting no further than the cap (one statement, so the part of a full-text
    /// search that is not in the GIN index is read once for the page and its count).
    /// </summary>
    public string Select(bool oldestFirst, int? limit, int? countCap = null)
    {
        var order = $"ORDER BY {OrderBy(oldestFirst)}{(limit is { } n ? $" LIMIT {n}" : "")}";
        if (_textQuery is null)
        {
            var where = Where(_conditions.Concat(_dataConditions));
            var total = countCap is { } c ? $", (SELECT count(*) FROM (SELECT FROM audit_log WHERE {where} LIMIT {c}) AS capped)" : "";
            return $"SELECT {Columns}{total} FROM audit_log WHERE {where} {order}";
        }
        // With conditions on the data, the index cannot pick the page by itself.
        var filtered = _dataConditions.Count > 0;
        var counted = countCap is { } cap
            ? $", (SELECT count(*) FROM (SELECT FROM {(filtered ? $"audit_log JOIN {Matches("")} AS hit USING (seq, created_at) WHERE {Where(_dataConditions)}" : $"{Matches("")} AS m")} LIMIT {cap}) AS capped)"
            : "";
        return $"""
            {Unindexed()}
            SELECT {Columns}{counted} FROM audit_log JOIN (SELECT seq, created_at FROM {Matches(filtered ? "" : order)} AS m {(filtered ? "" : order)}) AS hit USING (seq, created_at)
            WHERE {Where(_dataConditions)} {order}
            """;
    }

    /// <summary>
    /// The matching entries the GIN index does not hold yet, as a WITH clause read once per
    /// statement: recent, from the stored vectors of audit_fts_recent (a scan); tail, after the
    /// vectorized mark, by computing each vector.
    /// </summary>
    private string Unindexed() => $"""
        WITH tail AS MATERIALIZED (
            SELECT seq, created_at, "timestamp" FROM audit_log
            WHERE seq > {_vectorized} AND {Where(_conditions)} AND {FullTextVector} @@ {_textQuery}),
        recent AS MATERIALIZED (
            SELECT seq, created_at, "timestamp" FROM audit_fts_recent
            WHERE seq > {_watermark} AND seq <= {_vectorized} AND {Where(_conditions)} AND vector @@ {_textQuery})
        """;

    /// <summary>
    /// Every entry whose text matches (seq, created_at, timestamp): the unindexed parts first (a
    /// capped count of a common term stops there), then audit_fts up to the watermark.
    /// <paramref name="order"/> lets the index part stop at a page: the time index walked with the
    /// stored vector for a common term, the GIN index and a top-N sort for a rare one.
    /// </summary>
    private string Matches(string order) => $"""
        (SELECT seq, created_at, "timestamp" FROM tail
         UNION ALL
         SELECT seq, created_at, "timestamp" FROM recent
         UNION ALL
         (SELECT seq, created_at, "timestamp" FROM audit_fts
          WHERE seq <= {_watermark} AND {Where(_conditions)} AND vector @@ {_textQuery} {order}))
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

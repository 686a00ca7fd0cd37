using Npgsql;

namespace CompliancePortal.Core.Search;

/// <summary>
/// Turns a query and its reader's window into one WHERE clause with positional parameters. Every
/// value the user typed, field names included, is a parameter: no user text is ever SQL.
/// </summary>
internal sealed class AuditSql
{
    /// <summary>
    /// Exactly the expression of the full-text GIN index (001_ledger.sql, audit_log_fts_idx):
    /// written any other way, PostgreSQL would not use the index.
    /// </summary>
    public const string FullTextVector =
        "(to_tsvector('simple'::regconfig, event::text) || jsonb_to_tsvector('simple'::regconfig, event_data, '[\"string\"]'::jsonb))";

    public const string Columns =
        "seq, \"timestamp\", created_at, log_type, event, user_id, source, event_data::text, current_hash";

    private readonly List<string> _conditions = [];

    public List<NpgsqlParameter> Parameters { get; } = [];

    public AuditSql(RecordReader reader, AuditQuery query)
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
            _conditions.Add($"event_data ? {name} AND event_data ->> {name} = {Add(f.Value)}");
        }
        if (query.Text is { } text && text.Trim().Length > 0)
            _conditions.Add($"{FullTextVector} @@ websearch_to_tsquery('simple'::regconfig, {Add(SearchText.Clip(text, AuditQuery.MaxTextLength))})");
    }

    /// <summary>Adds a condition on the page's position (keyset paging: no OFFSET).</summary>
    public void After(AuditCursor cursor, bool oldestFirst) =>
        _conditions.Add($"(\"timestamp\", seq) {(oldestFirst ? ">" : "<")} ({Add(cursor.Timestamp)}, {Add(cursor.Seq)})");

    public string Where => _conditions.Count == 0 ? "true" : string.Join("\n  AND ", _conditions);

    public static string OrderBy(bool oldestFirst) =>
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

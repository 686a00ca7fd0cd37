using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace CompliancePortal.Bench;

/// <summary>
/// The seed design the portal replaces, as the baselines: the seed spec's audit_log table with
/// its four btree indexes and its full-text GIN index (english, over the whole event_data text),
/// loaded two ways. event_data is the whole event, as the seed's BatchLogger stores json.dumps(entry).
/// No hashing, no chain, no HTTP: the baselines get their events already parsed.
/// </summary>
public static class SeedBaseline
{
    /// <summary>Exactly the seed's DDL (spec: "CREATE TABLE audit_log" and "Full-Text Search"),
    /// without its GRANTs to a role this cluster does not have.</summary>
    public const string Table = """
        CREATE TABLE audit_log (
            id BIGSERIAL PRIMARY KEY,
            timestamp TIMESTAMPTZ NOT NULL,
            log_type VARCHAR(50) NOT NULL,
            event VARCHAR(100) NOT NULL,
            event_data JSONB NOT NULL,
            user_id VARCHAR(100),
            ip_address VARCHAR(45),
            session_id VARCHAR(100),
            created_at TIMESTAMPTZ DEFAULT NOW()
        );
        """;

    /// <summary>The seed's indexes and its (silent) rules.</summary>
    public const string Indexes = """
        CREATE INDEX idx_audit_log_timestamp ON audit_log(timestamp);
        CREATE INDEX idx_audit_log_type ON audit_log(log_type);
        CREATE INDEX idx_audit_log_event ON audit_log(event);
        CREATE INDEX idx_audit_log_user ON audit_log(user_id);
        CREATE RULE audit_log_no_delete AS ON DELETE TO audit_log DO INSTEAD NOTHING;
        CREATE RULE audit_log_no_update AS ON UPDATE TO audit_log DO INSTEAD NOTHING;
        CREATE INDEX idx_audit_log_fts ON audit_log
            USING gin(to_tsvector('english', event_data::text));
        """;

    public const string Schema = Table + Indexes;

    /// <summary>Rows per COPY; each COPY is its own transaction.</summary>
    public const int CopyBatchRows = 10_000;

    /// <summary>The seed's BatchLogger flushes (and so commits) every 100 entries.</summary>
    public const int InsertBatchRows = 100;

    public static async Task CreateSchemaAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(Schema, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Raw binary COPY from one connection, <see cref="CopyBatchRows"/> rows per COPY.</summary>
    public static async Task<BenchResult> CopyAsync(string connectionString, IReadOnlyList<BenchEvent> events, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var acks = new List<double>();
        var total = Stopwatch.StartNew();
        for (var start = 0; start < events.Count; start += CopyBatchRows)
        {
            var began = Stopwatch.GetTimestamp();
            await using (var importer = await connection.BeginBinaryImportAsync(
                "COPY audit_log (timestamp, log_type, event, event_data, user_id, ip_address, session_id) FROM STDIN (FORMAT BINARY)", ct))
            {
                var end = Math.Min(events.Count, start + CopyBatchRows);
                for (var i = start; i < end; i++)
                {
                    var e = events[i];
                    importer.StartRow();
                    importer.Write(e.Timestamp, NpgsqlDbType.TimestampTz);
                    importer.Write(e.LogType, NpgsqlDbType.Varchar);
                    importer.Write(e.Event, NpgsqlDbType.Varchar);
                    importer.Write(e.Json, NpgsqlDbType.Jsonb);
                    importer.WriteNull();
                    importer.WriteNull();
                    importer.WriteNull();
                }
                await importer.CompleteAsync(ct);
            }
            acks.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
        return new BenchResult("seed schema, raw COPY", events.Count, total.Elapsed, acks);
    }

    /// <summary>
    /// The seed's BatchLogger: one INSERT statement (one round trip) per event, like
    /// executemany, and one COMMIT per <see cref="InsertBatchRows"/> events.
    /// </summary>
    public static async Task<BenchResult> InsertAsync(string connectionString, IReadOnlyList<BenchEvent> events, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var acks = new List<double>();
        var total = Stopwatch.StartNew();
        for (var start = 0; start < events.Count; start += InsertBatchRows)
        {
            var began = Stopwatch.GetTimestamp();
            await using var tx = await connection.BeginTransactionAsync(ct);
            var end = Math.Min(events.Count, start + InsertBatchRows);
            for (var i = start; i < end; i++)
            {
                var e = events[i];
                await using var cmd = new NpgsqlCommand(
                    "INSERT INTO audit_log (timestamp, log_type, event, event_data) VALUES ($1, $2, $3, $4)", connection, tx);
                cmd.Parameters.Add(new() { Value = e.Timestamp, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                cmd.Parameters.Add(new() { Value = e.LogType });
                cmd.Parameters.Add(new() { Value = e.Event });
                cmd.Parameters.Add(new() { Value = e.Json, NpgsqlDbType = NpgsqlDbType.Jsonb });
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            acks.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
        return new BenchResult($"seed schema, INSERT per event", events.Count, total.Elapsed, acks);
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>
/// `bench ingest --statements N`: where PostgreSQL's time goes at the fixed load, by statement
/// (pg_stat_statements, preloaded in the bench's cluster only). Tracks nested statements too
/// (track = all), so a trigger's or function's statements show apart as well as in their caller's
/// time. The times are the backends' wall time in each statement (CPU and waits), not CPU alone.
/// </summary>
public sealed partial class StatementProfile(string adminConnectionString, int top)
{
    /// <summary>The cluster settings the profile needs (a preloaded library takes a restart, so they are given at start).</summary>
    public static readonly IReadOnlyList<string> ServerSettings =
        ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all", "pg_stat_statements.max=1000"];

    /// <summary>Creates the extension in the portal's database (as the superuser; the portal's roles never see it).</summary>
    public Task InstallAsync(CancellationToken ct) =>
        IngestBenchmark.ExecuteAsync(adminConnectionString, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", ct);

    public Task ResetAsync(CancellationToken ct) => IngestBenchmark.ExecuteAsync(adminConnectionString, "SELECT pg_stat_statements_reset()", ct);

    /// <summary>Prints the <c>top</c> statements of this database by total time since the reset, per call and per event of <paramref name="events"/>.</summary>
    public async Task PrintAsync(TextWriter output, int events, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            """
            WITH mine AS (
                SELECT * FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
            SELECT calls, total_exec_time, rows, toplevel, query,
                   (SELECT sum(total_exec_time) FROM mine WHERE toplevel)
            FROM mine ORDER BY total_exec_time DESC LIMIT $1
            """, connection);
        cmd.Parameters.Add(new() { Value = top });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        double topLevel = 0;
        while (await reader.ReadAsync(ct))
        {
            var (calls, totalMs, rows) = (reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2));
            topLevel = reader.IsDBNull(5) ? 0 : reader.GetDouble(5);
            lines.Add(string.Format(c, "{0,9} {1,10:F1} {2,9:F1} {3,9:F2} {4,9:F1}  {5,-6} {6}", calls, totalMs, 1000 * totalMs / calls,
                1000 * totalMs / events, (double)rows / calls, reader.GetBoolean(3) ? "top" : "nested", Shorten(reader.GetString(4))));
        }
        output.WriteLine($"statements at the fixed load (pg_stat_statements, the {top} with the most time; top-level statements: " +
                         $"{(1000 * topLevel / events).ToString("F1", c)} us an event in all):");
        output.WriteLine("    calls   total ms   us/call  us/event rows/call  level  statement");
        foreach (var line in lines) output.WriteLine(line);
    }

    private static string Shorten(string query)
    {
        var flat = Whitespace().Replace(query, " ").Trim();
        return flat.Length <= 120 ? flat : flat[..117] + "...";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

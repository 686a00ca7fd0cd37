using System.Globalization;
using System.Text.Json;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Database;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>
/// <c>bench search --events N</c>: loads N seed-shaped events spread over two years into a fresh
/// database (through <see cref="LedgerAppender"/>, hashed and binary-COPYed in large batches),
/// copies them into the seed's own schema (its DDL and indexes verbatim, in schema "seed"), and
/// times the seed's example queries both ways: through the portal's search service (which also
/// records each search in the ledger, as it does for users) and with the seed's SQL. The last
/// line printed is one JSON object.
/// </summary>
public static class SearchBenchmark
{
    /// <param name="Unindexed">Entries left out of the GIN index (the newest): the stored vectors every full-text search scans; default the most ingest allows (Search:MaxUnindexed).</param>
    /// <param name="Unvectorized">Of those, the newest left without a stored vector: what every full-text search computes; default the most ingest allows (Search:MaxUnvectorized).</param>
    public sealed record Options(int Events = 1_000_000, int Runs = 20, int Seed = 42, bool Keep = false, int Unindexed = 200_000, int Unvectorized = 1_000);

    /// <summary>CLI entry: runs against the private cluster under .data/bench-pg (created if needed).</summary>
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        var options = new Options();
        if (args.Contains("--keep")) options = options with { Keep = true };
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--events") options = options with { Events = int.Parse(args[i + 1], CultureInfo.InvariantCulture) };
            if (args[i] == "--runs") options = options with { Runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture) };
            if (args[i] == "--unindexed") options = options with { Unindexed = int.Parse(args[i + 1], CultureInfo.InvariantCulture) };
            if (args[i] == "--unvectorized") options = options with { Unvectorized = int.Parse(args[i + 1], CultureInfo.InvariantCulture) };
        }
        if (options.Events < 1000 || options.Runs < 1 || options.Unindexed < 0)
        {
            Console.Error.WriteLine("usage: bench search [--events N (>= 1000, default 1000000)] [--runs R (default 20)] [--unindexed U (default 200000)] [--unvectorized V (default 1000)] [--keep]");
            return 64;
        }
        var folder = Path.Combine(Directory.GetCurrentDirectory(), configuration["Bench:Folder"] ?? ".data/bench-pg");
        await using var cluster = await EmbeddedPostgres.StartAsync(folder);
        await RunAsync(cluster, options, Console.Out);
        return 0;
    }

    /// <summary>Creates a fresh database on the cluster, runs the benchmark, drops the database.</summary>
    public static async Task<SearchBenchResult> RunAsync(EmbeddedPostgres cluster, Options options, TextWriter output)
    {
        var database = $"bench_search_{DateTime.UtcNow:yyyyMMddHHmmss}";
        var connections = await cluster.EnsureDatabaseAsync(database);
        SearchBenchResult result;
        try
        {
            await DatabaseSetup.MigrateAsync(connections);
            var data = await SearchBenchData.LoadAsync(connections, options, output);
            result = await SearchBenchQueries.RunAsync(connections, data, options, output);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (options.Keep) output.WriteLine($"kept database {database} (--keep)");
            else await DropAsync(cluster.AdminConnectionString, database);
        }
        output.WriteLine(JsonSerializer.Serialize(result.ToJson()));
        return result;
    }

    private static async Task DropAsync(string adminConnectionString, string database)
    {
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.OpenAsync();
        // DROP DATABASE waits for a checkpoint, which on a busy machine can take longer than the default 30 s.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin) { CommandTimeout = 300 };
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>Timings of one query: the portal's way and the seed's.</summary>
public sealed record QueryTiming(string Name, double P50, double P95, double SeedP50, double SeedP95, long Rows, long SeedRows);

public sealed record SearchBenchResult(int Events, IReadOnlyList<QueryTiming> Queries)
{
    public object ToJson() => new Dictionary<string, object>
    {
        ["events"] = Events,
        ["queries"] = Queries.ToDictionary(q => q.Name, q => (object)new Dictionary<string, double>
        {
            ["p50_ms"] = Math.Round(q.P50, 2),
            ["p95_ms"] = Math.Round(q.P95, 2),
            ["seed_p95_ms"] = Math.Round(q.SeedP95, 2),
        }),
    };
}

/// <summary>What the loader made, for choosing the queries' dates.</summary>
public sealed partial record SearchBenchData(DateTimeOffset First, DateTimeOffset Last, DateOnly BlotterDay);

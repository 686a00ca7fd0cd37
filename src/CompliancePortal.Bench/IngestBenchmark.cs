using System.Globalization;
using CompliancePortal.Core.Database;
using CompliancePortal.Database;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>Settings of `bench ingest` (each also a --flag).</summary>
public sealed record IngestBenchmarkOptions
{
    /// <summary>--events: events posted to the portal and COPYed into the seed schema.</summary>
    public int Events { get; init; } = 200_000;

    /// <summary>--clients: concurrent HTTP clients.</summary>
    public int Clients { get; init; } = 8;

    /// <summary>--batch: events per request.</summary>
    public int Batch { get; init; } = 500;

    /// <summary>--load-rate: the fixed offered load in events a second (after the saturated run).</summary>
    public int LoadRate { get; init; } = 10_000;

    /// <summary>--load-seconds: how long the fixed load is offered.</summary>
    public int LoadSeconds { get; init; } = 60;

    /// <summary>--load-batch: events per request under the fixed load (a source sending often, in small batches).</summary>
    public int LoadBatch { get; init; } = 100;

    /// <summary>--load-step: how much each further step adds to the offered load while the portal holds it.</summary>
    public int LoadStep { get; init; } = 2_500;

    /// <summary>--step-seconds: how long each further step lasts.</summary>
    public int StepSeconds { get; init; } = 20;

    /// <summary>--insert-events: events for the (slow) per-event INSERT baseline, at most --events.</summary>
    public int InsertEvents { get; init; } = 20_000;

    /// <summary>--warmup: at most this many events first posted to the same running portal (their
    /// own ids and tags; the ledger then holds them before the measured ones), in rounds of
    /// <see cref="WarmupRound"/>, until a round leaves the JIT nearly idle, so the measured run
    /// sees the code a server running for days has (the JIT's tier-up is a start-up cost, and
    /// under full load it takes long). 0 turns it off.</summary>
    public int Warmup { get; init; } = 400_000;

    /// <summary>Events per warm-up round.</summary>
    public const int WarmupRound = 50_000;

    /// <summary>A warm-up round during which the JIT compiled fewer methods than this ends the warm-up.</summary>
    public const int QuietJitMethods = 500;

    /// <summary>--search-sample: events looked up by full-text search afterwards.</summary>
    public int SearchSample { get; init; } = 2_000;

    /// <summary>--content-root: the portal's content root (appsettings.json); the current folder by default.</summary>
    public string ContentRoot { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>--without full-text | indexes: an ablation that drops the ledger's full-text index, or
    /// every index but the primary key, before the run; shows what each costs. Not the product.</summary>
    public Ablation Without { get; init; } = Ablation.None;

    /// <summary>--statements: print this many of PostgreSQL's statements with the most time at the fixed load (pg_stat_statements; 0, the default, leaves it out).</summary>
    public int Statements { get; init; }

    /// <summary>Configuration settings (--Section:Key=value) for the portal under test, e.g. --Alerts:Enabled=false.</summary>
    public IReadOnlyList<string> PortalSettings { get; init; } = [];

    public static IngestBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var o = new IngestBenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, value) = args[i].Contains('=')
                ? (args[i][..args[i].IndexOf('=')], args[i][(args[i].IndexOf('=') + 1)..])
                : (args[i], i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value"));
            int Number() => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"{name} needs a positive whole number, not '{value}'");
            o = name switch
            {
                "--events" => o with { Events = Number() },
                "--clients" => o with { Clients = Number() },
                "--batch" => o with { Batch = Number() },
                "--insert-events" => o with { InsertEvents = Number() },
                "--load-rate" => o with { LoadRate = Number() },
                "--load-seconds" => o with { LoadSeconds = Number() },
                "--load-batch" => o with { LoadBatch = Number() },
                "--load-step" => o with { LoadStep = Number() },
                "--step-seconds" => o with { StepSeconds = Number() },
                "--search-sample" => o with { SearchSample = Number() },
                "--statements" => o with { Statements = Number() },
                "--warmup" => o with { Warmup = value == "0" ? 0 : Number() },
                "--content-root" => o with { ContentRoot = value },
                "--without" => o with
                {
                    Without = value switch
                    {
                        "full-text" => Ablation.FullText,
                        "indexes" => Ablation.Indexes,
                        _ => throw new ArgumentException($"--without takes full-text or indexes, not '{value}'"),
                    },
                },
                _ when name.Contains(':') => o with { PortalSettings = [.. o.PortalSettings, $"{name}={value}"] },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        return o;
    }
}

/// <summary>What an ablation run leaves out of the ledger (see <see cref="IngestBenchmarkOptions.Without"/>).</summary>
public enum Ablation { None, FullText, Indexes }

/// <summary>
/// `bench ingest`: the portal against the seed's design on the same events, in one private
/// PostgreSQL cluster (durable settings: fsync and synchronous_commit on). Prints a table and,
/// as the last line, a JSON summary. Exit code 0, or 1 when a check fails.
/// </summary>
public static class IngestBenchmark
{
    public static async Task<int> RunAsync(IngestBenchmarkOptions options, TextWriter output, CancellationToken ct = default)
    {
        output.WriteLine($"bench ingest: {options.Events} events, {options.Clients} clients, {options.Batch} events per request, " +
                         $"{Environment.ProcessorCount} cores");
        var events = BenchEvents.Generate(options.Events);
        var folder = Path.Combine(Path.GetTempPath(), "cp-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var cluster = await EmbeddedPostgres.StartAsync(Path.Combine(folder, "pg"), options.Statements > 0 ? StatementProfile.ServerSettings : [], ct);
        try
        {
            output.WriteLine($"PostgreSQL cluster on port {cluster.Port} in {cluster.Folder}");
            var meter = new ResourceMeter(ResourceMeter.PostmasterPid(Path.Combine(cluster.Folder, "data")), cluster.AdminConnectionString);

            var portalDb = await cluster.EnsureDatabaseAsync("bench_portal", ct);
            await DatabaseSetup.MigrateAsync(portalDb, ct);
            await DropIndexesAsync(AdminConnectionString(cluster, "bench_portal"), options.Without, output, ct);
            var statements = options.Statements > 0 ? new StatementProfile(AdminConnectionString(cluster, "bench_portal"), options.Statements) : null;
            if (statements is not null) await statements.InstallAsync(ct);
            await CheckpointAsync(cluster, ct);
            var runs = await PortalContestant.RunAsync(portalDb, options, folder, meter, statements, output, ct);
            var portal = runs.Measured;
            NpgsqlConnection.ClearAllPools();
            // The verifiable ledger's parts, on the ledger the run just wrote (every entry, warm-up included).
            var admin = AdminConnectionString(cluster, "bench_portal");
            var tree = await LedgerCosts.TreeAppendAsync(admin, portalDb.App, new Core.Ledger.Checkpoints.CheckpointOptions().TreeBatchLeaves, meter, ct);
            var guard = await LedgerCosts.ChainGuardAsync(admin, options.Batch, 200, ct);

            var copyDb = await CreateSeedDatabaseAsync(cluster, "bench_seed_copy", ct);
            await CheckpointAsync(cluster, ct);
            var seedCopy = await MeasureAsync(meter, () => SeedBaseline.CopyAsync(copyDb, events, ct));

            var insertDb = await CreateSeedDatabaseAsync(cluster, "bench_seed_insert", ct);
            await CheckpointAsync(cluster, ct);
            var seedInsert = await MeasureAsync(meter, () => SeedBaseline.InsertAsync(insertDb, events[..Math.Min(options.InsertEvents, events.Length)], ct));

            output.WriteLine();
            output.WriteLine(BenchResult.Table([portal, runs.AtLoad, .. runs.Steps, seedCopy, seedInsert]));
            output.WriteLine($"(ack ms: portal = HTTP response after COMMIT, per request of {options.Batch} saturated and of {options.LoadBatch} under a fixed load, timed from when it was due; " +
                             $"seed COPY = per COPY of {SeedBaseline.CopyBatchRows}; seed INSERT = per COMMIT of {SeedBaseline.InsertBatchRows};");
            output.WriteLine(" lag ms: from a request's acknowledgement to the full-text index holding it (watermark read every 10 ms); vec = to its vectors being stored (the first stage);");
            output.WriteLine(" cpu in us per event: client = the load process; app = this process (the portal, or the seed's loader); pg = PostgreSQL's client backends but the indexer's;");
            output.WriteLine(" pg bg = autovacuum, checkpointer, writers and exited processes; indexer = the full-text indexer's backend;");
            output.WriteLine(" wal B = WAL bytes per event, fpi/1k = full-page images per 1,000 events; 503s = busy answers the clients sent again after 20 ms;");
            output.WriteLine(" gated = requests held at the vectors' bound, Search:MaxUnvectorized, before they went on; gate ms = their mean wait)");
            output.WriteLine($"sustained: {runs.Sustained:F0} events/s (the highest offered load held: 95 % acknowledged, every request indexed within 5 s), " +
                             $"{runs.Sustained / seedCopy.EventsPerSecond:F2}x the seed's COPY");
            output.WriteLine();
            var costs = new LedgerCostShares(portal, tree, guard, runs.CheckpointMs);
            foreach (var line in costs.Lines()) output.WriteLine(line);
            output.WriteLine();

            var failure = await LedgerChecks.CheckChainAsync(admin, runs.OtherEvents + options.Events, output, ct);
            if (options.Without != Ablation.None) output.WriteLine("full-text check: skipped (ablation run)");
            else failure ??= await LedgerChecks.CheckFullTextAsync(admin, events, options.SearchSample, output, ct);
            if (failure is not null)
            {
                output.WriteLine($"bench FAILED: {failure}");
                return 1;
            }
            output.WriteLine(BenchResult.SummaryJson(portal, runs.AtLoad, runs.Sustained, seedCopy, seedInsert, costs));
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await cluster.StopAsync();
            try { Directory.Delete(folder, recursive: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }

    private static async Task<BenchResult> MeasureAsync(ResourceMeter meter, Func<Task<BenchResult>> run)
    {
        var before = await meter.ReadAsync();
        var result = await run();
        return result with { Used = await meter.ReadAsync() - before };
    }

    private static string AdminConnectionString(EmbeddedPostgres cluster, string database) =>
        new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Database = database }.ConnectionString;

    private static async Task<string> CreateSeedDatabaseAsync(EmbeddedPostgres cluster, string name, CancellationToken ct)
    {
        await ExecuteAsync(cluster.AdminConnectionString, $"CREATE DATABASE \"{name}\" ENCODING 'UTF8'", ct);
        var connectionString = AdminConnectionString(cluster, name);
        await SeedBaseline.CreateSchemaAsync(connectionString, ct);
        return connectionString;
    }

    private static async Task DropIndexesAsync(string connectionString, Ablation without, TextWriter output, CancellationToken ct)
    {
        if (without == Ablation.None) return;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var list = dataSource.CreateCommand(
            "SELECT string_agg(quote_ident(indexname), ', ') FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('audit_log', 'audit_fts') " +
            "AND indexname NOT IN ('audit_log_pkey', 'audit_fts_pkey') AND ($1 OR indexname = 'audit_fts_vector_idx')");
        list.Parameters.Add(new() { Value = without == Ablation.Indexes });
        var names = await list.ExecuteScalarAsync(ct) as string ?? throw new InvalidOperationException("the ledger has no index to drop");
        await using var drop = dataSource.CreateCommand($"DROP INDEX {names}");
        await drop.ExecuteNonQueryAsync(ct);
        output.WriteLine($"ablation: dropped {names} (the figures below are not the product's)");
    }

    /// <summary>Each contestant starts right after a checkpoint, so none pays for another's dirty pages.</summary>
    private static Task CheckpointAsync(EmbeddedPostgres cluster, CancellationToken ct) =>
        ExecuteAsync(cluster.AdminConnectionString, "CHECKPOINT", ct);

    internal static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

using CompliancePortal.Cli;

namespace CompliancePortal.Bench;

/// <summary>
/// <c>bench ingest …</c> (the ingest benchmark), <c>bench search …</c> (the search benchmark) and
/// <c>bench pages …</c> (page load to interactive in Chromium),
/// run as <c>dotnet run -c Release --project src/CompliancePortal.Bench -- bench …</c>; see docs/benchmarks.md.
/// </summary>
public static class BenchCommand
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["bench", ..])
        {
            await Console.Error.WriteLineAsync(Usage);
            return 64;
        }
        return await RunAsync(args[1..], CommandLine.Configuration(args));
    }

    private const string Usage =
        "usage: bench ingest [--events N (200000)] [--clients C (8)] [--batch B (500)] [--insert-events M (20000)] [--search-sample S (2000)] [--warmup W (at most 400000, in rounds of 50000 until the JIT is quiet; 0 = none)]\n" +
        "                    [--load-rate R (10000 events/s)] [--load-seconds T (60)] [--load-batch B (100)] [--load-step S (2500)] [--step-seconds T (20)]\n" +
        "                    [--without full-text|indexes (ablation)] [--statements N (PostgreSQL's top N statements at the fixed load)] [--Section:Key=value (a setting of the portal under test)]\n" +
        "       bench search [--events N (1000000)]\n" +
        "       bench pages [--loads N (10)]";

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        if (args is ["search", ..]) return await SearchBenchmark.RunAsync(args[1..], configuration);
        if (args is ["pages", ..]) return await PagesBenchmark.RunAsync(args[1..]);
        if (args is ["load", ..]) return await LoadClients.MainAsync(args[1..]);
        if (args.Length == 0 || args[0] != "ingest")
        {
            Console.Error.WriteLine(Usage);
            return 64;
        }
        IngestBenchmarkOptions options;
        try
        {
            options = IngestBenchmarkOptions.Parse(args[1..]);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 64;
        }
        return await IngestBenchmark.RunAsync(options, Console.Out);
    }
}

namespace CompliancePortal.Cli;

/// <summary>Benchmarks: placeholder until the ingest benchmark lands.</summary>
public static class Bench
{
    public static Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        if (args is ["search", ..]) return CompliancePortal.Bench.SearchBenchmark.RunAsync(args[1..], configuration);
        Console.Error.WriteLine("usage: bench ingest --events N");
        return Task.FromResult(64);
    }
}

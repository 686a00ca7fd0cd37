using CompliancePortal.Core.Archive;

namespace CompliancePortal.Cli;

/// <summary>
/// archive-lifecycle: applies the seed's storage tiers (<see cref="ArchiveLifecycle.Rules"/>) to
/// the S3 archive bucket and prints them. Exit codes: 0 applied, 1 the archive is not on S3 (or
/// not configured), 3 the server does not support lifecycle rules (nothing applied).
/// </summary>
public static class ArchiveLifecycleCommand
{
    public const int Applied = 0, NotS3 = 1, Unsupported = 3;

    public static async Task<int> RunAsync(IConfiguration configuration, TextWriter output, CancellationToken ct = default)
    {
        var rules = ArchiveLifecycle.Rules();
        var archive = configuration.GetSection(ArchiveOptions.Section).Get<ArchiveOptions>() ?? new ArchiveOptions();
        var options = archive.S3;
        if (!archive.IsS3 || archive.Problem() is not null)
        {
            output.WriteLine("The archive is not an S3 bucket (set Archive:Kind=S3, Archive:S3:ServiceUrl and Archive:S3:Bucket); nothing applied.");
            output.WriteLine("These are the rules the command applies to a bucket:");
            Print(rules, output);
            return NotS3;
        }

        using var store = new S3ArchiveStore(options);
        if (!await store.ApplyLifecycleAsync(rules, ct))
        {
            output.WriteLine($"The server at {options.ServiceUrl} does not support bucket lifecycle rules (it answered NotImplemented).");
            output.WriteLine($"NOTHING was applied to bucket '{options.Bucket}': objects stay in their first storage class and never expire there.");
            output.WriteLine("The rules it would need:");
            Print(rules, output);
            return Unsupported;
        }
        output.WriteLine($"Applied {rules.Count} lifecycle rules to bucket '{options.Bucket}' at {options.ServiceUrl}:");
        Print(rules, output);
        output.WriteLine("Day manifests (ledger/YYYY/MM/DD/manifest.json) match no rule and are kept.");
        return Applied;
    }

    private static void Print(IEnumerable<ArchiveLifecycleRule> rules, TextWriter output)
    {
        foreach (var rule in rules) output.WriteLine($"  {rule.Id,-28} {rule.Describe()}");
    }
}

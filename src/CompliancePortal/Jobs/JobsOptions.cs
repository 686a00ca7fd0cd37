using CompliancePortal.Core;

namespace CompliancePortal.Jobs;

/// <summary>Configuration section "Jobs": Hangfire's server and the recurring jobs' UTC cron schedules.</summary>
public sealed class JobsOptions : ISettings
{
    public const string Section = "Jobs";

    static string ISettings.Section => Section;

    public string? Problem() =>
        WorkerCount <= 0 ? "Jobs:WorkerCount must be positive" : null;

    /// <summary>Run a Hangfire server in this process (several instances share the work; each job runs once).</summary>
    public bool Server { get; set; } = true;

    public int WorkerCount { get; set; } = 2;

    /// <summary>Job name → UTC cron expression; a job missing here is not scheduled.</summary>
    public Dictionary<string, string> Schedules { get; set; } = [];
}

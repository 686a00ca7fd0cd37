using CompliancePortal.Core.Retention;

namespace CompliancePortal.Retention;

/// <summary>
/// Removes archived, verified, unheld ledger days older than their hot window (see
/// <see cref="RetentionPurger"/>); each removal and each refusal is its own COMPLIANCE entry.
/// </summary>
public sealed class RetentionJob(RetentionPurger purger, ILogger<RetentionJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var days = await purger.RunAsync(ct);
        foreach (var day in days.Where(d => d.Outcome != RetentionOutcome.Purged))
        {
            var level = day.Outcome == RetentionOutcome.Refused ? LogLevel.Error : LogLevel.Information;
            logger.Log(level, "Retention kept {LogType} of {Day}: {Outcome}, {Detail}", day.LogType, day.Day, day.Outcome, day.Detail);
        }
        var purged = days.Where(d => d.Outcome == RetentionOutcome.Purged).ToList();
        logger.LogInformation("Retention removed {Entries} entries over {Days} day(s) of log types", purged.Sum(d => d.Count), purged.Count);
        return purged.Count;
    }
}

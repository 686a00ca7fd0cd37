using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Blotter;

namespace CompliancePortal.Jobs;

/// <summary>
/// Writes the trade blotter of every finished day that has none yet, from the ledger's first day
/// to yesterday (UTC): every business day (an empty blotter says there were no trades), and a
/// weekend day only when it had trades. Each is a COMPLIANCE trade_blotter_generated entry.
/// </summary>
public sealed class TradeBlotterJob(BlotterArchive blotters, TimeProvider time)
{
    public static readonly Actor Actor = new("job:trade-blotter");

    public async Task<int> RunAsync(CancellationToken ct)
    {
        if (await blotters.FirstLedgerDayAsync(ct) is not { } first) return 0;
        var written = 0;
        foreach (var day in BusinessDays.Days(first, BusinessDays.Today(time).AddDays(-1)))
        {
            var generation = await blotters.GenerateAsync(day, Actor, onlyWithTrades: !BusinessDays.IsBusinessDay(day), ct);
            if (generation?.Written == true) written++;
        }
        return written;
    }
}

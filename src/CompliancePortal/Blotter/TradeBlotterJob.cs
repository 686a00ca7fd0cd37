using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Blotter;

namespace CompliancePortal.Blotter;

/// <summary>
/// Writes the trade blotter of every finished day that needs one and has none yet (every business
/// day since the ledger's first entry, and any day with executed trades); each is a COMPLIANCE
/// trade_blotter_generated entry. A day that fails (its archive object disagrees with the ledger)
/// does not stop the others; the run then fails, naming it.
/// </summary>
public sealed class TradeBlotterJob(BlotterArchive blotters, ILogger<TradeBlotterJob> logger)
{
    public static readonly Actor Actor = new("job:trade-blotter");

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var written = 0;
        var failed = new List<string>();
        foreach (var day in await blotters.DaysNeedingBlotterAsync(ct))
        {
            try
            {
                if ((await blotters.GenerateAsync(day, Actor, ct)).Written) written++;
            }
            catch (InvalidOperationException e)
            {
                logger.LogError(e, "Trade blotter of {Day} not written", day);
                failed.Add($"{day:yyyy-MM-dd}: {e.Message}");
            }
        }
        if (failed.Count > 0) throw new InvalidOperationException($"{failed.Count} blotter(s) not written: {string.Join("; ", failed)}");
        return written;
    }
}

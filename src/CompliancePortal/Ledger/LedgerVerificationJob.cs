using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Ledger;

/// <summary>Recomputes the whole chain and records the result as a SYSTEM ledger entry.</summary>
public sealed class LedgerVerificationJob(NpgsqlDataSource db, UserActionLog log, ILogger<LedgerVerificationJob> logger)
{
    public async Task<VerificationResult> RunAsync(CancellationToken ct)
    {
        var result = await LedgerVerifier.VerifyAsync(db, ct);
        await log.RecordAsync(new Actor("job:ledger-verification"), "ledger_verified",
            new { result.Intact, result.Entries, result.Purged, head_seq = result.Head.Seq, head_hash = result.Head.Hash, result.FirstBadSeq, result.Reason }, LogTypes.System);
        if (!result.Intact) logger.LogCritical("Ledger verification failed at seq {Seq}: {Reason}", result.FirstBadSeq, result.Reason);
        return result;
    }
}

using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Checkpoints;

namespace CompliancePortal.Ledger;

/// <summary>
/// checkpoint-audit: holds the ledger to every archived checkpoint and day manifest and records
/// the outcome as a SYSTEM entry; a contradiction (checkpoint_contradicted) raises the critical
/// ledger_contradicts_checkpoint alert.
/// </summary>
public sealed class CheckpointAuditJob(CheckpointAudit audit, UserActionLog log, ILogger<CheckpointAuditJob> logger)
{
    public const string PassedEvent = "checkpoint_audit_passed";
    public const string ContradictedEvent = "checkpoint_contradicted";

    public async Task<CheckpointAuditResult> RunAsync(CancellationToken ct)
    {
        var result = await audit.RunAsync(ct);
        await log.RecordAsync(new Actor("job:checkpoint-audit"), result.Consistent ? PassedEvent : ContradictedEvent,
            new
            {
                level = result.Consistent ? "INFO" : "CRITICAL",
                result.Consistent, result.Entries, result.Checkpoints, result.Manifests,
                contradicted_checkpoint = result.ContradictedCheckpoint, first_bad_seq = result.FirstBadSeq, result.Reason,
            }, LogTypes.System);
        if (!result.Consistent) logger.LogCritical("Checkpoint audit: {Reason}", result.Reason);
        return result;
    }
}

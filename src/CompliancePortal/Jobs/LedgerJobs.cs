using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Preclearance;
using Npgsql;

namespace CompliancePortal.Jobs;

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

/// <summary>Creates the coming months' ledger partitions as the owner role.</summary>
public sealed class PartitionMaintenanceJob(PortalConnections connections)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connections.Owner);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT ledger_ensure_partitions(1, 3)", connection);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>Records preclearance approvals whose time ran out as expired.</summary>
public sealed class PreclearanceExpiryJob(PreclearanceService service)
{
    public Task<int> RunAsync(CancellationToken ct) => service.ExpireDueAsync(ct);
}

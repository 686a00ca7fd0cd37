using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Backup;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Backup;

/// <summary>
/// The nightly backup: pg_dump (custom format) of the whole portal database into the archive
/// store, read back and checked, then a SYSTEM ledger entry naming the object and its SHA-256.
/// </summary>
public sealed class DatabaseBackupJob(DatabaseBackup backup, UserActionLog log)
{
    public async Task<BackupRecord> RunAsync(CancellationToken ct)
    {
        var record = await backup.BackupAsync(ct);
        await log.RecordAsync(new Actor("job:database-backup"), "database_backup_completed", new
        {
            record.Key, record.Bytes, record.Sha256, record_key = DatabaseBackup.RecordKey(record.Key),
            ledger_head_seq = record.LedgerHead.Seq, ledger_head_hash = record.LedgerHead.Hash,
        }, LogTypes.System);
        return record;
    }
}

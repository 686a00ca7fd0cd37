using CompliancePortal.Core.Backup;

namespace CompliancePortal.Backup;

/// <summary>Nightly pg_dump backups to the archive store (the owner's "database-backup" job).</summary>
public static class BackupSetup
{
    public static void AddDatabaseBackup(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DatabaseBackup>();
        builder.Services.AddTransient<DatabaseBackupJob>();
    }
}

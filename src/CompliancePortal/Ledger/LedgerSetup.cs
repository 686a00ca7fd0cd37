using CompliancePortal.Core.FileLog;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Ledger;

public static class LedgerSetup
{
    /// <summary>
    /// The ledger's way in (<see cref="ILedgerAppend"/>: the batching writer, and workflows' own
    /// transactions) and its followers.
    /// </summary>
    public static void AddLedger(this WebApplicationBuilder builder)
    {
        builder.AddSettings<LedgerOptions>();
        builder.Services.AddSingleton<LedgerCommitSignal>();
        builder.AddCheckpoints();
        builder.Services.AddSingleton<LedgerWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LedgerWriter>());
        builder.Services.AddSingleton<ILedgerAppend, LedgerAppend>();

        var fileLog = builder.AddSettings<FileLogOptions>();
        if (fileLog.Enabled)
        {
            var folder = Path.Combine(builder.Environment.ContentRootPath, fileLog.Folder);
            builder.Services.AddHostedService(sp => new FileLogWriter(
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<LedgerCommitSignal>(), folder,
                sp.GetRequiredService<ILogger<FileLogWriter>>()));
        }
        builder.Services.AddTransient<LedgerVerificationJob>();
        builder.Services.AddTransient<PartitionMaintenanceJob>();
    }
}

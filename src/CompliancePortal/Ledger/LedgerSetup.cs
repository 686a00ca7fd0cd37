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
        builder.Services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.Section)
            .Validate(o => o.MaxBatchEvents > 0 && o.MaxQueuedEvents > 0 && o.MaxLingerMilliseconds >= 0,
                "Ledger limits must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<LedgerCommitSignal>();
        builder.AddCheckpoints();
        builder.Services.AddSingleton<LedgerWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LedgerWriter>());
        builder.Services.AddSingleton<ILedgerAppend, LedgerAppend>();

        var fileLog = builder.Configuration.GetSection(FileLogOptions.Section).Get<FileLogOptions>() ?? new FileLogOptions();
        if (fileLog.Enabled)
        {
            var folder = Path.Combine(builder.Environment.ContentRootPath, fileLog.Folder);
            builder.Services.AddHostedService(sp => new FileLogWriter(
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<LedgerCommitSignal>(), folder,
                sp.GetRequiredService<ILogger<FileLogWriter>>()));
        }
    }
}

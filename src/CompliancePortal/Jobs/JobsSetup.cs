using CompliancePortal.Core.Database;
using CompliancePortal.Database;
using Hangfire;
using Hangfire.PostgreSql;

namespace CompliancePortal.Jobs;

/// <summary>
/// Hangfire on the portal's PostgreSQL (its own schema, "hangfire"), the recurring jobs from
/// configuration, and the dashboard at /admin/jobs for Admins only.
/// </summary>
public static class JobsSetup
{
    public static void AddJobs(this WebApplicationBuilder builder)
    {
        var options = builder.AddSettings<JobsOptions>();
        builder.Services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(sp.GetRequiredService<PortalConnections>().App),
                new PostgreSqlStorageOptions { SchemaName = DatabaseSetup.JobsSchema, PrepareSchemaIfNecessary = false, QueuePollInterval = TimeSpan.FromSeconds(1) }));
        if (options.Server) builder.Services.AddHangfireServer(o => o.WorkerCount = options.WorkerCount);
        // The owner's jobs run here only on the embedded default; elsewhere the maintenance verb runs them.
        builder.Services.AddSingleton(new OwnerJobsHere(string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Portal"))));
        builder.Services.AddHostedService<RecurringJobsRegistration>();
    }
}

using CompliancePortal.Core.Retention;

namespace CompliancePortal.Retention;

/// <summary>
/// Retention (options section "Retention", the purge run by the "retention" recurring job) and
/// legal holds (page /retention, API /api/v1/retention/holds).
/// </summary>
public static class RetentionSetup
{
    public static void AddRetention(this WebApplicationBuilder builder)
    {
        builder.AddSettings<RetentionOptions>();
        builder.Services.AddSingleton<LegalHoldService>();
        builder.Services.AddSingleton<RetentionPurger>();
        builder.Services.AddSingleton<LedgerTombstones>();
        builder.Services.AddTransient<RetentionJob>();
    }
}

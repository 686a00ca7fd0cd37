using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Retention;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Retention;

/// <summary>
/// Retention (options section "Retention", the purge run by the "retention" recurring job) and
/// legal holds (page /retention, API /api/v1/retention/holds).
/// </summary>
public static class RetentionSetup
{
    public static void AddRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.Problem() is null, "Retention:HotDays lists an unknown log type, COMPLIANCE, or a window under 1 day")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<RetentionOptions>>().Value);
        builder.Services.AddSingleton<LegalHoldService>();
        builder.Services.AddSingleton<RetentionPurger>();
        builder.Services.AddSingleton<LedgerTombstones>();
        builder.Services.AddTransient<RetentionJob>();
    }
}

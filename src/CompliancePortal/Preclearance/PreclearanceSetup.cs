using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.LiveFeed;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Preclearance;

public static class PreclearanceSetup
{
    /// <summary>The preclearance rules (options section "Preclearance") and the workflow; expiry is a recurring job (Jobs/).</summary>
    public static void AddPreclearance(this WebApplicationBuilder builder)
    {
        builder.AddSettings<PreclearanceOptions>();
        builder.Services.AddSingleton(sp => new PreclearanceRules(sp.GetRequiredService<IOptions<PreclearanceOptions>>().Value, sp.GetRequiredService<MarketCalendar>()));
        builder.Services.AddSingleton<PreclearanceService>();
        builder.Services.AddSingleton<RestrictedListService>();
        builder.Services.AddLedgerEventWatch<PreclearanceService>(PreclearanceService.LedgerEvent, s => s.NotifyChanged);
        builder.Services.AddTransient<PreclearanceExpiryJob>();
    }
}

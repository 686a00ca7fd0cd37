using CompliancePortal.Core.Preclearance;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Preclearance;

public static class PreclearanceSetup
{
    /// <summary>The preclearance rules (options section "Preclearance") and the workflow; expiry is a recurring job (Jobs/).</summary>
    public static void AddPreclearance(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PreclearanceOptions>().BindConfiguration(PreclearanceOptions.Section)
            .Validate(o => o.BlackoutBusinessDays >= 0 && o.HoldingPeriodDays >= 0 && o.DeMinimisMaxQuantity >= 0,
                "Preclearance limits must not be negative")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new PreclearanceRules(sp.GetRequiredService<IOptions<PreclearanceOptions>>().Value));
        builder.Services.AddSingleton<PreclearanceService>();
        builder.Services.AddSingleton<RestrictedListService>();
        builder.Services.AddSingleton<CompliancePortal.Core.ComplianceLogs.ComplianceRecords>();
        builder.Services.AddHostedService<PreclearanceLiveUpdates>();
    }
}

/// <summary>
/// Turns committed preclearance ledger entries, from any portal instance, into the service's
/// Changed event: the pages follow the ledger rather than this process's own writes.
/// </summary>
internal sealed class PreclearanceLiveUpdates(CompliancePortal.Core.LiveFeed.LedgerFeed feed, PreclearanceService service) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(batch =>
        {
            if (batch.Any(e => e.Event == PreclearanceService.LedgerEvent)) service.NotifyChanged();
            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}

using CompliancePortal.Core.Preclearance;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Preclearance;

public static class PreclearanceSetup
{
    /// <summary>The preclearance rules (options section "Preclearance"), the workflow and its expiry sweep.</summary>
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
        builder.Services.AddHostedService<PreclearanceExpiry>();
    }
}

/// <summary>Once a minute, records approvals whose time ran out as expired (each a ledger entry).</summary>
internal sealed class PreclearanceExpiry(PreclearanceService service, ILogger<PreclearanceExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var expired = await service.ExpireDueAsync(stoppingToken);
                if (expired > 0) logger.LogInformation("{Count} preclearance approvals expired", expired);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Preclearance expiry sweep failed; it runs again in a minute");
            }
        }
    }
}

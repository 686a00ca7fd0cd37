using CompliancePortal.Core.Alerts;
using CompliancePortal.LiveFeed;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Alerts;

public static class AlertsSetup
{
    /// <summary>
    /// Alert rules (options section "Alerts", rules in the YAML file Alerts:RulesFile), the monitor
    /// that judges committed entries, and the service pages use. The rules file is read when the
    /// portal starts: a mistake in it stops start-up with a message naming the rule.
    /// </summary>
    public static void AddAlerts(this WebApplicationBuilder builder)
    {
        builder.AddSettings<AlertsOptions>();
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AlertsOptions>>().Value;
            return o.Enabled
                ? AlertRuleSet.Load(Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, o.RulesFile))
                : AlertRuleSet.Empty;
        });
        builder.Services.AddSingleton<AlertService>();
        builder.Services.AddSingleton<DailySummary>();
        // Retries are the notifier's (recorded per attempt), so the client itself only times out.
        builder.Services.AddHttpClient(AlertSender.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(20));
        builder.Services.AddSingleton<AlertSender>();
        builder.Services.AddHostedService<AlertNotifier>();
        builder.Services.AddSingleton<AlertMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertMonitor>());
        // Pages on every instance reload when an alert is raised or acknowledged anywhere.
        builder.Services.AddLedgerEventWatch<AlertService>(AlertMonitor.RaisedEvent, s => s.NotifyChanged);
        builder.Services.AddLedgerEventWatch<AlertService>(AlertService.AcknowledgedEvent, s => s.NotifyChanged);
        builder.Services.AddTransient<DailySummaryJob>();
    }

}

using CompliancePortal.Core.Reports;

namespace CompliancePortal.Reports;

/// <summary>The trading reports (page /reports): daily summary, execution quality, risk history.</summary>
public static class ReportsSetup
{
    public static void AddReports(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TradingReports>();
    }
}

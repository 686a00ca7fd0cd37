using CompliancePortal.Core.ComplianceLogs;

namespace CompliancePortal.ComplianceLogs;

/// <summary>Compliance records: training, annual reviews and policy violations (page /compliance-log).</summary>
public static class ComplianceLogsSetup
{
    public static void AddComplianceLogs(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ComplianceRecords>();
    }
}

using CompliancePortal.Core.Certification;

namespace CompliancePortal.Certification;

/// <summary>Daily log certification: the pages /certification and /certification/{date}, and the same action for scripts.</summary>
public static class CertificationSetup
{
    public static void AddDailyCertification(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DailyCertification>();
    }
}

using CompliancePortal.Core.Search;

namespace CompliancePortal.Search;

/// <summary>The audit search (page /search, event detail /events/{seq}) and its CSV export.</summary>
public static class SearchSetup
{
    public static void AddAuditSearch(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditSearch>();
        builder.Services.AddSingleton<RecordReaders>();
    }
}

using CompliancePortal.Core.Search;

namespace CompliancePortal.Search;

/// <summary>The audit search (page /search, event detail /events/{seq}), its CSV export and the full-text indexer behind the ledger.</summary>
public static class SearchSetup
{
    public static void AddAuditSearch(this WebApplicationBuilder builder)
    {
        builder.AddSettings<SearchOptions>();
        builder.Services.AddSingleton<VectorBacklogGate>();
        builder.Services.AddSingleton<FullTextIndexer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FullTextIndexer>());
        builder.Services.AddSingleton<AuditSearch>();
        builder.Services.AddSingleton<RecordReaders>();
    }
}

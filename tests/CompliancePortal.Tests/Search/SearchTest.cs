using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Search;

/// <summary>Base of the search tests: a portal on a fresh database holding <see cref="SearchData"/>.</summary>
public abstract class SearchTest(PostgresFixture postgres) : IAsyncLifetime
{
    protected PortalFactory _portal = null!;
    protected TestDatabase _db = null!;
    protected AuditSearch _search = null!;

    /// <summary>The seq of each named event of <see cref="SearchData"/>.</summary>
    protected Dictionary<string, long> _seqs = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db);
        _seqs = await SearchData.IngestAsync(_portal);
        _search = _portal.Services.GetRequiredService<AuditSearch>();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();
}

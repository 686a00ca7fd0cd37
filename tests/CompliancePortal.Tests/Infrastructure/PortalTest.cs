using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// Base of test classes that talk to one portal on their own fresh database: an API key for
/// every log type (granted verification) and a client for the in-memory server.
/// </summary>
public abstract class PortalTest(PostgresFixture postgres) : IAsyncLifetime
{
    protected PortalFactory Portal { get; set; } = null!;
    protected HttpClient Client { get; set; } = null!;
    protected TestDatabase Db { get; private set; } = null!;
    protected string Key { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Db = await postgres.CreateDatabaseAsync();
        Portal = new PortalFactory(Db, Configure);
        Key = await Portal.CreateKeyAsync("trading", [.. LogTypes.All], canVerify: true);
        Client = Portal.CreateClient();
    }

    /// <summary>Settings or services of the test's portal (e.g. a <see cref="TestClock"/>), applied before it starts.</summary>
    protected virtual void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) { }

    public virtual async Task DisposeAsync() => await Portal.DisposeAsync();
}

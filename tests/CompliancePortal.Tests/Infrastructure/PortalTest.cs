using System.Net;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Checkpoints;
using Microsoft.Extensions.DependencyInjection;

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

    protected CheckpointWriter Writer => Portal.Services.GetRequiredService<CheckpointWriter>();

    /// <summary>Posts <paramref name="count"/> demo trades (ids from <paramref name="from"/>) in one NDJSON request.</summary>
    protected async Task PostTradesAsync(int count, int from = 0)
    {
        var response = await Client.PostNdJsonAsync(Enumerable.Range(from, count).Select(i => IngestClient.Trade(i)), Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Brings the tree level with the ledger and signs a checkpoint of it now.</summary>
    protected async Task<StoredCheckpoint> CheckpointNowAsync()
    {
        await Writer.CatchUpAsync();
        return await Writer.CheckpointAsync() ?? throw new InvalidOperationException("the tree did not grow");
    }
}

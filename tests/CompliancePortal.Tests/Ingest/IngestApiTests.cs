using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Ingest;

[Collection(PostgresCollection.Name)]
public sealed class IngestApiTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PortalFactory _portal = null!;
    private HttpClient _client = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db);
        var key = await _portal.CreateKeyAsync("trading", [.. LogTypes.All], canVerify: true);
        _client = _portal.CreateClient();
        _client.DefaultRequestHeaders.Add("X-Api-Key", key);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private const string Trade = """{"timestamp":"2024-10-08T10:32:45.123456Z","log_type":"TRADE","trade_id":"TRD-2024-10-08-0001","event":"trade_executed","asset":"QQQ","action":"SELL_PUT","quantity":5,"strike":400.00,"fill_price":8.52}""";

    [Fact]
    public async Task Post_SingleEvent_ReturnsReceiptAfterCommit()
    {
        var response = await _client.PostAsync("/api/v1/events", new StringContent(Trade, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, body.RootElement.GetProperty("accepted").GetInt32());
        var receipt = body.RootElement.GetProperty("receipts")[0];
        Assert.Equal(1, receipt.GetProperty("seq").GetInt64());
        Assert.Equal(64, receipt.GetProperty("hash").GetString()!.Length);
        Assert.Equal(1L, await _db.ScalarAsync("SELECT count(*) FROM audit_log"));
        Assert.Equal("400.00", await _db.ScalarAsync("SELECT event_data->>'strike' FROM audit_log"));
        Assert.Equal(receipt.GetProperty("hash").GetString(), await _db.ScalarAsync("SELECT current_hash FROM audit_log WHERE seq = 1"));
    }
}

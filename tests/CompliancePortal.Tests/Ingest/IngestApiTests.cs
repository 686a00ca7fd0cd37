using System.Net;
using System.Text.Json;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Ingest;

/// <summary>The ingest API against the real portal and a real PostgreSQL: what is stored and what is refused.</summary>
[Collection(PostgresCollection.Name)]
public sealed class IngestApiTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private Task<long> StoredAsync() => Db.ScalarAsync("SELECT count(*) FROM audit_log").ContinueWith(t => (long)t.Result!);

    private const string SeedTrade = """{"timestamp":"2024-10-08T10:32:45.123456Z","log_type":"TRADE","trade_id":"TRD-2024-10-08-0001","event":"trade_executed","asset":"QQQ","action":"SELL_PUT","quantity":5,"strike":400.00,"fill_price":8.52}""";

    [Fact]
    public async Task Post_SingleEvent_ReturnsReceiptOfTheCommittedRow()
    {
        var response = await Client.PostJsonAsync(SeedTrade, Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var receipt = body.GetProperty("receipts")[0];
        Assert.Equal(1, receipt.GetProperty("seq").GetInt64());
        Assert.Equal(receipt.GetProperty("hash").GetString(), await Db.ScalarAsync("SELECT current_hash FROM audit_log WHERE seq = 1"));
        // Values are kept exactly: 400.00 stays 400.00, microseconds are kept.
        Assert.Equal("400.00", await Db.ScalarAsync("SELECT event_data->>'strike' FROM audit_log"));
        Assert.Equal("2024-10-08 10:32:45.123456+00", await Db.ScalarAsync("SELECT to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' FROM audit_log"));
        Assert.Equal("key:trading", await Db.ScalarAsync("SELECT source FROM audit_log"));
        Assert.Equal(false, await Db.ScalarAsync("SELECT event_data ? 'log_type' FROM audit_log"));
    }

    [Fact]
    public async Task Post_ArrayAndNdJson_StoreEveryEventInOrder()
    {
        var array = await Client.PostJsonAsync($"[{IngestClient.Trade(1)},{IngestClient.Trade(2)}]", Key);
        var ndjson = await Client.PostNdJsonAsync([IngestClient.Trade(3), "", IngestClient.Trade(4), IngestClient.Trade(5)], Key);

        Assert.Equal(HttpStatusCode.OK, array.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ndjson.StatusCode);
        Assert.Equal(3, (await ndjson.JsonAsync()).GetProperty("accepted").GetInt32());
        Assert.Equal("TRD-2024-10-08-000001,TRD-2024-10-08-000002,TRD-2024-10-08-000003,TRD-2024-10-08-000004,TRD-2024-10-08-000005",
            await Db.ScalarAsync("SELECT string_agg(event_data->>'trade_id', ',' ORDER BY seq) FROM audit_log"));
    }

    [Fact]
    public async Task Post_MissingTimestamp_RecordsReceiveTimeAsEventTime()
    {
        var before = DateTime.UtcNow.AddSeconds(-5);
        var response = await Client.PostJsonAsync("""{"log_type":"SYSTEM","event":"app_start"}""", Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = (DateTime)(await Db.ScalarAsync("SELECT \"timestamp\" FROM audit_log"))!;
        Assert.InRange(stored, before, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(true, await Db.ScalarAsync("SELECT \"timestamp\" = created_at FROM audit_log"));
    }

    [Fact]
    public async Task Post_RetriedEventId_StoresOnceAndReturnsTheOriginalReceipt()
    {
        var first = await (await Client.PostJsonAsync(IngestClient.Trade(1, eventId: "ord-77"), Key)).JsonAsync();
        var again = await Client.PostJsonAsync(IngestClient.Trade(1, eventId: "ord-77"), Key);
        var mixed = await Client.PostNdJsonAsync([IngestClient.Trade(1, eventId: "ord-77"), IngestClient.Trade(2, eventId: "ord-78")], Key);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var receipt = (await again.JsonAsync()).GetProperty("receipts")[0];
        Assert.Equal(first.GetProperty("receipts")[0].GetProperty("seq").GetInt64(), receipt.GetProperty("seq").GetInt64());
        Assert.Equal(first.GetProperty("receipts")[0].GetProperty("hash").GetString(), receipt.GetProperty("hash").GetString());
        Assert.True(receipt.GetProperty("duplicate").GetBoolean());
        var mixedReceipts = (await mixed.JsonAsync()).GetProperty("receipts");
        Assert.Equal(1, mixedReceipts[0].GetProperty("seq").GetInt64());
        Assert.Equal(2, mixedReceipts[1].GetProperty("seq").GetInt64());
        Assert.Equal(2L, await StoredAsync());
    }

    [Fact]
    public async Task Post_SameEventIdFromAnotherKey_IsADifferentEvent()
    {
        var other = await Portal.CreateKeyAsync("risk", [LogTypes.Trade]);
        await Client.PostJsonAsync(IngestClient.Trade(1, eventId: "same"), Key);
        var response = await Client.PostJsonAsync(IngestClient.Trade(1, eventId: "same"), other);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2L, await StoredAsync());
    }

    [Fact]
    public async Task Post_OneBadEventAmongGood_StoresNothingAndNamesTheLine()
    {
        var response = await Client.PostNdJsonAsync(
            [IngestClient.Trade(1), """{"log_type":"TRADE"}""", IngestClient.Trade(3), """{"log_type":"NOPE","event":"x"}"""], Key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Equal(2, errors.GetArrayLength());
        Assert.Equal(2, errors[0].GetProperty("line").GetInt32());
        Assert.Contains("event is required", errors[0].GetProperty("error").GetString());
        Assert.Equal(4, errors[1].GetProperty("line").GetInt32());
        Assert.Contains("unknown log_type 'NOPE'", errors[1].GetProperty("error").GetString());
        Assert.Equal(0L, await StoredAsync());
    }

    public static TheoryData<string, string, string, int, string> BadBodies => new()
    {
        { "malformed JSON", "application/json", """{"log_type":"TRADE","event":""", 400, "malformed JSON" },
        { "truncated NDJSON", "application/x-ndjson", "{\"log_type\":\"TRADE\",\"event\":\"a\"}\n{\"log_type\":\"TRADE\",\"ev", 400, "malformed JSON" },
        { "not an object", "application/json", "[1]", 400, "must be a JSON object, not a number" },
        { "event not a string", "application/json", """{"log_type":"TRADE","event":42}""", 400, "event must be a string, not a number" },
        { "log_type wrong type", "application/json", """{"log_type":["TRADE"],"event":"a"}""", 400, "log_type must be a string, not an array" },
        { "unknown log_type", "application/json", """{"log_type":"trade","event":"a"}""", 400, "unknown log_type 'trade'" },
        { "missing log_type", "application/json", """{"event":"a"}""", 400, "log_type is required" },
        { "empty event", "application/json", """{"log_type":"TRADE","event":"  "}""", 400, "event must not be empty" },
        { "bad timestamp", "application/json", """{"log_type":"TRADE","event":"a","timestamp":"yesterday"}""", 400, "is not ISO-8601" },
        { "timestamp without zone", "application/json", """{"log_type":"TRADE","event":"a","timestamp":"2024-10-08T10:32:45"}""", 400, "is not ISO-8601" },
        { "stdlib asctime, no zone", "application/json", """{"log_type":"TRADE","event":"a","timestamp":"2024-10-08 10:32:45,123"}""", 400, "is not ISO-8601" },
        { "timestamp as number", "application/json", """{"log_type":"TRADE","event":"a","timestamp":1728383565}""", 400, "timestamp must be an ISO-8601 string" },
        { "impossible date", "application/json", """{"log_type":"TRADE","event":"a","timestamp":"2024-02-30T10:00:00Z"}""", 400, "not a valid date" },
        { "unknown level", "application/json", """{"log_type":"TRADE","event":"a","level":"LOUD"}""", 400, "unknown level 'LOUD'" },
        { "level not a string", "application/json", """{"log_type":"TRADE","event":"a","level":20}""", 400, "level must be a string, not a number" },
        { "user_id wrong type", "application/json", """{"log_type":"TRADE","event":"a","user_id":7}""", 400, "user_id must be a string" },
        { "duplicate property", "application/json", """{"log_type":"TRADE","event":"a","asset":"SPY","asset":"QQQ"}""", 400, "appears twice" },
        { "NUL character", "application/json", """{"log_type":"TRADE","event":"a","note":"x\u0000y"}""", 400, "\\u0000" },
        { "lone surrogate", "application/json", """{"log_type":"TRADE","event":"a","note":"\ud800"}""", 400, "not valid Unicode" },
        { "repeated event_id", "application/json", """[{"log_type":"TRADE","event":"a","event_id":"x"},{"log_type":"TRADE","event":"b","event_id":"x"}]""", 400, "appears more than once" },
        { "empty body", "application/json", "", 400, "malformed JSON" },
        { "empty array", "application/json", "[]", 400, "no events" },
        { "too deep", "application/json", "{\"log_type\":\"TRADE\",\"event\":\"a\",\"d\":" + new string('[', 40) + new string(']', 40) + "}", 400, "deeper than the limit of 32" },
        { "too deep NDJSON", "application/x-ndjson", "{\"log_type\":\"TRADE\",\"event\":\"a\",\"d\":" + new string('[', 40) + new string(']', 40) + "}\n", 400, "deeper than the limit of 32" },
        { "oversize event", "application/json", "{\"log_type\":\"TRADE\",\"event\":\"a\",\"blob\":\"" + new string('x', 70_000) + "\"}", 413, "64 KiB" },
        { "oversize NDJSON line", "application/x-ndjson", "{\"log_type\":\"TRADE\",\"event\":\"a\",\"blob\":\"" + new string('x', 70_000) + "\"}\n", 413, "64 KiB" },
        { "wrong content type", "text/plain", """{"log_type":"TRADE","event":"a"}""", 415, "application/x-ndjson" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Post_BadInput_IsRefusedWithAClearMessageAndStoresNothing(string name, string contentType, string body, int status, string message)
    {
        var response = await IngestClient.SendAsync(Client, body, contentType, Key);

        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await StoredAsync());
    }

    [Fact]
    public async Task Post_OversizeRequest_IsRefusedWith413()
    {
        var line = IngestClient.Trade(1);
        var lines = Enumerable.Repeat(line, 8 * 1024 * 1024 / line.Length + 10);

        var response = await Client.PostNdJsonAsync(lines, Key);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("8 MiB", await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await StoredAsync());
    }

    [Fact]
    public async Task Post_MissingOrWrongKey_Is401()
    {
        var missing = await Client.PostJsonAsync(SeedTrade);
        var wrong = await Client.PostJsonAsync(SeedTrade, "not-a-key");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("Missing API key", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("not valid", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(0L, await StoredAsync());
    }

    [Fact]
    public async Task Post_LogTypeTheKeyMayNotWrite_Is403AndStoresNothing()
    {
        var riskOnly = await Portal.CreateKeyAsync("risk-engine", [LogTypes.Risk]);

        var response = await Client.PostNdJsonAsync(
            ["""{"log_type":"RISK","event":"risk_check_passed"}""", SeedTrade], riskOnly);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("may not write log type(s) TRADE", await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await StoredAsync());
    }

    [Fact]
    public async Task Verify_WithKeyNotGrantedVerification_Is403()
    {
        var plain = await Portal.CreateKeyAsync("plain", [LogTypes.Trade], canVerify: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ledger/verify");
        request.Headers.Add("X-Api-Key", plain);

        var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Healthz_ReportsTheChainHeadToAKey_AndOnlyOkToAnyone()
    {
        await Client.PostJsonAsync(SeedTrade, Key);

        var health = await Client.HealthAsync(Key);
        var anonymous = await Client.GetAsync("/healthz");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(1, health.GetProperty("ledger_head").GetProperty("seq").GetInt64());
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await anonymous.Content.ReadAsStringAsync());
        // The test's one portal runs both full-text indexer stages (it takes their leases as it starts).
        for (var tries = 0; !IndexerHere(health, "vectors") || !IndexerHere(health, "gin"); tries++)
        {
            Assert.True(tries < 100, $"the portal did not report both indexer stages: {health}");
            await Task.Delay(100);
            health = await Client.HealthAsync(Key);
        }
        Assert.DoesNotContain("indexer", await anonymous.Content.ReadAsStringAsync());
    }

    private static bool IndexerHere(JsonElement health, string stage) => health.GetProperty("indexer_here").GetProperty(stage).GetBoolean();

    [Fact]
    public async Task Healthz_WithTheDatabaseUnavailable_Says503_AndItsErrorOnlyToAnAdmin()
    {
        using var admin = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(Core.Accounts.UserRoles.Admin));
        using var employee = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(Core.Accounts.UserRoles.Employee));
        // Connected to another database: once this one refuses connections, nobody can connect to it.
        async Task OnClusterAsync(string sql)
        {
            await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(Db.Admin) { Database = "postgres" }.ConnectionString);
            await connection.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand(sql, connection);
            await cmd.ExecuteNonQueryAsync();
        }
        await OnClusterAsync($"ALTER DATABASE \"{Db.Name}\" ALLOW_CONNECTIONS false");
        await OnClusterAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Db.Name}'");
        try
        {
            var anonymous = await Client.GetAsync("/healthz");
            var asEmployee = await employee.GetAsync("/healthz");
            var asAdmin = await admin.GetAsync("/healthz");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, anonymous.StatusCode);
            Assert.Equal("""{"status":"unavailable"}""", await anonymous.Content.ReadAsStringAsync());
            Assert.Equal("""{"status":"unavailable"}""", await asEmployee.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, asAdmin.StatusCode);
            Assert.Contains("not currently accepting connections", (await asAdmin.JsonAsync()).GetProperty("error").GetString());
        }
        finally
        {
            await OnClusterAsync($"ALTER DATABASE \"{Db.Name}\" ALLOW_CONNECTIONS true");
        }
    }
}

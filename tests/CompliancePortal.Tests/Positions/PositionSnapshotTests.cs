using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Positions;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Positions;

/// <summary>
/// POST /api/v1/positions and the end-of-day snapshot on a real database and archive folder, with
/// the portal's clock set by the test and the deadline configured at 21:00 UTC.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PositionSnapshotTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateOnly Wednesday = new(2026, 11, 25);
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));
    private readonly string _archive = Path.Combine(Path.GetTempPath(), "cp-positions-" + Guid.NewGuid().ToString("N")[..8]);
    private PortalFactory _portal = null!;
    private HttpClient _client = null!;
    private TestDatabase _db = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Archive:Folder", _archive);
            b.UseSetting("Positions:CatchUpDays", "2");
            b.UseSetting("Positions:EndOfDayUtc", "21:00");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock));
        });
        _key = await _portal.CreateKeyAsync("trading", [LogTypes.Trade, LogTypes.Position]);
        _client = _portal.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        try { Directory.Delete(_archive, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private const string Book =
        """
        {"date":"2026-11-25","positions":[
          {"asset":"SPY","quantity":200,"market_value":80400.00,"delta":200,"account":"FUND-A"},
          {"asset":"QQQ 2026-12-18 P 400","instrument":"option","quantity":-5,"market_value":-4250.00,"delta":-1.75,"price":8.50},
          {"asset":"IWM","quantity":150,"market_value":33012.345,"delta":150.0},
          {"asset":"SPY","quantity":10,"market_value":4020.1,"delta":10,"account":"FUND-B"}
        ]}
        """;

    private Task<HttpResponseMessage> PostAsync(string body, string? key = "use-default", string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/positions") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (key is not null) request.Headers.Add("X-Api-Key", key == "use-default" ? _key : key);
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task Snapshot_OfASeededDay_IsTheLatestSubmissionExactly_WithTotalsAndHashRecomputedFromTheArchive()
    {
        var first = await PostAsync("""{"date":"2026-11-25","positions":[{"asset":"SPY","quantity":100,"market_value":40000,"delta":100}]}""");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        _clock.Now = _clock.Now.AddHours(2);
        var latest = await PostAsync(Book);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);

        _clock.Now = new DateTimeOffset(2026, 11, 25, 21, 5, 0, TimeSpan.Zero);
        var late = await PostAsync(Book);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal(2L, await _db.ScalarAsync("SELECT count(*) FROM position_submissions"));

        var outcomes = await _portal.Services.GetRequiredService<PositionSnapshotter>().RunAsync(_clock.Now);
        var snapshot = Assert.Single(outcomes, o => o.Date == Wednesday).Snapshot!;

        // The archive object, read back and recomputed by the test.
        var store = _portal.Services.GetRequiredService<IArchiveStore>();
        Assert.Equal("positions/2026/positions_2026-11-25.json", snapshot.ArchiveKey);
        byte[] bytes;
        await using (var stream = (await store.OpenReadAsync(snapshot.ArchiveKey))!)
        using (var copy = new MemoryStream())
        {
            await stream.CopyToAsync(copy);
            bytes = copy.ToArray();
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        var positions = root.GetProperty("positions").EnumerateArray().ToList();
        using var sent = JsonDocument.Parse(Book);
        var sentPositions = sent.RootElement.GetProperty("positions").EnumerateArray().ToList();
        Assert.Equal(sentPositions.Select(p => p.GetRawText()), positions.Select(p => p.GetRawText()));
        var value = positions.Sum(p => decimal.Parse(p.GetProperty("market_value").GetRawText(), System.Globalization.CultureInfo.InvariantCulture));
        var delta = positions.Sum(p => decimal.Parse(p.GetProperty("delta").GetRawText(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(113182.445m, value);
        Assert.Equal(358.25m, delta);
        Assert.Equal("2026-11-25", root.GetProperty("date").GetString());
        Assert.Equal(4, root.GetProperty("total_count").GetInt32());
        Assert.Equal(value, root.GetProperty("total_value").GetDecimal());
        Assert.Equal(delta, root.GetProperty("total_delta").GetDecimal());

        // The database row and the ledger entry say the same.
        Assert.Equal(sha, snapshot.Sha256);
        Assert.Equal($"{sha}|4|{value}|{delta}", await _db.ScalarAsync(
            "SELECT concat_ws('|', sha256, total_count, total_value, total_delta) FROM position_snapshots WHERE date = '2026-11-25'"));
        var entry = (string)(await _db.ScalarAsync(
            $"SELECT log_type || ' ' || event_data::text FROM audit_log WHERE seq = {snapshot.LedgerSeq}"))!;
        Assert.StartsWith("POSITION ", entry);
        using var data = JsonDocument.Parse(entry["POSITION ".Length..]);
        Assert.Equal(sha, data.RootElement.GetProperty("sha256").GetString());
        Assert.Equal(snapshot.ArchiveKey, data.RootElement.GetProperty("archive_key").GetString());
        Assert.Equal("2026-11-25", data.RootElement.GetProperty("date").GetString());
        Assert.Equal(4, data.RootElement.GetProperty("total_count").GetInt32());
        Assert.Equal(value, data.RootElement.GetProperty("total_value").GetDecimal());
        Assert.Equal(delta, data.RootElement.GetProperty("total_delta").GetDecimal());

        // Once per date: a rerun adds nothing, and the day stays closed.
        var again = await _portal.Services.GetRequiredService<PositionSnapshotter>().RunAsync(_clock.Now.AddHours(1));
        Assert.DoesNotContain(again, o => o.Date == Wednesday);
        Assert.Equal(1L, await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'position_snapshot'"));
        Assert.Equal(1L, await _db.ScalarAsync("SELECT count(*) FROM position_snapshots"));
    }

    [Fact]
    public async Task BadBodies_AreRefusedNamingEachProblem_AndNothingIsStored()
    {
        async Task<JsonElement> Refused(HttpStatusCode status, string body, string? key = "use-default", string contentType = "application/json")
        {
            var response = await PostAsync(body, key, contentType);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {text}");
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }

        static string Messages(JsonElement p) => p.GetProperty("detail").GetString() + " " + (p.TryGetProperty("errors", out var list)
            ? string.Join(" ", list.EnumerateArray().Select(e => e.GetProperty("error").GetString())) : "");

        var problem = await Refused(HttpStatusCode.BadRequest,
            """
            {"date":"2026-11-25","positions":[
              {"asset":"SPY","quantity":"200","market_value":80400,"delta":200},
              {"asset":"QQQ","quantity":5,"delta":1},
              {"asset":"IWM","quantity":1,"market_value":1,"delta":1,"colour":"red"},
              {"asset":"SPY","quantity":1,"market_value":1,"delta":1},
              {"asset":"SPY","quantity":2,"market_value":2,"delta":2},
              {"asset":"DIA","quantity":1,"market_value":1e20,"delta":1},
              {"asset":"DIA","asset":"DIA","quantity":1,"market_value":1,"delta":1}
            ]}
            """);
        var errors = problem.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("error").GetString()!)).ToList();
        Assert.Contains(errors, e => e.Item1 == 0 && e.Item2.Contains("\"quantity\" must be a number"));
        Assert.Contains(errors, e => e.Item1 == 1 && e.Item2.Contains("\"market_value\" is missing"));
        Assert.Contains(errors, e => e.Item1 == 2 && e.Item2.Contains("unknown field \"colour\""));
        Assert.Contains(errors, e => e.Item1 == 4 && e.Item2.Contains("repeats position 3"));
        Assert.Contains(errors, e => e.Item1 == 5 && e.Item2.Contains("implausibly large"));
        Assert.Contains(errors, e => e.Item1 == 6 && e.Item2.Contains("appears twice"));
        Assert.Equal(6, errors.Count);
        Assert.Contains("nothing was stored", problem.GetProperty("detail").GetString());

        Assert.Contains("\"date\" is missing", Messages(await Refused(HttpStatusCode.BadRequest, """{"positions":[]}""")));
        Assert.Contains("\"date\" must be", Messages(await Refused(HttpStatusCode.BadRequest, """{"date":"25/11/2026","positions":[]}""")));
        Assert.Contains("not valid JSON", Messages(await Refused(HttpStatusCode.BadRequest, """{"date":"2026-11-25","positions":[""")));
        Assert.Contains("unknown field \"extra\"", Messages(await Refused(HttpStatusCode.BadRequest, """{"date":"2026-11-25","positions":[],"extra":1}""")));
        Assert.Contains("in the future", Messages(await Refused(HttpStatusCode.Conflict, """{"date":"2026-11-26","positions":[]}""")));
        await Refused(HttpStatusCode.UnsupportedMediaType, """{"date":"2026-11-25","positions":[]}""", contentType: "text/plain");
        await Refused(HttpStatusCode.Unauthorized, """{"date":"2026-11-25","positions":[]}""", key: null);
        var tradesOnly = await _portal.CreateKeyAsync("trades-only", [LogTypes.Trade]);
        Assert.Contains("POSITION grant", Messages(await Refused(HttpStatusCode.Forbidden, """{"date":"2026-11-25","positions":[]}""", key: tradesOnly)));
        var tooMany = "{\"date\":\"2026-11-25\",\"positions\":[" + string.Join(",", Enumerable.Range(0, 20_001).Select(i => $"{{\"asset\":\"A{i}\",\"quantity\":1,\"market_value\":1,\"delta\":1}}")) + "]}";
        Assert.Contains("over the limit of 20000", Messages(await Refused(HttpStatusCode.BadRequest, tooMany)));

        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM position_submissions"));
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task MissingSubmission_IsOneComplianceExceptionPerWeekday_AndWeekendsAreNotFlagged()
    {
        var snapshotter = _portal.Services.GetRequiredService<PositionSnapshotter>();
        // Monday 23 November after the deadline; catch-up covers Saturday 21 and Sunday 22 too.
        var monday = new DateTimeOffset(2026, 11, 23, 21, 10, 0, TimeSpan.Zero);

        var outcomes = await snapshotter.RunAsync(monday);
        var again = await snapshotter.RunAsync(monday.AddMinutes(30));

        var missing = Assert.Single(outcomes);
        Assert.True(missing.Missing);
        Assert.Equal(new DateOnly(2026, 11, 23), missing.Date);
        Assert.Empty(again);
        Assert.Equal("COMPLIANCE|2026-11-23|user:job:position-snapshot", await _db.ScalarAsync(
            "SELECT string_agg(concat_ws('|', log_type, event_data->>'date', source), ',') FROM audit_log WHERE event = 'position_snapshot_missing'"));
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM position_snapshots"));
    }

    [Fact]
    public async Task MissingSubmission_OnAMarketHoliday_IsNotFlagged()
    {
        var snapshotter = _portal.Services.GetRequiredService<PositionSnapshotter>();
        // Thanksgiving (26 November) after the deadline; catch-up covers Tuesday 24 and Wednesday 25 too.
        var thanksgiving = new DateTimeOffset(2026, 11, 26, 21, 10, 0, TimeSpan.Zero);

        var outcomes = await snapshotter.RunAsync(thanksgiving);

        Assert.Equal([new DateOnly(2026, 11, 24), new DateOnly(2026, 11, 25)], outcomes.Where(o => o.Missing).Select(o => o.Date).Order());
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'position_snapshot_missing' AND event_data->>'date' = '2026-11-26'"));
    }

    [Fact]
    public async Task SubmissionsAndSnapshots_CannotBeChangedOrDeleted_ByThePortalsRole()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Book)).StatusCode);
        await using var app = new NpgsqlConnection(_db.Connections.App);
        await app.OpenAsync();
        foreach (var sql in new[] { "UPDATE position_submissions SET total_value = 0", "DELETE FROM position_submissions" })
        {
            await using var cmd = new NpgsqlCommand(sql, app);
            await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        }
        // Not even the owner: the trigger refuses it.
        await Assert.ThrowsAsync<PostgresException>(() => _db.ExecuteAsAdminAsync("UPDATE position_submissions SET total_value = 0"));
        Assert.Equal(1L, await _db.ScalarAsync("SELECT count(*) FROM position_submissions WHERE total_value = 113182.445"));
    }
}

using System.Net;
using System.Security.Claims;
using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Search;
using CompliancePortal.Search;
using CompliancePortal.Search.Pages;
using CompliancePortal.Tests.Infrastructure;
using CsvHelper;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CompliancePortal.Tests.Search;

/// <summary>Who sees what: the auditor's granted period in search, detail and export; the CSV export; the detail page.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SearchAccessTests(PostgresFixture postgres) : SearchTest(postgres)
{
    private static readonly DateOnly Day = new(2024, 10, 8);

    private async Task<RecordReader> ReaderAsync(string userName, string role)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, userName), new Claim(ClaimTypes.Role, role)], "test"));
        return (await _portal.Services.GetRequiredService<RecordReaders>().ForAsync(principal, new Actor(userName)))!;
    }

    [Fact]
    public async Task Search_Auditor_SeesOnlyTheGrantedDays()
    {
        var auditor = await ReaderAsync(await _portal.CreateUserAsync(UserRoles.Auditor, Day, Day), UserRoles.Auditor);

        var everything = await _search.SearchAsync(auditor, AuditQuery.Everything);
        var asking = await _search.SearchAsync(auditor, new AuditQuery { From = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), Fields = [new FieldFilter("asset", "QQQ")] });

        Assert.Equal("t06,t05,t04,t03,t02", string.Join(",", everything.Rows.Select(r => SearchData.TagOf(r.EventData))));
        Assert.Equal("t05,t02", string.Join(",", asking.Rows.Select(r => SearchData.TagOf(r.EventData))));
        Assert.Equal(1L, await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'audit_search' AND event_data->>'scope' = '2024-10-08..2024-10-08' AND event_data->>'query' = ''"));
    }

    [Fact]
    public async Task Search_AuditorWithoutPeriod_SeesNothing()
    {
        var auditor = await ReaderAsync(await _portal.CreateUserAsync(UserRoles.Auditor), UserRoles.Auditor);

        var page = await _search.SearchAsync(auditor, AuditQuery.Everything);

        Assert.Empty(page.Rows);
    }

    [Fact]
    public async Task Detail_AuditorOutsidePeriod_IsRefusedAndRecorded()
    {
        var auditor = await ReaderAsync(await _portal.CreateUserAsync(UserRoles.Auditor, Day, Day), UserRoles.Auditor);

        var outside = await _search.GetAsync(auditor, _seqs["t01"]);
        var inside = await _search.GetAsync(auditor, _seqs["t03"]);
        var verifyOutside = await _search.VerifyAsync(auditor, _seqs["t01"]);

        Assert.Equal(DetailStatus.OutsidePeriod, outside.Status);
        Assert.Null(outside.Detail);
        Assert.Null(verifyOutside);
        Assert.Equal(DetailStatus.Found, inside.Status);
        // t03 and t04 share TRD-3; t01 (TRD-1) is not related, t04 is.
        Assert.Equal(["t04"], inside.Detail!.Related.Select(r => SearchData.TagOf(r.EventData)));
        Assert.Equal("refused_outside_period", await _db.ScalarAsync($"SELECT event_data->>'outcome' FROM audit_log WHERE event = 'event_viewed' AND (event_data->>'seq')::bigint = {_seqs["t01"]}"));
    }

    [Fact]
    public async Task DetailPage_AuditorByDirectUrlOutsidePeriod_ShowsRefusalNotData()
    {
        var name = await _portal.CreateUserAsync(UserRoles.Auditor, Day, Day);
        await using var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(_search);
        ctx.Services.AddSingleton(_portal.Services.GetRequiredService<RecordReaders>());
        ctx.Services.AddSingleton(_portal.Services.GetRequiredService<Npgsql.NpgsqlDataSource>());
        ctx.Services.AddSingleton(_portal.Services.GetRequiredService<CompliancePortal.Core.Ledger.Checkpoints.NoteVerifier>());
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized(name);
        auth.SetRoles(UserRoles.Auditor);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var cut = ctx.Render<EventDetailPage>(p => p.Add(x => x.Seq, _seqs["t01"]));
        cut.WaitForElement("[data-testid=event-refused]");
        var hash = (string)(await _db.ScalarAsync($"SELECT current_hash FROM audit_log WHERE seq = {_seqs["t01"]}"))!;
        Assert.DoesNotContain(hash, cut.Markup);
        Assert.DoesNotContain("TRD-1", cut.Markup);

        var allowed = ctx.Render<EventDetailPage>(p => p.Add(x => x.Seq, _seqs["t03"]));
        allowed.WaitForElement("[data-testid=current-hash]");
        allowed.Find("[data-testid=verify-entry]").Click();
        allowed.WaitForAssertion(() => Assert.StartsWith("Verified", allowed.Find("[data-testid=verify-result]").TextContent.Trim()));
        allowed.WaitForElement("[data-testid=inclusion-result]");
    }

    [Fact]
    public async Task Export_Auditor_ContainsOnlyTheGrantedDays()
    {
        using var client = await _portal.SignedInClientAsync(await _portal.CreateUserAsync(UserRoles.Auditor, Day, Day));

        var rows = await ExportAsync(client, "");

        Assert.Equal(["t06", "t05", "t04", "t03", "t02"], rows.Select(r => SearchData.TagOf(r["event_data"])));
    }

    [Fact]
    public async Task Export_ComplianceOfficer_IsWellFormedCsvOfTheSameRows()
    {
        var name = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await _portal.SignedInClientAsync(name);
        var officer = await ReaderAsync(name, UserRoles.ComplianceOfficer);
        const string query = "to=2024-12-31&f=asset:SPY&order=oldest";
        Assert.Empty(AuditQueryInput.FromQueryString(query).TryBuild(out var parsed));
        var expected = (await _search.SearchAsync(officer, parsed!)).Rows;

        var rows = await ExportAsync(client, query);

        Assert.Equal(expected.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(expected[i].Seq.ToString(), rows[i]["seq"]);
            Assert.Equal(CompliancePortal.Core.Ledger.CanonicalEntry.FormatTime(expected[i].Timestamp), rows[i]["timestamp"]);
            Assert.Equal(expected[i].EventData, rows[i]["event_data"]);
            Assert.Equal(expected[i].CurrentHash, rows[i]["current_hash"]);
            Assert.Equal(expected[i].UserId ?? "", rows[i]["user_id"]);
        }
        Assert.Equal(1L, await _db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE event = 'search_exported' AND user_id = '{name}' AND event_data->>'query' = 'to=2024-12-31&f=asset%3ASPY&order=oldest'"));
    }

    [Fact]
    public async Task Export_TextASpreadsheetWouldRun_StartsWithAnApostrophe()
    {
        const string formula = "=cmd|' /C calc'!A0";
        var seqs = await SearchData.IngestAsync(_portal,
        [
            new() { ["timestamp"] = "2024-10-08T13:00:00Z", ["log_type"] = "TRADE", ["event"] = "trade_executed", ["user_id"] = formula, ["tag"] = "formula" },
        ]);
        using var client = await _portal.SignedInClientAsync(await _portal.CreateUserAsync(UserRoles.ComplianceOfficer));

        var row = Assert.Single(await ExportAsync(client, "user=" + Uri.EscapeDataString(formula)));

        Assert.Equal("'" + formula, row["user_id"]);
        Assert.Equal(seqs["formula"].ToString(), row["seq"]);
        Assert.Equal("formula", SearchData.TagOf(row["event_data"]));
    }

    [Theory]
    [InlineData(UserRoles.PortfolioManager, HttpStatusCode.Forbidden)]
    [InlineData(UserRoles.Employee, HttpStatusCode.Forbidden)]
    public async Task Export_OtherRoles_AreRefused(string role, HttpStatusCode status)
    {
        using var client = await _portal.SignedInClientAsync(await _portal.CreateUserAsync(role));
        using var anonymous = _portal.CreateClient();

        Assert.Equal(status, (await client.GetAsync("/api/v1/search/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/search/export")).StatusCode);
    }

    [Fact]
    public async Task Export_InvalidQuery_IsA400WithTheMessage()
    {
        using var client = await _portal.SignedInClientAsync(await _portal.CreateUserAsync(UserRoles.ComplianceOfficer));

        var response = await client.GetAsync("/api/v1/search/export?f=" + Uri.EscapeDataString("a b:c"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("letters, digits or underscores", await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<Dictionary<string, string>>> ExportAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/api/v1/search/export?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString());
        var bytes = await response.Content.ReadAsByteArrayAsync();
        // Strict: a malformed record or a short/long row throws instead of being patched up.
        using var csv = CsvReader.Create(bytes, new CsvReaderOptions { HasHeader = false });
        var rows = new List<Dictionary<string, string>>();
        Assert.True(csv.Read());
        var header = Enumerable.Range(0, SearchEndpoints.CsvColumns.Length).Select(csv.GetString).ToArray();
        Assert.Equal(SearchEndpoints.CsvColumns, header);
        while (csv.Read())
        {
            Assert.Equal(header.Length, csv.FieldCount);
            rows.Add(header.Select((h, i) => (h, v: csv.GetString(i))).ToDictionary(x => x.h, x => x.v));
        }
        // Rows stamped "now" are the portal's own records (sign-ins, searches), not part of these checks.
        return [.. rows.Where(r => r["timestamp"].StartsWith("2024-", StringComparison.Ordinal))];
    }
}

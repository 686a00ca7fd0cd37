using System.Net;
using System.Text;
using Bunit;
using CompliancePortal.Core;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Positions;
using CompliancePortal.Positions.Pages;
using CompliancePortal.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Positions;

/// <summary>
/// The end-of-day positions page over real snapshots: Tuesday 2026-11-24's book was submitted and frozen,
/// Monday 23's was not (a missing-book exception); officers see both, auditors their granted days.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PositionSnapshotListTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateOnly Tuesday = new(2026, 11, 24), Monday = new(2026, 11, 23);
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero));
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Positions:CatchUpDays", "2");
            b.UseSetting("Positions:EndOfDayUtc", "21:00");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock));
        });
        var key = await _portal.CreateKeyAsync("trading", [LogTypes.Trade, LogTypes.Position]);
        using var client = _portal.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/positions")
        {
            Content = new StringContent("""
                {"date":"2026-11-24","positions":[
                  {"asset":"SPY","quantity":200,"market_value":80400.00,"delta":200},
                  {"asset":"QQQ 2026-12-18 P 400","instrument":"option","quantity":-5,"market_value":-4250.00,"delta":-1.75}
                ]}
                """, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        _clock.Now = new DateTimeOffset(2026, 11, 24, 21, 5, 0, TimeSpan.Zero);
        await _portal.Services.GetRequiredService<PositionSnapshotter>().RunAsync(_clock.Now);
    }

    public async Task DisposeAsync()
    {
        foreach (var ctx in _contexts) await ctx.DisposeAsync();
        await _portal.DisposeAsync();
    }

    private async Task<IRenderedComponent<PositionSnapshotList>> OpenAsync(string role, DateOnly? from = null, DateOnly? to = null)
    {
        var name = await _portal.CreateUserAsync(role, from, to);
        var ctx = PortalPages.NewContext(_portal, name, role, typeof(PositionSnapshots), typeof(RecordReaders));
        _contexts.Add(ctx);
        var cut = ctx.Render<PositionSnapshotList>();
        cut.WaitForElement("[data-testid=position-days]");
        return cut;
    }

    private readonly List<BunitContext> _contexts = [];

    [Fact]
    public async Task Officer_SeesTheFrozenBookWithTotalsHashAndDownload_AndTheMissingDayAsAnException()
    {
        var cut = await OpenAsync(UserRoles.ComplianceOfficer);

        var rows = cut.FindAll("[data-testid=position-days] tbody tr");
        Assert.Equal([$"positions-{Formats.Day(Tuesday)}", $"positions-{Formats.Day(Monday)}"], rows.Select(r => r.GetAttribute("data-testid")));
        var cells = rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        // Two positions; 80,400.00 - 4,250.00 and 200 - 1.75, formatted as the page formats numbers (N2).
        Assert.Equal(["2026-11-24 Tue", "2", 76150.00m.ToString("N2"), 198.25m.ToString("N2")], cells.Take(4));
        Assert.Equal(await _db.ScalarAsync($"SELECT sha256 FROM position_snapshots"), cells[4]);
        var seq = await _db.ScalarAsync("SELECT max(seq) FROM audit_log WHERE event = 'position_snapshot'");
        Assert.Contains($"(ledger #{seq})", cells[5]);
        var download = rows[0].QuerySelector("a")!;
        Assert.Equal("/api/v1/positions/snapshots/2026-11-24", download.GetAttribute("href"));
        Assert.Equal("positions_2026-11-24.json", download.GetAttribute("download"));
        var missedSeq = await _db.ScalarAsync("SELECT seq FROM audit_log WHERE event = 'position_snapshot_missing' AND event_data->>'date' = '2026-11-23'");
        Assert.Contains($"No book submitted recorded as an exception (ledger #{missedSeq})", System.Text.RegularExpressions.Regex.Replace(rows[1].TextContent, @"\s+", " "));
        Assert.Null(rows[1].QuerySelector("a"));
        Assert.Empty(cut.FindAll("[data-testid=granted-period]"));
    }

    [Fact]
    public async Task Auditor_SeesTheGrantedDaysOnly_AndIsToldSo()
    {
        var cut = await OpenAsync(UserRoles.Auditor, Monday, Monday);

        var row = Assert.Single(cut.FindAll("[data-testid=position-days] tbody tr"));
        Assert.Equal($"positions-{Formats.Day(Monday)}", row.GetAttribute("data-testid"));
        Assert.Contains("2026-11-23..2026-11-23", cut.Find("[data-testid=granted-period]").TextContent);
    }

    [Theory]
    [InlineData(UserRoles.Auditor)]          // without a granted period
    [InlineData(UserRoles.PortfolioManager)] // not a record reader
    public async Task OthersSeeNoDay(string role)
    {
        var cut = await OpenAsync(role);

        Assert.Equal("No day settled yet.", Assert.Single(cut.FindAll("[data-testid=position-days] tbody tr")).TextContent.Trim());
    }
}

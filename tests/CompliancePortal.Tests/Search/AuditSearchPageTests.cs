using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Search;
using CompliancePortal.Search;
using CompliancePortal.Search.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Search;

/// <summary>The search page on the real search over <see cref="SearchData"/>: the URL's query, the reader's period, refusals, searching again.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditSearchPageTests(PostgresFixture postgres) : SearchTest(postgres)
{
    private BunitContext NewContext(string userName, string role)
    {
        var ctx = PortalPages.NewContext(_portal, userName, role, typeof(AuditSearch), typeof(RecordReaders));
        ctx.Render<MudPopoverProvider>();
        return ctx;
    }

    private static IRenderedComponent<AuditSearchPage> Open(BunitContext ctx, string uri)
    {
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo(uri);
        return ctx.Render<AuditSearchPage>();
    }

    private static List<string> Tags(IRenderedComponent<AuditSearchPage> cut) =>
        [.. cut.FindAll("[data-testid=results] tbody tr td.search-data").Select(td => SearchData.TagOf(td.TextContent))];

    private async Task<long> SearchesRecordedAsync(string userName) =>
        (long)(await _db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE event = 'audit_search' AND user_id = '{userName}'"))!;

    [Fact]
    public async Task Officer_OpensALink_SeesItsResultsNewestFirst_WithTheExportOfTheSameQuery()
    {
        var name = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var ctx = NewContext(name, UserRoles.ComplianceOfficer);

        var cut = Open(ctx, "/search?type=RISK");

        cut.WaitForAssertion(() => Assert.Equal(["t12", "t07", "t06"], Tags(cut)));
        Assert.Equal("3 events", cut.Find("[data-testid=result-count]").TextContent.Trim());
        Assert.Equal("/api/v1/search/export?type=RISK", cut.Find("[data-testid=export-csv]").GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=granted-period]"));
        Assert.Equal(1, await SearchesRecordedAsync(name));
    }

    [Fact]
    public async Task Auditor_SeesTheGrantedPeriodOnly_AndIsToldSo()
    {
        var day = new DateOnly(2024, 10, 8);
        var name = await _portal.CreateUserAsync(UserRoles.Auditor, day, day);
        await using var ctx = NewContext(name, UserRoles.Auditor);

        var cut = Open(ctx, "/search");

        cut.WaitForAssertion(() => Assert.Equal(["t06", "t05", "t04", "t03", "t02"], Tags(cut)));
        Assert.Contains("2024-10-08..2024-10-08", cut.Find("[data-testid=granted-period]").TextContent);
    }

    [Fact]
    public async Task ALinkWithAnInvalidQuery_IsExplained_AndNotSearched()
    {
        var name = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var ctx = NewContext(name, UserRoles.ComplianceOfficer);

        var cut = Open(ctx, "/search?from=2024-10-09&to=2024-10-08");

        cut.WaitForAssertion(() => Assert.Equal("This link's search is not valid: 'From' is after 'To'.", cut.Find("[data-testid=search-problem]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=results]"));
        Assert.Equal(0, await SearchesRecordedAsync(name));
    }

    [Fact]
    public async Task ARoleThatMayNotReadRecords_IsRefused()
    {
        var name = await _portal.CreateUserAsync(UserRoles.PortfolioManager);
        await using var ctx = NewContext(name, UserRoles.PortfolioManager);

        var cut = Open(ctx, "/search?type=TRADE");

        cut.WaitForAssertion(() => Assert.Equal("Your role may not read records.", cut.Find("[data-testid=search-problem]").TextContent.Trim()));
        Assert.DoesNotContain("TRD-", cut.Markup);
        Assert.Equal(0, await SearchesRecordedAsync(name));
    }

    [Fact]
    public async Task Submitting_TheSameQuery_SearchesAgain_AChangedOne_GoesToItsUrl()
    {
        var name = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var ctx = NewContext(name, UserRoles.ComplianceOfficer);
        var cut = Open(ctx, "/search?type=RISK");
        cut.WaitForAssertion(() => Assert.Equal(3, Tags(cut).Count));

        await cut.Find("form").SubmitAsync();
        Assert.Equal(2, await SearchesRecordedAsync(name));

        cut.FindComponent<SearchForm>().Instance.Input.Text = "assignment";
        await cut.Find("form").SubmitAsync();

        Assert.EndsWith("/search?type=RISK&q=assignment", ctx.Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public async Task MoreThanAPage_PagesForwardAndBack_CountingOnlyOnce()
    {
        var events = Enumerable.Range(1, AuditQuery.PageSize + 5).Select(i => new System.Text.Json.Nodes.JsonObject
        {
            ["timestamp"] = new DateTimeOffset(2024, 9, 2, 9, 0, 0, TimeSpan.Zero).AddMinutes(i).ToString("O"),
            ["log_type"] = "NAV", ["event"] = "nav_calculated", ["tag"] = $"n{i:D2}",
        }).ToList();
        await SearchData.IngestAsync(_portal, events);
        var name = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var ctx = NewContext(name, UserRoles.ComplianceOfficer);
        var cut = Open(ctx, "/search?type=NAV&order=oldest");
        cut.WaitForAssertion(() => Assert.Equal(AuditQuery.PageSize, Tags(cut).Count));
        Assert.Equal("n01", Tags(cut)[0]);
        Assert.Equal($"{AuditQuery.PageSize + 5} events", cut.Find("[data-testid=result-count]").TextContent.Trim());

        await cut.Find("button[data-testid=next-page]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(Enumerable.Range(AuditQuery.PageSize + 1, 5).Select(i => $"n{i:D2}"), Tags(cut)));
        Assert.Contains("Page 2", cut.Markup);
        Assert.True(cut.Find("button[data-testid=next-page]").HasAttribute("disabled"));
        // The total was counted with the first page and is still shown.
        Assert.Equal($"{AuditQuery.PageSize + 5} events", cut.Find("[data-testid=result-count]").TextContent.Trim());

        await cut.FindAll("button").Single(b => b.TextContent.Contains("Newer page")).ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("n01", Tags(cut)[0]));
        Assert.Contains("Page 1", cut.Markup);
    }
}

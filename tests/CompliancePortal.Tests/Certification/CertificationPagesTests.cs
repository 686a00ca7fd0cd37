using Bunit;
using CompliancePortal.Certification.Pages;
using CompliancePortal.Core;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Certification;
using CompliancePortal.Tests.Blotter;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Certification;

/// <summary>
/// The certification list and a day's page on a real portal: the last business day has trades, NAV and its blotter;
/// the business day before has a trade but neither NAV nor blotter. Certifying and generating go through the real services.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CertificationPagesTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private DateOnly _day, _earlier;

    private static readonly Type[] PageServices = [typeof(DailyCertification), typeof(BlotterArchive), typeof(TimeProvider)];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _day = BlotterJobTests.LastBusinessDay();
        _earlier = _day.AddDays(-1);
        while (!ShippedCalendar.Instance.IsBusinessDay(_earlier)) _earlier = _earlier.AddDays(-1);
        var response = await Client.PostNdJsonAsync(
        [
            BlotterJobTests.Trade(_earlier, "10:00:00", "T-0", ""","asset":"SPY","action":"BUY","quantity":10,"price":402.10,"broker":"ib" """),
            BlotterJobTests.Trade(_day, "09:30:00", "T-1", ""","asset":"QQQ","action":"SELL_PUT","quantity":5,"fill_price":8.52,"broker":"alpaca" """),
            BlotterJobTests.Trade(_day, "10:00:00", "T-2", ""","asset":"IWM","action":"BUY","quantity":100,"price":221.5,"broker":"ib" """),
            $$"""{"timestamp":"{{BlotterJobTests.At(_day, "16:15:00")}}","log_type":"NAV","event":"nav_calculated","nav":156789.45}""",
        ], Key);
        response.EnsureSuccessStatusCode();
        await Portal.Services.GetRequiredService<BlotterArchive>().GenerateAsync(_day, new Actor("job:trade-blotter"));
    }

    private BunitContext NewContext() => PortalPages.NewContext(Portal, "cco", UserRoles.ComplianceOfficer, PageServices);

    private IRenderedComponent<CertificationDayPage> Open(BunitContext ctx, string date) =>
        ctx.Render<CertificationDayPage>(p => p.Add(x => x.Date, date));

    [Fact]
    public async Task Days_ListsOpenAndCertifiedDaysApart()
    {
        Assert.Null((await Portal.Services.GetRequiredService<DailyCertification>().CertifyAsync(new Actor("cco"), _day, null)).Error);
        await using var ctx = NewContext();

        var cut = ctx.Render<CertificationDays>();

        cut.WaitForElement("[data-testid=open-count]");
        Assert.Equal("1 open day", cut.Find("[data-testid=open-count]").TextContent.Trim());
        var open = Assert.Single(cut.FindAll("[data-testid=open-days] tbody tr"));
        Assert.Equal($"day-{Formats.Day(_earlier)}", open.GetAttribute("data-testid"));
        Assert.Contains("not generated", open.TextContent);
        var certified = Assert.Single(cut.FindAll("[data-testid=certified-days] tbody tr"));
        Assert.Equal($"day-{Formats.Day(_day)}", certified.GetAttribute("data-testid"));
        Assert.Contains("2 trade(s)", certified.TextContent);
        Assert.Contains("Certified by cco", certified.TextContent);
    }

    [Fact]
    public async Task Days_NothingCertified_SaysSo()
    {
        await using var ctx = NewContext();

        var cut = ctx.Render<CertificationDays>();

        cut.WaitForElement("[data-testid=open-count]");
        Assert.Equal("2 open days", cut.Find("[data-testid=open-count]").TextContent.Trim());
        Assert.Equal([$"day-{Formats.Day(_day)}", $"day-{Formats.Day(_earlier)}"], cut.FindAll("[data-testid=open-days] tbody tr").Select(r => r.GetAttribute("data-testid")));
        Assert.Equal("No day is certified yet.", cut.Find("[data-testid=certified-days] tbody tr").TextContent.Trim());
    }

    [Theory]
    [InlineData("2024-13-01", "'2024-13-01' is not a date (yyyy-MM-dd).")]
    [InlineData("yesterday", "'yesterday' is not a date (yyyy-MM-dd).")]
    public async Task DayPage_NotADate_IsExplained(string date, string problem)
    {
        await using var ctx = NewContext();

        var cut = Open(ctx, date);

        Assert.Equal(problem, cut.Find("[data-testid=day-problem]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=certify-form]"));
    }

    [Fact]
    public async Task DayPage_Today_CannotBeCertifiedYet()
    {
        var today = Formats.Day(DateOnly.FromDateTime(DateTime.UtcNow));
        await using var ctx = NewContext();

        var cut = Open(ctx, today);

        Assert.Equal($"{today} is not over yet (UTC); it can be certified from the next day on.", cut.Find("[data-testid=day-problem]").TextContent.Trim());
    }

    [Fact]
    public async Task DayPage_Certify_StoresTheCertificationWithTheNote_AndShowsIt()
    {
        await using var ctx = NewContext();
        var cut = Open(ctx, Formats.Day(_day));
        cut.WaitForElement("[data-testid=certify-form]");
        Assert.Equal("2 of 2", cut.Find("[data-testid=trades-reconciled]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=no-blotter]"));

        cut.Find("[data-testid=certify-note] textarea, textarea[data-testid=certify-note]").Change("checked against the broker statements");
        await cut.Find("button[data-testid=certify]").ClickAsync(new());

        var certified = cut.WaitForElement("[data-testid=certified]").TextContent;
        var seq = (long)(await Db.ScalarAsync($"SELECT seq FROM audit_log WHERE event = 'logs_certified' AND user_id = 'cco' AND event_data::text LIKE '%checked against the broker statements%'"))!;
        Assert.Contains("Certified by cco at ", certified);
        Assert.Contains($"(ledger entry #{seq})", certified);
        Assert.Contains(DailyCertification.Statement, certified);
        Assert.Empty(cut.FindAll("[data-testid=certify-form]"));
    }

    [Fact]
    public async Task DayPage_WithoutBlotter_OffersToGenerateIt_ThenReconciles()
    {
        await using var ctx = NewContext();
        var cut = Open(ctx, Formats.Day(_earlier));
        cut.WaitForElement("[data-testid=no-blotter]");

        await cut.Find("button[data-testid=generate-blotter]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=no-blotter]")));
        Assert.Equal("1 of 1", cut.Find("[data-testid=trades-reconciled]").TextContent.Trim());
        Assert.Equal(1L, await Db.ScalarAsync($"SELECT count(*) FROM trade_blotters WHERE \"Day\" = '{Formats.Day(_earlier)}'"));
    }

    [Fact]
    public async Task DayPage_CertifyingADayWithExceptions_WithoutANote_ShowsTheServicesReason()
    {
        await using var ctx = NewContext();
        var cut = Open(ctx, Formats.Day(_earlier));
        cut.WaitForElement("[data-testid=no-blotter]");
        await cut.Find("button[data-testid=generate-blotter]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=no-blotter]")));

        await cut.Find("button[data-testid=certify]").ClickAsync(new());

        var error = cut.WaitForElement("[data-testid=certify-error]").TextContent;
        Assert.Contains("nav_calculated", error);
        Assert.EndsWith("Explain them in a note to certify the day.", error.Trim());
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM log_certifications"));
    }
}

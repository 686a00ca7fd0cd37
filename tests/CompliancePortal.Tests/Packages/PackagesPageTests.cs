using Bunit;
using CompliancePortal.Core;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Packages;
using CompliancePortal.Packages;
using CompliancePortal.Packages.Pages;
using CompliancePortal.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Packages;

/// <summary>
/// The packages page on a real portal: a request reaches the package service (stored, recorded), is listed,
/// its progress is shown live; refusals are shown. No Hangfire server runs, so requested builds stay queued.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PackagesPageTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db);
        _ = _portal.Services;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private BunitContext NewContext(string userName, string role)
    {
        var ctx = PortalPages.NewContext(_portal, userName, role,
            typeof(PackageOrders), typeof(PackageService), typeof(RecordReaders), typeof(PackageProgressBroadcaster), typeof(TimeProvider));
        ctx.Render<MudPopoverProvider>();
        return ctx;
    }

    private static async Task ChooseOnlyAsync(IRenderedComponent<PackagesPage> cut, string label)
    {
        foreach (var box in cut.FindComponents<MudCheckBox<bool>>().Where(b => b.Instance.Label != label))
            await cut.InvokeAsync(() => box.Instance.ValueChanged.InvokeAsync(false));
    }

    [Fact]
    public async Task Officer_Requests_ThePackageIsStoredRecordedAndListed_ThenItsProgressShowsLive()
    {
        var name = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var ctx = NewContext(name, UserRoles.ComplianceOfficer);
        var cut = ctx.Render<PackagesPage>();
        cut.WaitForElement("[data-testid=no-packages]");

        await ChooseOnlyAsync(cut, "Trade blotters");
        await cut.Find("button[data-testid=package-request]").ClickAsync(new());

        var row = cut.WaitForElement("[data-testid=package-list] tbody tr");
        Assert.Contains($"{Formats.Day(Today.AddDays(-30))} – {Formats.Day(Today)}", row.TextContent);
        Assert.Contains("Trade blotters", row.TextContent);
        Assert.DoesNotContain("Risk events", row.TextContent);
        Assert.Contains("Queued", row.QuerySelector("[data-testid=package-status]")!.TextContent);
        Assert.Equal("trade_blotters", await _db.ScalarAsync(
            $"SELECT event_data->'sections'->>0 FROM audit_log WHERE event = 'compliance_package_requested' AND user_id = '{name}' AND event_data->>'from' = '{Formats.Day(Today.AddDays(-30))}' AND event_data->>'to' = '{Formats.Day(Today)}'"));
        Assert.Empty(cut.FindAll("[data-testid=package-problem]"));

        var id = (Guid)(await _db.ScalarAsync($"SELECT id FROM compliance_packages WHERE requested_by = '{name}'"))!;
        await _portal.Services.GetRequiredService<PackageProgressBroadcaster>().ReportAsync(new PackageProgress(id, PackageStatus.Building, 40, "trade blotters"));

        cut.WaitForAssertion(() => Assert.Equal("40", cut.Find("[data-testid=package-progress]").GetAttribute("data-percent")));
        Assert.Contains("Building · 40% · trade blotters", cut.Find("[data-testid=package-status]").TextContent);
    }

    [Fact]
    public async Task Auditor_AskingOutsideTheGrant_IsToldWhy_AndNothingIsStored()
    {
        var (grantFrom, grantTo) = (Today.AddDays(-60), Today.AddDays(-40));
        var name = await _portal.CreateUserAsync(UserRoles.Auditor, grantFrom, grantTo);
        await using var ctx = NewContext(name, UserRoles.Auditor);
        var cut = ctx.Render<PackagesPage>();
        cut.WaitForElement("[data-testid=granted-period]");

        var from = cut.FindComponents<MudDatePicker>()[0];
        await cut.InvokeAsync(() => from.Instance.DateChanged.InvokeAsync(grantFrom.AddDays(-1).ToDateTime(TimeOnly.MinValue)));
        await cut.Find("button[data-testid=package-request]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(
            $"The period {Formats.Day(grantFrom.AddDays(-1))}..{Formats.Day(grantTo)} is outside your granted period {Formats.Day(grantFrom)}..{Formats.Day(grantTo)}.",
            cut.Find("[data-testid=package-problem]").TextContent.Trim()));
        Assert.NotNull(cut.Find("[data-testid=no-packages]"));
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM compliance_packages"));
    }

    [Fact]
    public async Task ARoleThatMayNotReadRecords_GetsNoForm()
    {
        var name = await _portal.CreateUserAsync(UserRoles.PortfolioManager);
        await using var ctx = NewContext(name, UserRoles.PortfolioManager);

        var cut = ctx.Render<PackagesPage>();

        cut.WaitForAssertion(() => Assert.Equal("Your account may not request compliance packages.", cut.Find("[data-testid=package-problem]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=package-request]"));
    }
}

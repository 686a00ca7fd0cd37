using Bunit;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Search;
using CompliancePortal.Packages.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CompliancePortal.Tests.Packages;

/// <summary>The request form's default period (the last 30 days, or the auditor's grant), its sections, and the page's problem.</summary>
public sealed class PackageRequestFormTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    private static IRenderedComponent<PackageRequestForm> Render(BunitContext ctx, RecordReader reader, List<PackageRequest> requested, string? problem = null)
    {
        ctx.Render<MudPopoverProvider>();
        return ctx.Render<PackageRequestForm>(p => p
            .Add(f => f.Reader, reader)
            .Add(f => f.Today, Today)
            .Add(f => f.Problem, problem)
            .Add(f => f.OnRequest, EventCallback.Factory.Create<PackageRequest>(new object(), requested.Add)));
    }

    [Fact]
    public async Task Officer_RequestsTheLast30DaysWithEverySection_AndSeesNoGrant()
    {
        await using var ctx = PortalBunit.NewContext("cco");
        var requested = new List<PackageRequest>();
        var cut = Render(ctx, RecordReader.ComplianceOfficer(new Actor("cco")), requested);

        await cut.Find("button[data-testid=package-request]").ClickAsync(new());

        var request = Assert.Single(requested);
        Assert.Equal((new DateOnly(2026, 10, 26), Today), (request.From, request.To));
        Assert.Equal(PackageSections.All.Select(s => s.Name).Order(), request.Sections.Order());
        Assert.Empty(cut.FindAll("[data-testid=granted-period]"));
        Assert.Empty(cut.FindAll("[data-testid=package-problem]"));
    }

    [Theory]
    [InlineData("2026-10-01", "2026-10-31", "2026-10-01", "2026-10-31")]   // a past grant: all of it
    [InlineData("2026-11-01", "2026-12-31", "2026-11-01", "2026-11-25")]   // a grant running past today stops today
    public async Task Auditor_DefaultsToTheGrantedPeriod(string grantFrom, string grantTo, string from, string to)
    {
        await using var ctx = PortalBunit.NewContext("aud");
        var requested = new List<PackageRequest>();
        var reader = RecordReader.Auditor(new Actor("aud"), DateOnly.Parse(grantFrom), DateOnly.Parse(grantTo));
        var cut = Render(ctx, reader, requested);

        await cut.Find("button[data-testid=package-request]").ClickAsync(new());

        var request = Assert.Single(requested);
        Assert.Equal((DateOnly.Parse(from), DateOnly.Parse(to)), (request.From, request.To));
        Assert.Contains($"Your granted period: {grantFrom}..{grantTo} (UTC).", cut.Find("[data-testid=granted-period]").TextContent);
    }

    [Fact]
    public async Task UncheckedSections_AreLeftOut_AndAChosenPeriodIsSent()
    {
        await using var ctx = PortalBunit.NewContext("cco");
        var requested = new List<PackageRequest>();
        var cut = Render(ctx, RecordReader.ComplianceOfficer(new Actor("cco")), requested);

        var boxes = cut.FindComponents<MudCheckBox<bool>>();
        Assert.Equal(PackageSections.All.Select(s => s.Label), boxes.Select(b => b.Instance.Label));
        await cut.InvokeAsync(() => boxes.Single(b => b.Instance.Label == "Email archive").Instance.ValueChanged.InvokeAsync(false));
        await cut.InvokeAsync(() => boxes.Single(b => b.Instance.Label == "Risk events").Instance.ValueChanged.InvokeAsync(false));
        var pickers = cut.FindComponents<MudDatePicker>();
        await cut.InvokeAsync(() => pickers[0].Instance.DateChanged.InvokeAsync(new DateTime(2026, 9, 1)));
        await cut.InvokeAsync(() => pickers[1].Instance.DateChanged.InvokeAsync(new DateTime(2026, 9, 30)));
        await cut.Find("button[data-testid=package-request]").ClickAsync(new());

        var request = Assert.Single(requested);
        Assert.Equal((new DateOnly(2026, 9, 1), new DateOnly(2026, 9, 30)), (request.From, request.To));
        string[] kept = [PackageSections.TradeBlotters, PackageSections.PositionSnapshots, PackageSections.NavCalculations, PackageSections.FeeCalculations, PackageSections.ComplianceLogs];
        Assert.Equal(kept.Order(), request.Sections.Order());
    }

    [Fact]
    public async Task AClearedDate_SendsNothing_AndTheProblemIsShown()
    {
        await using var ctx = PortalBunit.NewContext("cco");
        var requested = new List<PackageRequest>();
        var cut = Render(ctx, RecordReader.ComplianceOfficer(new Actor("cco")), requested, problem: "A package covers at most 366 days.");

        await cut.InvokeAsync(() => cut.FindComponents<MudDatePicker>()[0].Instance.DateChanged.InvokeAsync(null));
        await cut.Find("button[data-testid=package-request]").ClickAsync(new());

        Assert.Empty(requested);
        Assert.Equal("A package covers at most 366 days.", cut.Find("[data-testid=package-problem]").TextContent.Trim());
    }
}

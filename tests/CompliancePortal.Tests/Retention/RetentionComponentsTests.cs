using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Retention;
using CompliancePortal.Retention.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Retention;

/// <summary>The hold form, the hold list and the retention page over the real legal-hold service on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RetentionComponentsTests(PostgresFixture postgres) : PortalPageTest(postgres)
{
    private LegalHoldService Holds => Portal.Services.GetRequiredService<LegalHoldService>();

    private static LegalHold Hold(int id, string reason, bool released = false) => new()
    {
        Id = id, FromDay = new DateOnly(2025, 1, 1), ToDay = new DateOnly(2025, 12, 31), LogType = released ? null : "TRADE", Asset = released ? null : "AAPL",
        Reason = reason, CreatedBy = "casey", CreatedAt = new DateTimeOffset(2026, 11, 2, 10, 15, 0, TimeSpan.Zero),
        ReleasedAt = released ? new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero) : null, ReleasedBy = released ? "dana" : null,
        ReleaseReason = released ? "matter closed" : null,
    };

    private async Task<int> PlaceAsync(string reason)
    {
        await Holds.CreateAsync(new Actor("casey"), new LegalHoldForm(new DateOnly(2025, 1, 1), new DateOnly(2025, 12, 31), null, null, null, reason));
        return (int)(await Db.ScalarAsync($"SELECT \"Id\" FROM legal_holds WHERE \"Reason\" = '{reason}'"))!;
    }

    private Task<object?> HoldsAsync() => Db.ScalarAsync("SELECT count(*) FROM legal_holds");

    private static void Type(IRenderedComponent<HoldForm> cut, string testId, string value) =>
        cut.Find($"[data-testid={testId}] input, input[data-testid={testId}]").Change(value);

    [Fact]
    public async Task HoldForm_WithoutAReason_ShowsTheRefusalAndPlacesNothing()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var placed = 0;
        var cut = ctx.Render<HoldForm>(p => p.Add(f => f.OnPlaced, () => placed++));

        await cut.Find("button[data-testid=hold-place]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("Give the reason for the hold (matter, request or case).", cut.Find("[data-testid=hold-error]").TextContent.Trim()));
        Assert.Equal(0, placed);
        Assert.Equal(0L, await HoldsAsync());
    }

    [Fact]
    public async Task HoldForm_WithABadAsset_ShowsTheRefusal()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<HoldForm>();

        Type(cut, "hold-asset", "AAPL; DROP");
        Type(cut, "hold-reason", "SEC inquiry");
        await cut.Find("button[data-testid=hold-place]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("The asset is a ticker", cut.Find("[data-testid=hold-error]").TextContent));
        Assert.Equal(0L, await HoldsAsync());
    }

    [Fact]
    public async Task HoldForm_Place_StoresTheEnteredScopeAndReason_ForTheDefaultYear_AndClearsTheForm()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var placed = 0;
        var cut = ctx.Render<HoldForm>(p => p.Add(f => f.OnPlaced, () => placed++));

        var logType = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => logType.Instance.ValueChanged.InvokeAsync("TRADE"));
        Type(cut, "hold-asset", "aapl");
        Type(cut, "hold-user", "trader-7");
        Type(cut, "hold-reason", "SEC inquiry 2026-14");
        await cut.Find("button[data-testid=hold-place]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(1, placed));
        Assert.Empty(cut.FindAll("[data-testid=hold-error]"));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal($"{today.AddYears(-1):yyyy-MM-dd}|{today:yyyy-MM-dd}|TRADE|AAPL|trader-7|SEC inquiry 2026-14|casey", await Db.ScalarAsync(
            "SELECT concat_ws('|', \"FromDay\", \"ToDay\", \"LogType\", \"Asset\", \"UserId\", \"Reason\", \"CreatedBy\") FROM legal_holds"));
        Assert.Equal("", cut.Find("[data-testid=hold-reason] input, input[data-testid=hold-reason]").GetAttribute("value") ?? "");
        Assert.Equal("", cut.Find("[data-testid=hold-asset] input, input[data-testid=hold-asset]").GetAttribute("value") ?? "");
    }

    [Fact]
    public async Task HoldList_ReadOnly_ShowsScopeAndState_WithoutRelease()
    {
        await using var ctx = PageContext("dana", UserRoles.Admin);

        var cut = ctx.Render<HoldList>(p => p.Add(l => l.Holds, [Hold(2, "SEC inquiry"), Hold(1, "old matter", released: true)]));

        var rows = cut.FindAll("[data-testid=hold-table] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal(["2", "2025-01-01..2025-12-31, TRADE, asset AAPL", "SEC inquiry", "casey, 2026-11-02 10:15 UTC", "in force"],
            rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Equal("released 2026-11-20 by dana: matter closed", rows[1].QuerySelectorAll("td")[4].TextContent.Trim());
        Assert.Contains("all log types", rows[1].TextContent);
        Assert.DoesNotContain("Release", cut.Find("[data-testid=hold-table] thead").TextContent);
        Assert.Empty(cut.FindAll("button[data-testid^=release-]"));
    }

    [Fact]
    public async Task HoldList_Empty_SaysSo()
    {
        await using var ctx = PageContext("dana", UserRoles.Admin);

        var cut = ctx.Render<HoldList>(p => p.Add(l => l.Holds, Array.Empty<LegalHold>()));

        Assert.Contains("No legal holds.", cut.Find("[data-testid=hold-table]").TextContent);
    }

    [Fact]
    public async Task HoldList_Release_OffersOnlyActiveHolds_NeedsAReason_AndStoresTheTypedOne()
    {
        var id = await PlaceAsync("SEC inquiry");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var released = 0;
        var cut = ctx.Render<HoldList>(p => p.Add(l => l.Holds, [Hold(id, "SEC inquiry"), Hold(id + 100, "old matter", released: true)])
            .Add(l => l.CanRelease, true).Add(l => l.OnReleased, () => released++));
        Assert.Single(cut.FindAll("button[data-testid^=release-]"));

        await cut.Find($"button[data-testid=release-{id}]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Give the reason for releasing the hold.", cut.Markup));
        Assert.Equal(0, released);

        cut.Find($"[data-testid=release-reason-{id}] input, input[data-testid=release-reason-{id}]").Change("inquiry closed by letter");
        await cut.Find($"button[data-testid=release-{id}]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(1, released));
        Assert.DoesNotContain("Give the reason for releasing the hold.", cut.Markup);
        Assert.Equal("casey|inquiry closed by letter", await Db.ScalarAsync($"SELECT concat_ws('|', \"ReleasedBy\", \"ReleaseReason\") FROM legal_holds WHERE \"Id\" = {id}"));
    }

    [Fact]
    public async Task Page_ForAnOfficer_PlacesAndReleasesHolds_AndListsTheNewHold()
    {
        await PlaceAsync("SEC inquiry");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<RetentionPage>();

        cut.WaitForAssertion(() => Assert.Contains("SEC inquiry", cut.Find("[data-testid=hold-table]").TextContent));
        Assert.Single(cut.FindAll("button[data-testid=hold-place]"));
        Assert.Single(cut.FindAll("button[data-testid^=release-]"));
        Assert.Single(cut.FindAll("[data-testid=retention-settings]"));

        cut.Find("[data-testid=hold-reason] input, input[data-testid=hold-reason]").Change("FINRA request 88");
        await cut.Find("button[data-testid=hold-place]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=hold-table] tbody tr").Count));
        Assert.Contains("FINRA request 88", cut.Find("[data-testid=hold-table]").TextContent);
    }

    [Fact]
    public async Task Page_ForTheAdmin_ListsHoldsReadOnly()
    {
        await PlaceAsync("SEC inquiry");
        await using var ctx = PageContext("dana", UserRoles.Admin);

        var cut = ctx.Render<RetentionPage>();

        cut.WaitForAssertion(() => Assert.Contains("SEC inquiry", cut.Find("[data-testid=hold-table]").TextContent));
        Assert.Empty(cut.FindAll("button[data-testid=hold-place]"));
        Assert.Empty(cut.FindAll("button[data-testid^=release-]"));
    }
}

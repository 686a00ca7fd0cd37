using Bunit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Search.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace CompliancePortal.Tests.Search;

public sealed class EventDetailViewTests
{
    private static readonly string Previous = new('a', 64);
    private static readonly string Current = new('b', 64);

    private static EventDetail Detail() => new(
        new AuditRow(42, new DateTimeOffset(2024, 10, 8, 10, 32, 45, TimeSpan.Zero), new DateTimeOffset(2024, 10, 8, 10, 32, 46, TimeSpan.Zero),
            "TRADE", "trade_executed", "pm", "key:trading", """{"asset":"QQQ","trade_id":"TRD-1"}""", Current),
        Previous, "ord-1", "10.0.0.1", null,
        """{"v":1,"seq":42,"log_type":"TRADE","data":{"asset":"QQQ","strike":400.00}}""",
        [new AuditRow(43, new DateTimeOffset(2024, 10, 8, 10, 33, 0, TimeSpan.Zero), new DateTimeOffset(2024, 10, 8, 10, 33, 1, TimeSpan.Zero),
            "TRADE", "trade_settled", null, "key:trading", """{"trade_id":"TRD-1"}""", new string('c', 64))]);

    [Fact]
    public async Task Render_Detail_ShowsHashesJsonAndRelated()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<EventDetailView>(p => p.Add(v => v.Detail, Detail()));

        Assert.Equal(Previous, cut.Find("[data-testid=previous-hash]").TextContent);
        Assert.Equal(Current, cut.Find("[data-testid=current-hash]").TextContent);
        // Indented, with every value's text kept (400.00 is not rewritten as 400).
        Assert.Contains("\"strike\": 400.00", cut.Find("[data-testid=event-json]").TextContent);
        Assert.Contains("/events/43", cut.Find("[data-testid=related]").InnerHtml);
        Assert.Empty(cut.FindAll("[data-testid=verify-result]"));
    }

    [Fact]
    public async Task Render_AnArchivedEmail_LinksItsMessage_OtherEntriesDoNot()
    {
        await using var ctx = PortalBunit.NewContext();
        var sha = new string('d', 64);
        var email = Detail() with
        {
            Row = Detail().Row with
            {
                LogType = "COMMUNICATION",
                Event = "email_archived",
                EventData = $$"""{"subject":"Q3","sha256":"{{sha}}","archive_key":"compliance/emails/2026-11-25/{{sha}}.eml"}""",
            },
        };
        var forged = email with { Row = email.Row with { EventData = $$"""{"sha256":"{{sha}}","archive_key":"blotters/2026/11/blotter_2026-11-25.csv"}""" } };

        var link = ctx.Render<EventDetailView>(p => p.Add(v => v.Detail, email)).Find("[data-testid=download-email]");

        Assert.Equal($"/api/v1/communications/emails/2026-11-25/{sha}", link.GetAttribute("href"));
        Assert.Equal($"{sha}.eml", link.GetAttribute("download"));
        Assert.Empty(ctx.Render<EventDetailView>(p => p.Add(v => v.Detail, Detail())).FindAll("[data-testid=download-email]"));
        Assert.Empty(ctx.Render<EventDetailView>(p => p.Add(v => v.Detail, forged)).FindAll("[data-testid=download-email]"));
    }

    [Fact]
    public async Task Render_WithVerification_ShowsTheResult()
    {
        await using var ctx = PortalBunit.NewContext();
        var ok = new EntryVerification(42, true, true, null, true, true, Previous, Current, "the hash recomputes from the stored bytes and both neighbours link to it");
        var bad = ok with { Verified = false, LinksToNext = false, Reason = "entry 43's previous_hash does not match entry 42's current_hash" };

        var cut = ctx.Render<EventDetailView>(p => p.Add(v => v.Detail, Detail()).Add(v => v.Verification, ok));
        Assert.StartsWith("Verified", cut.Find("[data-testid=verify-result]").TextContent.Trim());

        cut.Render(p => p.Add(v => v.Verification, bad));
        var text = cut.Find("[data-testid=verify-result]").TextContent;
        Assert.Contains("NOT verified", text);
        Assert.Contains("next entry links: no", text);
    }

    [Fact]
    public async Task Render_WithInclusion_ShowsWhetherTheSignedCheckpointHoldsTheEntry()
    {
        await using var ctx = PortalBunit.NewContext();
        var included = new CompliancePortal.Core.Ledger.Checkpoints.EntryInclusion(true, 100, 7, new string('a', 64), "included in the checkpoint of 100 entries signed by x (7 proof hashes)");

        var cut = ctx.Render<EventDetailView>(p => p.Add(v => v.Detail, Detail()));
        Assert.Empty(cut.FindAll("[data-testid=inclusion-result]"));
        cut.Render(p => p.Add(v => v.Inclusion, included));
        Assert.Contains("In the signed checkpoint", cut.Find("[data-testid=inclusion-result]").TextContent);
        Assert.Contains(new string('a', 64), cut.Find("[data-testid=inclusion-result]").TextContent);

        cut.Render(p => p.Add(v => v.Inclusion, included with { Included = false, Reason = "the entry's bytes are NOT in the checkpoint of 100 entries" }));
        var alert = cut.Find("[data-testid=inclusion-result]");
        Assert.Contains("Not proven", alert.TextContent);
        Assert.Contains("mud-alert-text-error", alert.OuterHtml);
    }

    [Fact]
    public async Task VerifyButton_Clicked_AsksThePage()
    {
        await using var ctx = PortalBunit.NewContext();
        var asked = 0;

        var cut = ctx.Render<EventDetailView>(p => p
            .Add(v => v.Detail, Detail())
            .Add(v => v.OnVerify, EventCallback.Factory.Create(new object(), () => asked++)));
        cut.Find("[data-testid=verify-entry]").Click();

        Assert.Equal(1, asked);
    }
}

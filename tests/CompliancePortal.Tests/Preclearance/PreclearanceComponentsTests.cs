using Bunit;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Preclearance.Pages;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Preclearance;

/// <summary>The status chip's label and colour per status, and the request table's rows, links and empty state.</summary>
public sealed class PreclearanceComponentsTests
{
    internal static PreclearanceRequest Request(string id, string employee = "erin", PreclearanceStatus status = PreclearanceStatus.PendingReview,
        string security = "TSLA", int quantity = 100, TradeSide side = TradeSide.Buy) => new()
        {
            Id = id, Employee = employee, Security = security, Side = side, Quantity = quantity, Account = "Schwab 1234",
            TradeDate = new DateOnly(2026, 12, 2), Reason = "diversifying", Status = status, ChecksJson = "[]",
        };

    [Theory]
    [InlineData(PreclearanceStatus.PendingReview, "pending review", "warning")]
    [InlineData(PreclearanceStatus.Approved, "approved", "success")]
    [InlineData(PreclearanceStatus.Executed, "executed", "success")]
    [InlineData(PreclearanceStatus.Denied, "denied", "error")]
    [InlineData(PreclearanceStatus.NotExecuted, "not executed", "default")]
    [InlineData(PreclearanceStatus.Expired, "expired", "default")]
    public async Task StatusChip_ShowsTheLabelAndColourOfTheStatus(PreclearanceStatus status, string label, string colour)
    {
        await using var ctx = PortalBunit.NewContext();

        var chip = ctx.Render<StatusChip>(p => p.Add(c => c.Status, status)).Find("[data-testid=pc-status]");

        Assert.Equal(label, chip.TextContent.Trim());
        Assert.Contains($"mud-chip-color-{colour}", chip.ClassName);
    }

    [Fact]
    public async Task RequestTable_ListsEachRequestInTheGivenOrder_LinkingToItsPage()
    {
        await using var ctx = PortalBunit.NewContext();
        PreclearanceRequest[] requests =
        [
            Request("PCT-2026-0002", "frank", PreclearanceStatus.Denied, "NVDA", 5, TradeSide.Sell),
            Request("PCT-2026-0001", "erin", PreclearanceStatus.Approved, "AAPL", 50),
        ];

        var cut = ctx.Render<RequestTable>(p => p.Add(t => t.Requests, requests));

        var rows = cut.FindAll("[data-testid=pc-requests] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal(["PCT-2026-0002", "frank", "NVDA", "Sell", "5", "2026-12-02", "denied"], rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Equal("/preclearance/PCT-2026-0001", rows[1].QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("approved", rows[1].QuerySelector("[data-testid=pc-status]")!.TextContent.Trim());
        Assert.DoesNotContain("No requests.", cut.Markup);
    }

    [Fact]
    public async Task RequestTable_Empty_SaysNoRequests()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<RequestTable>(p => p.Add(t => t.Requests, Array.Empty<PreclearanceRequest>()));

        Assert.Contains("No requests.", cut.Find("[data-testid=pc-requests]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=pc-requests] a"));
    }
}

using Bunit;
using CompliancePortal.Certification.Pages;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Certification;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Certification;

/// <summary>The day's figures and the certify form as rendered, and the reconciliation rule on its own.</summary>
public sealed class CertificationComponentsTests
{
    private static readonly DateOnly Day = new(2024, 10, 8);

    private static DayReview Review(BlotterState blotter = BlotterState.Verified, IReadOnlyList<TradeDifference>? differences = null,
        bool nav = true, bool intact = true) => new(
        Day, 12, 4, 4 - (differences?.Count ?? 0), blotter,
        blotter == BlotterState.NotGenerated ? null : new StoredBlotter { Day = Day, ArchiveKey = BlotterArchive.Key(Day), Rows = 4, Sha256 = new string('e', 64), GeneratedBy = "job:trade-blotter" },
        differences ?? [], nav, 10, 21,
        new VerificationResult(intact, 12, new ChainHead(30, new string('f', 64)), intact ? null : 15, intact ? "entries 10..21 recompute and link to entry 9" : "entry 15's current_hash does not match its canonical bytes"),
        null);

    [Fact]
    public async Task Figures_ShowTheNumbersAndEachDifference()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<DayFigures>(p => p.Add(f => f.Review, Review(BlotterState.HashMismatch,
            [new("T-2", "missing_from_blotter", "in the ledger, not in the blotter"), new("T-3", "differs", "price: ledger '1.25', blotter '1.35'")])));

        Assert.Equal("12", cut.Find("[data-testid=log-count]").TextContent);
        Assert.Equal("2 of 4", cut.Find("[data-testid=trades-reconciled]").TextContent.Trim());
        Assert.StartsWith("ALTERED", cut.Find("[data-testid=blotter-state]").TextContent);
        Assert.Equal(2, cut.FindAll("[data-testid=differences] tbody tr").Count);
        Assert.Contains("blotter '1.35'", cut.Find("[data-testid=differences]").TextContent);
    }

    [Fact]
    public async Task Form_WithABlocker_CannotBeSubmitted_AndExceptionsAskForANote()
    {
        await using var ctx = PortalBunit.NewContext();

        var blocked = ctx.Render<CertifyForm>(p => p.Add(f => f.Review, Review(intact: false)));
        var exceptional = ctx.Render<CertifyForm>(p => p.Add(f => f.Review, Review(nav: false)));

        Assert.True(blocked.Find("[data-testid=certify]").HasAttribute("disabled"));
        Assert.Contains("chain does not verify", blocked.Find("[data-testid=blocker]").TextContent);
        Assert.False(exceptional.Find("[data-testid=certify]").HasAttribute("disabled"));
        Assert.Contains("No nav_calculated event", exceptional.Markup);
        Assert.Contains(DailyCertification.Statement, exceptional.Markup);
    }

    [Fact]
    public async Task Form_Certify_PassesTheTypedNote()
    {
        await using var ctx = PortalBunit.NewContext();
        string? sent = "not called";
        var cut = ctx.Render<CertifyForm>(p => p.Add(f => f.Review, Review()).Add(f => f.OnCertify, (string? note) => sent = note));

        cut.Find("textarea").Change("checked with the desk");
        await cut.Find("[data-testid=certify]").ClickAsync(new());

        Assert.Equal("checked with the desk", sent);
    }

    [Fact]
    public void Reconcile_PairsByTradeIdInOrder_AndNamesEveryDifference()
    {
        static string[] Row(string id, string price) => ["2024-10-08T10:00:00.000000Z", id, "QQQ", "BUY", "1", price, "", "", ""];
        var ledger = new[] { Row("T-1", "1"), Row("T-2", "2"), Row("T-2", "2.5"), Row("T-4", "4") };
        var stored = new[] { Row("T-1", "1"), Row("T-2", "2"), Row("T-2", "2.6"), Row("T-9", "9") };

        var (differences, reconciled) = DailyCertification.Reconcile(ledger, stored);

        Assert.Equal(2, reconciled);
        Assert.Equal([("T-2", "differs"), ("T-4", "missing_from_blotter"), ("T-9", "not_in_ledger")], differences.Select(d => (d.TradeId, d.Kind)));
        Assert.Equal("price: ledger '2.5', blotter '2.6'", differences[0].Detail);
    }
}

using Bunit;
using CompliancePortal.Certification.Pages;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Certification;
using CompliancePortal.Tests.Infrastructure;
using MudBlazor;

namespace CompliancePortal.Tests.Certification;

/// <summary>The list of days: each links to its review, says whether it has a blotter, and who certified it or that it is open.</summary>
public sealed class CertificationDayTableTests
{
    private static readonly DateOnly Monday = new(2024, 10, 7);

    private static StoredBlotter Blotter(DateOnly day, int rows) =>
        new() { Day = day, ArchiveKey = BlotterArchive.Key(day), Rows = rows, Sha256 = new string('e', 64), GeneratedBy = "job:trade-blotter" };

    [Fact]
    public async Task Days_ShowTheirBlotterAndStatus_InTheOrderGiven()
    {
        await using var ctx = PortalBunit.NewContext();
        var tuesday = Monday.AddDays(1);
        var certification = new LogCertification { Day = Monday, CertifiedBy = "cco", CertifiedAt = new DateTimeOffset(2024, 10, 8, 9, 15, 30, TimeSpan.Zero), CertificationData = "{}", LedgerSeq = 40 };

        var cut = ctx.Render<CertificationDayTable>(p => p
            .Add(t => t.Days, [new CertificationDay(tuesday, null, null), new CertificationDay(Monday, Blotter(Monday, 3), certification)])
            .Add(t => t.Empty, "nothing")
            .Add(t => t.TestId, "open-days"));

        var rows = cut.FindAll("[data-testid=open-days] tbody tr");
        Assert.Equal(["day-2024-10-08", "day-2024-10-07"], rows.Select(r => r.GetAttribute("data-testid")));
        var open = rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["2024-10-08 Tue", "not generated", "Open"], open);
        Assert.Equal("/certification/2024-10-08", rows[0].QuerySelector("a")!.GetAttribute("href"));
        var done = rows[1].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["2024-10-07 Mon", "3 trade(s)", "Certified by cco at 2024-10-08 09:15 UTC"], done);
        // Only the open day carries the warning chip.
        var chip = cut.FindComponent<MudChip<string>>();
        Assert.Equal(Color.Warning, chip.Instance.Color);
        Assert.Single(cut.FindComponents<MudChip<string>>());
        Assert.DoesNotContain("nothing", cut.Markup);
    }

    [Fact]
    public async Task NoDays_SaysWhatTheCallerAsked()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<CertificationDayTable>(p => p.Add(t => t.Days, []).Add(t => t.Empty, "Every past day is certified.").Add(t => t.TestId, "open-days"));

        var row = Assert.Single(cut.FindAll("[data-testid=open-days] tbody tr"));
        Assert.Equal("Every past day is certified.", row.TextContent.Trim());
    }
}

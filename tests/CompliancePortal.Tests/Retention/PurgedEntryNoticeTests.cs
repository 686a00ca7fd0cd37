using Bunit;
using CompliancePortal.Core.Retention;
using CompliancePortal.Retention.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Retention;

/// <summary>Asked for a removed entry, the event page says where it is kept, within the reader's period.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PurgedEntryNoticeTests(PostgresFixture postgres) : RetentionTest(postgres)
{
    [Fact]
    public async Task Render_ForAPurgedSeq_NamesTheArchiveObject_OnlyToReadersWhoMaySeeIt()
    {
        var day = Today.AddDays(-40);
        var seqs = await AppendOnDayAsync(day, ApiCall(1), ApiCall(2));
        await Archive.ArchiveAsync(day);
        await Purger(new() { ["SYSTEM"] = 30 }).RunAsync();
        var key = (await Archive.ReadManifestAsync(day))!.Objects.Single().Key;
        var tombstones = Portal.Services.GetRequiredService<LedgerTombstones>();
        await using var ctx = PortalBunit.NewContext(services: s => s.AddSingleton(tombstones));

        var shown = ctx.Render<PurgedEntryNotice>(p => p.Add(n => n.Seq, seqs[1]).Add(n => n.MaySee, _ => true));
        shown.WaitForAssertion(() => Assert.Contains(key, shown.Find("[data-testid=event-purged]").TextContent));
        Assert.Contains("SYSTEM", shown.Find("[data-testid=event-purged]").TextContent);

        var outside = ctx.Render<PurgedEntryNotice>(p => p.Add(n => n.Seq, seqs[1]).Add(n => n.MaySee, _ => false));
        var never = ctx.Render<PurgedEntryNotice>(p => p.Add(n => n.Seq, 999_999).Add(n => n.MaySee, _ => true));
        await Task.Delay(200);
        Assert.Empty(outside.FindAll("[data-testid=event-purged]"));
        Assert.Empty(never.FindAll("[data-testid=event-purged]"));
    }
}

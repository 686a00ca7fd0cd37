using System.Text;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.LiveFeed;

namespace CompliancePortal.Tests.LiveFeed;

public sealed class FeedEntryTests
{
    [Fact]
    public void From_AHandedOverEntry_KeepsOnlyTheFeedFieldsAndTheLevel()
    {
        var e = new LedgerEvent("TRADE", "trade_failed", new DateTimeOffset(2026, 11, 27, 14, 30, 0, TimeSpan.Zero), "t-1", "pm1", null, null,
            Encoding.UTF8.GetBytes("""{"trade_id":"TRD-1","asset":"SPY","quantity":100,"level":"error","employee_name":"A. Person","error":"rejected"}"""),
            new DateTimeOffset(2026, 11, 27, 14, 30, 1, TimeSpan.Zero).AddTicks(5));

        var entry = FeedEntry.From(new CommittedEntry(42, "key:oms", e, [], ChainHash.Genesis, "ab"));

        Assert.Equal(42, entry.Seq);
        Assert.Equal("error", entry.Level);
        Assert.Equal(["asset", "error", "quantity", "trade_id"], entry.Data.Keys.Order());
        Assert.Equal("SPY", entry.Text("asset"));
        Assert.Equal(100, entry.Number("quantity"));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 14, 30, 1, TimeSpan.Zero), entry.ReceivedAt);
        Assert.Equal("ab", entry.CurrentHash);
    }
}

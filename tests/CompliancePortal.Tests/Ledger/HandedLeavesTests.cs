using System.Text;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Merkle;

namespace CompliancePortal.Tests.Ledger;

/// <summary>The writer's hand-overs kept for the tree builder: one run of consecutive seqs, bounded.</summary>
public sealed class HandedLeavesTests
{
    private static List<CommittedEntry> Entries(long first, int count) => [.. Enumerable.Range(0, count).Select(i => Entry(first + i))];

    private static CommittedEntry Entry(long seq)
    {
        var at = DateTimeOffset.UnixEpoch;
        var canonical = Encoding.UTF8.GetBytes($$"""{"seq":{{seq}}}""");
        return new CommittedEntry(seq, "key:test", new LedgerEvent(LogTypes.Trade, "trade_executed", at, null, null, null, null, "{}"u8.ToArray(), at),
            canonical, "", "");
    }

    private static byte[] LeavesOf(long from, long to) =>
        [.. Enumerable.Range(0, (int)(to - from + 1)).SelectMany(i => MerkleHash.Leaf(Entry(from + i).Canonical))];

    [Fact]
    public void HandOversThatFollowOn_MakeOneRun_OfTheirLeafHashes()
    {
        var handed = new HandedLeaves(capacity: 100);
        handed.Add(Entries(11, 5));
        handed.Add(Entries(16, 10));
        Assert.Equal((11L, 25L), handed.Range);
        Assert.Equal(LeavesOf(13, 20), handed.Take(13, 20));
        Assert.Equal((21L, 25L), handed.Range);   // what the tree took, and what came before it, is let go
        Assert.Throws<ArgumentOutOfRangeException>(() => handed.Take(20, 22));
        Assert.Throws<ArgumentOutOfRangeException>(() => handed.Take(21, 26));
    }

    [Fact]
    public void AHandOverThatDoesNotFollowOn_StartsANewRun()
    {
        var handed = new HandedLeaves(capacity: 100);
        handed.Add(Entries(1, 10));
        handed.Add(Entries(15, 3));   // 11..14 committed by another process
        Assert.Equal((15L, 17L), handed.Range);
        handed.Add(Entries(16, 3));   // overlapping: not a continuation either
        Assert.Equal((16L, 18L), handed.Range);
        Assert.Equal(LeavesOf(16, 18), handed.Take(16, 18));
    }

    [Fact]
    public void TheRun_KeepsAtMostItsCapacity_TheNewestLeaves()
    {
        var handed = new HandedLeaves(capacity: 8);
        handed.Add(Entries(1, 5));
        handed.Add(Entries(6, 5));
        Assert.Equal((3L, 10L), handed.Range);
        handed.Add(Entries(11, 20));
        Assert.Equal((23L, 30L), handed.Range);
        Assert.Equal(LeavesOf(23, 30), handed.Take(23, 30));
    }

    [Fact]
    public void AHandOverOfSeqsWithAGap_IsNotKept_AndForgetThroughLetsGoOfWhatTheTreeHas()
    {
        var handed = new HandedLeaves(capacity: 100);
        handed.Add(Entries(1, 10));
        handed.ForgetThrough(4);
        Assert.Equal((5L, 10L), handed.Range);
        handed.ForgetThrough(50);
        var (first, last) = handed.Range;
        Assert.True(first > last);
        handed.Add(Entries(11, 3));
        handed.Add([Entry(14), Entry(16)]);
        (first, last) = handed.Range;
        Assert.True(first > last, $"kept {first}..{last}");
    }
}

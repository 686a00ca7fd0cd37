using System.Text;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Tests.Ledger;

public sealed class ChainHashTests
{
    [Fact]
    public void Compute_MatchesTheSeedsPythonRecipe()
    {
        // hashlib.sha256(('0' * 64 + '{"a":1}').encode()).hexdigest()
        var hash = ChainHash.Compute(ChainHash.Genesis, Encoding.UTF8.GetBytes("""{"a":1}"""));

        Assert.Equal("fc6cee09194dd2578bd7664604fcb72a539066fd34544cea0009c43eb6cdc289", hash);
    }

    [Fact]
    public void CanonicalEntry_KeepsDataBytesAndFixedEnvelopeOrder()
    {
        var e = new LedgerEvent("TRADE", "trade_executed", new DateTimeOffset(2024, 10, 8, 10, 32, 45, TimeSpan.Zero).AddTicks(1234560),
            "id-1", null, "10.0.0.1", null, Encoding.UTF8.GetBytes("""{"strike":400.00,"note":"é"}"""),
            new DateTimeOffset(2024, 10, 8, 10, 32, 46, TimeSpan.Zero));

        var canonical = Encoding.UTF8.GetString(CanonicalEntry.Build(7, "key:trading", e));

        Assert.Equal(
            """{"v":1,"seq":7,"received_at":"2024-10-08T10:32:46.000000Z","timestamp":"2024-10-08T10:32:45.123456Z","log_type":"TRADE","event":"trade_executed","source":"key:trading","event_id":"id-1","user_id":null,"ip_address":"10.0.0.1","session_id":null,"data":{"strike":400.00,"note":"é"}}""",
            canonical);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(10L)]
    [InlineData(9_007_199_254_740_993L)]
    public void CanonicalEntry_TailBuiltAheadJoinsToTheSameBytes(long seq)
    {
        var e = new LedgerEvent("RISK", "risk_check", null, null, "pm1", null, "s-9", Encoding.UTF8.GetBytes("""{"check":"limit"}"""),
            new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));

        var joined = Encoding.UTF8.GetString(CanonicalEntry.Join(seq, CanonicalEntry.BuildTail("user:pm1", e)));

        Assert.Equal(
            $$$"""{"v":1,"seq":{{{seq}}},"received_at":"2026-11-27T09:00:00.000000Z","timestamp":"2026-11-27T09:00:00.000000Z","log_type":"RISK","event":"risk_check","source":"user:pm1","event_id":null,"user_id":"pm1","ip_address":null,"session_id":"s-9","data":{"check":"limit"}}""",
            joined);
    }
}

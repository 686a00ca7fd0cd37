using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Ledger;

/// <summary>Verification of a part of the chain (a day's entries) with the same checks as the whole.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LedgerRangeVerificationTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private async Task<VerificationResult> VerifyRangeAsync(long from, long to)
    {
        await using var db = Db.AppDataSource();
        return await LedgerVerifier.VerifyRangeAsync(db, from, to);
    }

    private async Task TamperAsync(string sql) => await Db.ExecuteAsAdminAsync($"SET session_replication_role = replica; {sql}");

    [Fact]
    public async Task VerifyRange_OfAnIntactMiddle_CountsItsEntriesAndLinksToTheEntryBefore()
    {
        (await Client.PostNdJsonAsync(Enumerable.Range(1, 10).Select(i => IngestClient.Trade(i)), Key)).EnsureSuccessStatusCode();
        // Outside the range: not its concern.
        await TamperAsync("UPDATE audit_log SET event = 'edited' WHERE seq IN (2, 9)");

        var middle = await VerifyRangeAsync(4, 7);
        var fromStart = await VerifyRangeAsync(1, 1);

        Assert.True(middle.Intact, middle.Reason);
        Assert.Equal(4, middle.Entries);
        Assert.Contains("link to entry 3", middle.Reason);
        Assert.True(fromStart.Intact, fromStart.Reason);
        Assert.Contains("genesis", fromStart.Reason);
    }

    [Theory]
    [InlineData("UPDATE audit_log SET event_data = '{}' WHERE seq = 5", 5L, "event_data")]
    [InlineData("UPDATE audit_log SET current_hash = repeat('a', 64) WHERE seq = 3", 4L, "previous_hash")]
    [InlineData("DELETE FROM audit_log WHERE seq = 6", 6L, "missing")]
    [InlineData("DELETE FROM audit_log WHERE seq = 7", 7L, "missing")]
    public async Task VerifyRange_AfterTampering_NamesTheFirstBadSeq(string tamper, long firstBad, string reason)
    {
        (await Client.PostNdJsonAsync(Enumerable.Range(1, 10).Select(i => IngestClient.Trade(i)), Key)).EnsureSuccessStatusCode();
        await TamperAsync(tamper);

        var result = await VerifyRangeAsync(4, 7);

        Assert.False(result.Intact);
        Assert.Equal(firstBad, result.FirstBadSeq);
        Assert.Contains(reason, result.Reason);
    }

    [Fact]
    public async Task VerifyRange_BeyondTheChainHead_IsNotIntact()
    {
        (await Client.PostNdJsonAsync(Enumerable.Range(1, 3).Select(i => IngestClient.Trade(i)), Key)).EnsureSuccessStatusCode();

        var result = await VerifyRangeAsync(2, 5);

        Assert.False(result.Intact);
        Assert.Contains("beyond the chain head", result.Reason);
    }
}

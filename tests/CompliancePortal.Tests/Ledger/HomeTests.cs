using Bunit;
using CompliancePortal.Ledger.Pages;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Ledger;

/// <summary>The home page shows the chain head of the real ledger: the last entry's seq and hash.</summary>
[Collection(PostgresCollection.Name)]
public sealed class HomeTests(PostgresFixture postgres) : PortalTest(postgres)
{
    [Fact]
    public async Task Home_ShowsTheLastEntrysSeqAndHash()
    {
        await PostTradesAsync(3);
        await PostTradesAsync(2, from: 3);
        var (seq, hash) = await HeadAsync();
        await using var ctx = PortalPages.NewContext(Portal, null, null, typeof(NpgsqlDataSource));

        var cut = ctx.Render<Home>();

        cut.WaitForAssertion(() => Assert.Equal($"Entries: {seq}", cut.Find("[data-testid=head-seq]").TextContent.Trim()));
        Assert.Contains(hash, cut.Markup);
        Assert.Equal(64, hash.Length);
    }

    private async Task<(long Seq, string Hash)> HeadAsync()
    {
        var seq = (long)(await Db.ScalarAsync("SELECT max(seq) FROM audit_log"))!;
        var hash = (string)(await Db.ScalarAsync($"SELECT current_hash FROM audit_log WHERE seq = {seq}"))!;
        Assert.True(seq >= 5);
        return (seq, hash);
    }
}

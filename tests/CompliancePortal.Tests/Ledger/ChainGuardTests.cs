using System.Net;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Ledger;

/// <summary>The head's trigger: the portal's own role cannot move the head over rows that do not extend the chain.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ChainGuardTests(PostgresFixture postgres) : PortalTest(postgres)
{
    /// <summary>Inserts one row at <c>head + 1 + gap</c> as the portal's role and moves the head to it, in one transaction.</summary>
    private async Task<PostgresException> AppendForgedAsync(string previousHash, string currentHash, string headHash, int gap = 0)
    {
        await using var connection = new NpgsqlConnection(Db.Connections.App);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand($$"""
            WITH h AS (SELECT seq + 1 + {{gap}} AS seq, hash FROM ledger_head),
                 f AS (SELECT h.seq, convert_to('{"v":1,"seq":' || h.seq || '}', 'UTF8') AS canonical,
                              {{previousHash}} AS prev FROM h)
            INSERT INTO audit_log (seq, created_at, "timestamp", log_type, event, event_data, source, canonical, previous_hash, current_hash)
            SELECT f.seq, now(), now(), 'TRADE', 'trade_executed', '{}', 'key:forger', f.canonical, f.prev, {{currentHash}} FROM f;
            UPDATE ledger_head SET seq = (SELECT max(seq) FROM audit_log), hash = {{headHash}};
            """, connection, tx);
        return await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
    }

    private const string RightHash = "encode(sha256(convert_to(f.prev, 'UTF8') || f.canonical), 'hex')";
    private const string HeadHash = "(SELECT current_hash FROM audit_log ORDER BY seq DESC LIMIT 1)";

    [Fact]
    public async Task MoveHead_OverRowsThatDoNotExtendTheChain_IsRefusedAndChangesNothing()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client.PostNdJsonAsync(Enumerable.Range(0, 5).Select(i => IngestClient.Trade(i)), Key)).StatusCode);
        var head = (long)(await Db.ScalarAsync("SELECT seq FROM ledger_head"))!;

        var wrongPrevious = await AppendForgedAsync("repeat('a', 64)", RightHash, HeadHash);
        Assert.Contains($"entry {head + 1} does not extend the chain", wrongPrevious.MessageText);
        var wrongHash = await AppendForgedAsync("h.hash", "repeat('b', 64)", HeadHash);
        Assert.Contains("does not extend the chain", wrongHash.MessageText);
        var wrongHead = await AppendForgedAsync("h.hash", RightHash, "repeat('c', 64)");
        Assert.Contains("hash must be entry", wrongHead.MessageText);
        var overAGap = await AppendForgedAsync("h.hash", RightHash, HeadHash, gap: 1);
        Assert.Contains("exactly one entry per seq", overAGap.MessageText);

        Assert.Equal(head, await Db.ScalarAsync("SELECT seq FROM ledger_head"));
        Assert.Equal(head, await Db.ScalarAsync("SELECT count(*) FROM audit_log"));
        await using var db = Db.AppDataSource();
        Assert.True((await LedgerVerifier.VerifyAsync(db)).Intact);
        // The real writer still appends after all of that.
        Assert.Equal(HttpStatusCode.OK, (await Client.PostJsonAsync(IngestClient.Trade(99), Key)).StatusCode);
        Assert.Equal(head + 1, await Db.ScalarAsync("SELECT seq FROM ledger_head"));
    }

    [Fact]
    public async Task EventId_PreInsertedByThePortalsRole_IsNamedByVerification()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client.PostNdJsonAsync(Enumerable.Range(0, 3).Select(i => IngestClient.Trade(i)), Key)).StatusCode);
        var head = (long)(await Db.ScalarAsync("SELECT seq FROM ledger_head"))!;
        await using (var db = Db.AppDataSource())
            Assert.True((await LedgerVerifier.VerifyAsync(db)).Intact);

        // Claims the source's next event id for a seq that will hold something else.
        await using (var connection = new NpgsqlConnection(Db.Connections.App))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                $"INSERT INTO ledger_event_ids (source, event_id, seq, current_hash) VALUES ('key:trading', 'TRD-next', {head + 1}, repeat('0', 64))", connection);
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Equal(HttpStatusCode.OK, (await Client.PostJsonAsync(IngestClient.Trade(7), Key)).StatusCode);

        await using var verifying = Db.AppDataSource();
        var result = await LedgerVerifier.VerifyAsync(verifying);
        Assert.False(result.Intact);
        Assert.Equal(head + 1, result.FirstBadSeq);
        Assert.Contains("'TRD-next' of source 'key:trading'", result.Reason);
    }
}

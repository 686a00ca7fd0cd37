using System.Security.Cryptography;
using System.Text;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Ledger;

/// <summary>One chain under concurrency, tamper evidence, and immutability inside PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LedgerChainTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private async Task<VerificationResult> VerifyAsync()
    {
        await using var db = Db.AppDataSource();
        return await LedgerVerifier.VerifyAsync(db);
    }

    [Fact]
    public async Task Append_FromManyConcurrentClients_FormsOneGaplessVerifiableChain()
    {
        const int clients = 16, requestsEach = 10, eventsEach = 25;
        var receipts = new List<long>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            for (var r = 0; r < requestsEach; r++)
            {
                var lines = Enumerable.Range(0, eventsEach).Select(i => IngestClient.Trade(c * 100_000 + r * 100 + i)).ToList();
                var body = await Client.PostNdJsonUntilAcceptedAsync(lines, Key);
                lock (receipts)
                    foreach (var receipt in body.GetProperty("receipts").EnumerateArray())
                        receipts.Add(receipt.GetProperty("seq").GetInt64());
            }
        }));

        const int total = clients * requestsEach * eventsEach;
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), receipts.Order());
        Assert.Equal((long)total, await Db.ScalarAsync("SELECT count(DISTINCT seq) FROM audit_log"));
        Assert.Equal((long)total, await Db.ScalarAsync("SELECT max(seq) FROM audit_log"));
        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(total, result.Entries);
        Assert.Equal(total, result.Head.Seq);
    }

    [Fact]
    public async Task Append_FromTwoPortalProcessesAtOnce_FormsOneChainAndAnswersRepeatsAcrossThem()
    {
        // A second portal on the same database: each writer's planned batches keep finding the
        // other's commits at the head, fall back to the locked path, and the chain stays one.
        await using var second = new PortalFactory(Db);
        var clients = new[] { Client, second.CreateClient() };
        const int perPortal = 6, requestsEach = 8, eventsEach = 20;
        var receipts = new List<long>();
        var repeats = new List<(long Original, long Answered, bool Duplicate)>();
        await Task.WhenAll(Enumerable.Range(0, 2 * perPortal).Select(async c =>
        {
            for (var r = 0; r < requestsEach; r++)
            {
                var lines = Enumerable.Range(0, eventsEach).Select(i => IngestClient.Trade(i, eventId: $"c{c}-r{r}-e{i}")).ToList();
                var body = await (await clients[c % 2].PostNdJsonAsync(lines, Key)).JsonAsync();
                var seqs = body.GetProperty("receipts").EnumerateArray().Select(x => x.GetProperty("seq").GetInt64()).ToList();
                lock (receipts) receipts.AddRange(seqs);
                // The same request again through the other portal, as a client retrying elsewhere.
                var again = await (await clients[(c + 1) % 2].PostNdJsonAsync(lines, Key)).JsonAsync();
                var first = again.GetProperty("receipts")[0];
                lock (repeats) repeats.Add((seqs[0], first.GetProperty("seq").GetInt64(), first.GetProperty("duplicate").GetBoolean()));
            }
        }));

        const int total = 2 * perPortal * requestsEach * eventsEach;
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), receipts.Order());
        Assert.All(repeats, r => Assert.True(r.Duplicate && r.Original == r.Answered, $"repeat answered {r.Answered} for {r.Original}"));
        Assert.Equal((long)total, await Db.ScalarAsync("SELECT count(*) FROM audit_log"));
        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(total, result.Head.Seq);
    }

    [Fact]
    public async Task Verify_RecomputesEachHashFromTheStoredCanonicalBytes()
    {
        await PostTradesAsync(5, from: 1);
        await using var connection = new NpgsqlConnection(Db.Admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT previous_hash, canonical, current_hash FROM audit_log ORDER BY seq", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var previous = ChainHash.Genesis;
        while (await reader.ReadAsync())
        {
            Assert.Equal(previous, reader.GetString(0));
            // The README's recipe, independent of the portal's code: sha256(previous_hash ascii ‖ canonical bytes).
            var input = Encoding.ASCII.GetBytes(previous).Concat(reader.GetFieldValue<byte[]>(1)).ToArray();
            var expected = Convert.ToHexStringLower(SHA256.HashData(input));
            Assert.Equal(expected, reader.GetString(2));
            previous = expected;
        }
    }

    public static TheoryData<string, string> Tampering => new()
    {
        { "event_data changed with triggers off", "UPDATE audit_log SET event_data = jsonb_set(event_data, '{quantity}', '500') WHERE seq = 3" },
        { "canonical byte changed", "UPDATE audit_log SET canonical = overlay(canonical placing '\\x39'::bytea from 40 for 1) WHERE seq = 3" },
        { "event time moved", "UPDATE audit_log SET \"timestamp\" = \"timestamp\" - interval '1 hour' WHERE seq = 3" },
        { "log type changed", "UPDATE audit_log SET log_type = 'SYSTEM' WHERE seq = 3" },
        { "hash rewritten", "UPDATE audit_log SET current_hash = repeat('a', 64) WHERE seq = 3" },
        { "row removed", "DELETE FROM audit_log WHERE seq = 3" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Verify_AfterSuperuserTampering_NamesTheTamperedSeq(string name, string tamper)
    {
        await PostTradesAsync(6, from: 1);
        Assert.True((await VerifyAsync()).Intact);

        // A superuser can bypass the triggers; verification must still see it.
        await Db.ExecuteAsAdminAsync($"SET session_replication_role = replica; {tamper}");

        var result = await VerifyAsync();
        Assert.False(result.Intact, name);
        Assert.Equal(3, result.FirstBadSeq);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Fact]
    public async Task Verify_WhenTheLastRowIsRemoved_ReportsItMissing()
    {
        await PostTradesAsync(4, from: 1);

        await Db.ExecuteAsAdminAsync("SET session_replication_role = replica; DELETE FROM audit_log WHERE seq = 4");

        var result = await VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(4, result.FirstBadSeq);
        Assert.Contains("missing", result.Reason);
    }

    public static TheoryData<string> Changes => new()
    {
        "UPDATE audit_log SET event = 'edited' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "TRUNCATE audit_log",
        "UPDATE ledger_event_ids SET seq = 9",
        "DELETE FROM ledger_event_ids",
        "UPDATE ledger_head SET seq = 0, hash = repeat('0', 64)",
        "DELETE FROM ledger_head",
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task Change_AsThePortalRole_FailsAndChangesNothing(string sql)
    {
        await Client.PostJsonAsync(IngestClient.Trade(1, eventId: "e-1"), Key);

        await using var connection = new NpgsqlConnection(Db.Connections.App);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());

        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'trade_executed'"));
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM ledger_event_ids"));
        Assert.True((await VerifyAsync()).Intact);
    }

    [Theory]
    [InlineData("UPDATE audit_log SET event = 'edited' WHERE seq = 1")]
    [InlineData("DELETE FROM audit_log WHERE seq = 1")]
    [InlineData("TRUNCATE audit_log")]
    [InlineData("TRUNCATE audit_log_default")]
    public async Task Change_EvenAsTheOwnerRole_RaisesAnError(string sql)
    {
        await Client.PostJsonAsync(IngestClient.Trade(1), Key);

        await using var connection = new NpgsqlConnection(Db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());

        Assert.Contains("append-only", error.MessageText);
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task Partitions_ExistForTheComingMonthsAndRowsLandInTheCurrentOne()
    {
        await Client.PostJsonAsync(IngestClient.Trade(1), Key);

        var partitions = (long)(await Db.ScalarAsync("SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_log'::regclass"))!;
        Assert.True(partitions >= 5, $"expected the default partition plus monthly ones, found {partitions}");
        var partition = (string)(await Db.ScalarAsync("SELECT tableoid::regclass::text FROM audit_log WHERE seq = 1"))!;
        Assert.Equal($"audit_log_y{DateTime.UtcNow:yyyy}m{DateTime.UtcNow:MM}", partition);
    }

    [Fact]
    public async Task VerifyApi_ReturnsTheResultShape()
    {
        await PostTradesAsync(3, from: 1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ledger/verify");
        request.Headers.Add("X-Api-Key", Key);

        var body = await (await Client.SendAsync(request)).JsonAsync();

        Assert.True(body.GetProperty("intact").GetBoolean());
        Assert.Equal(3, body.GetProperty("entries").GetInt64());
        Assert.Equal(3, body.GetProperty("head").GetProperty("seq").GetInt64());
        Assert.Equal(64, body.GetProperty("head").GetProperty("hash").GetString()!.Length);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("first_bad_seq").ValueKind);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("reason").GetString()));
    }
}

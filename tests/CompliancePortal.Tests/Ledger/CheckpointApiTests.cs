using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Core.Ledger.Merkle;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Ledger;

/// <summary>Signed checkpoints, their archived copies and the proof API, on a real portal and PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CheckpointApiTests(PostgresFixture postgres) : PortalTest(postgres)
{
    /// <summary>Posts trades and returns their seqs, checking each receipt's leaf_index.</summary>
    private async Task<List<long>> PostTradesForSeqsAsync(int count, int from = 0)
    {
        var response = await Client.PostNdJsonAsync(Enumerable.Range(from, count).Select(i => IngestClient.Trade(i)), Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        var receipts = body.GetProperty("receipts").EnumerateArray().ToList();
        Assert.All(receipts, r => Assert.Equal(r.GetProperty("seq").GetInt64() - 1, r.GetProperty("leaf_index").GetInt64()));
        return [.. receipts.Select(r => r.GetProperty("seq").GetInt64())];
    }

    private async Task<long> HeadAsync() => (long)(await Db.ScalarAsync("SELECT seq FROM ledger_head"))!;

    private Task<List<byte[]>> StoredLeavesAsync() => MerkleReference.StoredLeavesAsync(Db);

    /// <summary>Brings the tree level with the ledger and signs a checkpoint now (the background writer does both on its own timers).</summary>
    private async Task<Checkpoint> ServedCheckpointNowAsync()
    {
        await Writer.CatchUpAsync();
        await Writer.CheckpointAsync();
        var note = await (await Get("/api/v1/ledger/checkpoint")).Content.ReadAsStringAsync();
        return Checkpoint.Open(note, TestSigningKey.Verifier) ?? throw new InvalidOperationException($"not a checkpoint signed by the test key:\n{note}");
    }

    private Task<HttpResponseMessage> Get(string path, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key ?? Key);
        return Client.SendAsync(request);
    }

    private static List<byte[]> Hashes(System.Text.Json.JsonElement body) =>
        [.. body.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!))];

    [Fact]
    public async Task Checkpoint_AfterAppends_IsSignedWithThePublishedKeyOverTheStoredLeavesAndArchived()
    {
        await PostTradesForSeqsAsync(40);
        var checkpoint = await ServedCheckpointNowAsync();

        Assert.Equal(await HeadAsync(), checkpoint.Size);
        Assert.Equal(MerkleReference.Mth(await StoredLeavesAsync()), checkpoint.Root);
        Assert.Equal(TestSigningKey.Name, checkpoint.Origin);
        var published = (await (await Get("/api/v1/ledger/checkpoint/key")).Content.ReadAsStringAsync()).Trim();
        Assert.Equal(TestSigningKey.Verifier.Encoded, published);

        var note = await (await Get("/api/v1/ledger/checkpoint")).Content.ReadAsStringAsync();
        var otherKey = NoteSigner.Parse(NoteSigner.Generate(TestSigningKey.Name)).Verifier;
        Assert.Null(Checkpoint.Open(note, otherKey));
        Assert.Null(Checkpoint.Open(note.Replace($"\n{checkpoint.Size}\n", $"\n{checkpoint.Size + 1}\n"), TestSigningKey.Verifier));

        var archived = Path.Combine(Portal.ArchiveFolder, "checkpoints", $"{checkpoint.Size:D20}.note");
        Assert.Equal(note, await File.ReadAllTextAsync(archived));
        // Nothing new: no second checkpoint of the same tree.
        Assert.Null(await Writer.CheckpointAsync());
    }

    [Fact]
    public async Task Proofs_ForReceiptsAndBetweenCheckpoints_VerifyAgainstTheSignedRoots()
    {
        var firstSeqs = await PostTradesForSeqsAsync(300);
        var first = await ServedCheckpointNowAsync();
        var laterSeqs = await PostTradesForSeqsAsync(200, from: 1000);
        var second = await ServedCheckpointNowAsync();
        var leaves = await StoredLeavesAsync();

        foreach (var seq in new[] { firstSeqs[0], firstSeqs[^1], laterSeqs[0], laterSeqs[^1] })
        {
            var body = await (await Get($"/api/v1/ledger/proof/inclusion?seq={seq}")).JsonAsync();
            Assert.Equal(second.Size, body.GetProperty("tree_size").GetInt64());
            Assert.Equal(seq - 1, body.GetProperty("leaf_index").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(leaves[(int)seq - 1]), body.GetProperty("leaf_hash").GetString());
            Assert.True(MerkleProofs.VerifyInclusion(seq - 1, second.Size, leaves[(int)seq - 1], Hashes(body), second.Root), $"entry {seq}");
        }
        var old = await (await Get($"/api/v1/ledger/proof/inclusion?seq={firstSeqs[5]}&size={first.Size}")).JsonAsync();
        Assert.True(MerkleProofs.VerifyInclusion(firstSeqs[5] - 1, first.Size, leaves[(int)firstSeqs[5] - 1], Hashes(old), first.Root));

        var consistency = await (await Get($"/api/v1/ledger/proof/consistency?from={first.Size}&to={second.Size}")).JsonAsync();
        Assert.Equal(first.Size, consistency.GetProperty("first_size").GetInt64());
        Assert.True(MerkleProofs.VerifyConsistency(first.Size, second.Size, first.Root, second.Root, Hashes(consistency)));
        var toLatest = await (await Get($"/api/v1/ledger/proof/consistency?from={first.Size}")).JsonAsync();
        Assert.Equal(second.Size, toLatest.GetProperty("tree_size").GetInt64());
    }

    [Theory]
    [InlineData("/api/v1/ledger/proof/inclusion", HttpStatusCode.BadRequest, "seq is required")]
    [InlineData("/api/v1/ledger/proof/inclusion?seq=abc", HttpStatusCode.BadRequest, "whole number")]
    [InlineData("/api/v1/ledger/proof/inclusion?seq=0", HttpStatusCode.BadRequest, "at least 1")]
    [InlineData("/api/v1/ledger/proof/inclusion?seq=-3", HttpStatusCode.BadRequest, "whole number")]
    [InlineData("/api/v1/ledger/proof/inclusion?seq=1%20OR%201=1", HttpStatusCode.BadRequest, "whole number")]
    [InlineData("/api/v1/ledger/proof/inclusion?seq=99999", HttpStatusCode.NotFound, "not in the tree")]
    [InlineData("/api/v1/ledger/proof/inclusion?seq=1&size=99999", HttpStatusCode.NotFound, "beyond the tree")]
    [InlineData("/api/v1/ledger/proof/consistency?to=3", HttpStatusCode.BadRequest, "from is required")]
    [InlineData("/api/v1/ledger/proof/consistency?from=4&to=3", HttpStatusCode.BadRequest, "must not be beyond")]
    [InlineData("/api/v1/ledger/proof/consistency?from=1&to=99999999999999999999", HttpStatusCode.BadRequest, "whole number")]
    public async Task Proofs_ForBadQueries_AnswerAProblemThatSaysWhy(string path, HttpStatusCode status, string says)
    {
        await PostTradesForSeqsAsync(5);
        await ServedCheckpointNowAsync();

        var response = await Get(path);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(says, (await response.JsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ProofApi_WithoutAGrantedKeyOrReaderRole_IsRefused()
    {
        await PostTradesForSeqsAsync(3);
        await ServedCheckpointNowAsync();
        var notVerifying = await Portal.CreateKeyAsync("feeder", ["TRADE"], canVerify: false);
        string[] paths = ["/api/v1/ledger/checkpoint", "/api/v1/ledger/checkpoint/key", "/api/v1/ledger/proof/inclusion?seq=1", "/api/v1/ledger/proof/consistency?from=1"];

        foreach (var path in paths)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Client.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Get(path, "not-a-key")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Get(path, notVerifying)).StatusCode);
        }
        foreach (var role in new[] { UserRoles.Employee, UserRoles.PortfolioManager })
        {
            var user = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(role));
            Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync(paths[2])).StatusCode);
        }
        foreach (var role in new[] { UserRoles.ComplianceOfficer, UserRoles.Auditor, UserRoles.Admin })
        {
            var user = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(role));
            foreach (var path in paths) Assert.Equal(HttpStatusCode.OK, (await user.GetAsync(path)).StatusCode);
        }
    }
}

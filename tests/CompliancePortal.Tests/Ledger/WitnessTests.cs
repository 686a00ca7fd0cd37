using System.Net;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Ledger;

/// <summary>Checkpoints cosigned by a C2SP tlog-witness on loopback, and a rewritten ledger the witness refuses.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WitnessTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private LoopbackWitness _witness = null!;

    private WitnessClient Witnesses => Portal.Services.GetRequiredService<WitnessClient>();

    public override async Task InitializeAsync()
    {
        _witness = await LoopbackWitness.StartAsync(TestSigningKey.Verifier.Encoded);
        await base.InitializeAsync();
    }

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Checkpoints:Witnesses:0:Url", _witness.Url);
        builder.UseSetting("Checkpoints:Witnesses:0:Key", _witness.VerifierKey);
        // The test sends checkpoints itself; the writer's own timer stays out of the way.
        builder.UseSetting("Checkpoints:Interval", "01:00:00");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _witness.DisposeAsync();
    }

    [Fact]
    public async Task EachCheckpoint_IsCosignedFromTheWitnessesLastSize_AndServedWithItsCosignature()
    {
        await PostTradesAsync(20);
        var first = await CheckpointNowAsync();
        var outcome = Assert.Single(await Witnesses.SubmitAsync(first));
        Assert.True(outcome.Cosigned, outcome.Problem);
        await PostTradesAsync(25, from: 100);
        var second = await CheckpointNowAsync();
        outcome = Assert.Single(await Witnesses.SubmitAsync(second));
        Assert.True(outcome.Cosigned, outcome.Problem);

        // The second request carried a consistency proof from the size the witness had cosigned.
        Assert.Equal([(0L, 200), (first.TreeSize, 200)], _witness.Requests.ToArray());
        Assert.Equal(second.TreeSize, _witness.Latest.Size);
        Assert.Equal(2L, await Db.ScalarAsync($"SELECT count(*) FROM ledger_cosignatures WHERE witness = '{_witness.Name}'"));

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ledger/checkpoint");
        request.Headers.Add("X-Api-Key", Key);
        var note = await (await Client.SendAsync(request)).Content.ReadAsStringAsync();
        var (text, signatures) = SignedNote.Split(note)!.Value;
        Assert.NotNull(Checkpoint.Open(note, TestSigningKey.Verifier));
        var witnessKey = CosignatureKey.Parse(_witness.VerifierKey);
        var cosignature = Assert.Single(signatures, s => s.Name == _witness.Name);
        Assert.Equal(witnessKey.KeyId, cosignature.KeyId);
        Assert.NotNull(witnessKey.Verify(text, cosignature.Signature));
        Assert.Null(witnessKey.Verify(text.Replace(second.TreeSize.ToString(), (second.TreeSize + 1).ToString()), cosignature.Signature));
    }

    [Fact]
    public async Task AWitnessThatCosignedBefore_Answers409WithItsSize_AndThePortalRetriesFromIt()
    {
        await PostTradesAsync(20);
        var first = await CheckpointNowAsync();
        _witness.Latest = (first.TreeSize, first.RootHash);   // it cosigned this size before the portal stored anything
        await PostTradesAsync(5, from: 50);
        var second = await CheckpointNowAsync();

        var outcome = Assert.Single(await Witnesses.SubmitAsync(second));

        Assert.True(outcome.Cosigned, outcome.Problem);
        Assert.Equal([(0L, 409), (first.TreeSize, 200)], _witness.Requests.ToArray());
    }

    [Fact]
    public async Task LedgerRewrittenByASuperuser_WithItsTreeRebuilt_IsRefusedByTheWitness_RecordedAndAlerted()
    {
        await PostTradesAsync(20);
        var first = await CheckpointNowAsync();
        Assert.True(Assert.Single(await Witnesses.SubmitAsync(first)).Cosigned);

        // Entry 5's quantity changed, every later chain hash and the head recomputed, and the tree
        // rebuilt from the rewritten entries: the database agrees with itself everywhere.
        await Db.ExecuteAsAdminAsync("""
            SET session_replication_role = replica;
            UPDATE audit_log SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), '"quantity":5', '"quantity":9'), 'UTF8'),
                                 event_data = jsonb_set(event_data, '{quantity}', '9')
             WHERE seq = 5;
            DO $$
            DECLARE r record; prev text;
            BEGIN
                SELECT previous_hash INTO prev FROM audit_log WHERE seq = 5;
                FOR r IN SELECT seq, canonical FROM audit_log WHERE seq >= 5 ORDER BY seq LOOP
                    UPDATE audit_log SET previous_hash = prev, current_hash = encode(sha256(convert_to(prev, 'UTF8') || r.canonical), 'hex') WHERE seq = r.seq;
                    prev := encode(sha256(convert_to(prev, 'UTF8') || r.canonical), 'hex');
                END LOOP;
                UPDATE ledger_head SET hash = prev;
            END $$;
            DELETE FROM ledger_tree_tiles;
            UPDATE ledger_tree SET size = 0, root = sha256(''::bytea);
            """);
        await PostTradesAsync(10, from: 200);
        var rewritten = await CheckpointNowAsync();

        var outcome = Assert.Single(await Witnesses.SubmitAsync(rewritten));

        Assert.False(outcome.Cosigned);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outcome.Status);
        Assert.Equal(first.TreeSize, _witness.Latest.Size);
        var refused = await Db.ScalarAsync(
            $"SELECT event_data ->> 'level' FROM audit_log WHERE log_type = 'SYSTEM' AND event = '{WitnessClient.RefusedEvent}' AND (event_data ->> 'old_size')::bigint = {first.TreeSize}");
        Assert.Equal("CRITICAL", refused);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((long)(await Db.ScalarAsync("SELECT count(*) FROM alerts WHERE \"Rule\" = 'ledger_rejected_by_witness'"))! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no ledger_rejected_by_witness alert was raised");
            await Task.Delay(200);
        }
    }

    [Fact]
    public void AWitnessWithoutAUsableKey_StopsTheStart_NamingTheSetting()
    {
        var options = new CheckpointOptions { Witnesses = [new WitnessOptions { Url = _witness.Url, Key = TestSigningKey.Verifier.Encoded }] };
        Assert.Contains("Checkpoints:Witnesses:0:Key", options.Problem());
        options.Witnesses[0] = new WitnessOptions { Url = "not a url", Key = _witness.VerifierKey };
        Assert.Contains("Checkpoints:Witnesses:0:Url", options.Problem());
    }
}

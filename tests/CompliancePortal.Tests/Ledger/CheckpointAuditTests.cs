using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Ledger;

/// <summary>Tamper drills against the anchor outside the database: archived checkpoints and day manifests.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CheckpointAuditTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private Task<CheckpointAuditResult> AuditAsync() => Portal.Services.GetRequiredService<CheckpointAudit>().RunAsync();

    /// <summary>
    /// A superuser (triggers off) changes one trade's quantity in both the JSON and the hashed bytes,
    /// then recomputes every later chain hash and the head: the chain alone then verifies.
    /// </summary>
    private async Task RewriteFromAsync(long seq)
    {
        await Db.ExecuteAsAdminAsync($$"""
            SET session_replication_role = replica;
            UPDATE audit_log SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), '"quantity":5', '"quantity":9'), 'UTF8'),
                                 event_data = jsonb_set(event_data, '{quantity}', '9')
             WHERE seq = {{seq}};
            DO $$
            DECLARE r record; prev text;
            BEGIN
                SELECT previous_hash INTO prev FROM audit_log WHERE seq = {{seq}};
                FOR r IN SELECT seq, canonical FROM audit_log WHERE seq >= {{seq}} ORDER BY seq LOOP
                    UPDATE audit_log SET previous_hash = prev, current_hash = encode(sha256(convert_to(prev, 'UTF8') || r.canonical), 'hex') WHERE seq = r.seq;
                    prev := encode(sha256(convert_to(prev, 'UTF8') || r.canonical), 'hex');
                END LOOP;
                UPDATE ledger_head SET hash = prev;
            END $$;
            """);
    }

    [Fact]
    public async Task Audit_OfAnUntouchedLedger_FindsItConsistentAndTheJobRecordsIt()
    {
        await PostTradesAsync(30);
        await CheckpointNowAsync();
        await PostTradesAsync(30, from: 100);
        await CheckpointNowAsync();

        var result = await Portal.Services.GetRequiredService<CheckpointAuditJob>().RunAsync(CancellationToken.None);

        Assert.True(result.Consistent, result.Reason);
        Assert.Equal(2, result.Checkpoints);
        var recorded = await Db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE event = '{CheckpointAuditJob.PassedEvent}' AND log_type = 'SYSTEM'");
        Assert.Equal(1L, recorded);
    }

    [Fact]
    public async Task Audit_AfterASuperuserRewritesAPayloadAndEveryLaterHash_NamesTheFirstCheckpointSignedAfterItAndTheEntry()
    {
        await PostTradesAsync(20);
        var first = await CheckpointNowAsync();
        await PostTradesAsync(20, from: 100);
        var second = await CheckpointNowAsync();
        var target = first.TreeSize + 5;
        await RewriteFromAsync(target);
        await using (var db = Db.AppDataSource())
        {
            var chain = await LedgerVerifier.VerifyAsync(db);
            Assert.True(chain.Intact, "the drill must leave a chain that verifies on its own: " + chain.Reason);
        }

        var result = await Portal.Services.GetRequiredService<CheckpointAuditJob>().RunAsync(CancellationToken.None);

        Assert.False(result.Consistent);
        Assert.Equal(second.ArchiveKey, result.ContradictedCheckpoint);
        Assert.Equal(target, result.FirstBadSeq);
        Assert.Contains($"entry {target}", result.Reason);
        var recorded = await Db.ScalarAsync($"SELECT event_data ->> 'contradicted_checkpoint' FROM audit_log WHERE event = '{CheckpointAuditJob.ContradictedEvent}'");
        Assert.Equal(second.ArchiveKey, recorded);
        await WaitForAlertAsync("ledger_contradicts_checkpoint");
    }

    [Fact]
    public async Task Audit_AfterTheTailIsCut_SaysTheLedgerIsShorterThanACheckpoint()
    {
        await PostTradesAsync(20);
        var checkpoint = await CheckpointNowAsync();
        await Db.ExecuteAsAdminAsync($"""
            SET session_replication_role = replica;
            DELETE FROM audit_log WHERE seq > {checkpoint.TreeSize - 3};
            UPDATE ledger_head SET seq = {checkpoint.TreeSize - 3}, hash = (SELECT current_hash FROM audit_log WHERE seq = {checkpoint.TreeSize - 3});
            """);

        var result = await AuditAsync();

        Assert.False(result.Consistent);
        Assert.Equal(checkpoint.ArchiveKey, result.ContradictedCheckpoint);
        Assert.Contains("fewer than", result.Reason);
    }

    [Fact]
    public async Task Audit_WhenAnArchivedCheckpointIsGoneOrForged_SaysWhich()
    {
        await PostTradesAsync(10);
        var checkpoint = await CheckpointNowAsync();
        var file = Path.Combine(Portal.ArchiveFolder, checkpoint.ArchiveKey);

        var forger = NoteSigner.Parse(NoteSigner.Generate(TestSigningKey.Name));
        await File.WriteAllTextAsync(file, SignedNote.Sign(new Checkpoint(TestSigningKey.Name, checkpoint.TreeSize, checkpoint.RootHash).Text, forger));
        var forged = await AuditAsync();
        Assert.False(forged.Consistent);
        Assert.Contains("is not a checkpoint signed by", forged.Reason);

        File.Delete(file);
        var gone = await AuditAsync();
        Assert.False(gone.Consistent);
        Assert.Contains("missing from the archive store", gone.Reason);
    }

    [Fact]
    public async Task Audit_WhenADaysEntriesNoLongerMatchItsManifest_SaysWhichDay()
    {
        await PostTradesAsync(10);
        await CheckpointNowAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await Portal.Services.GetRequiredService<CompliancePortal.Core.Archive.DailyArchive>().ArchiveAsync(today);
        await PostTradesAsync(1, from: 500);

        var result = await AuditAsync();

        Assert.False(result.Consistent);
        Assert.Contains($"{today:yyyy-MM-dd}", result.Reason);
        Assert.Contains("manifest", result.Reason);
    }

    private async Task WaitForAlertAsync(string rule)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((long)(await Db.ScalarAsync($"SELECT count(*) FROM alerts WHERE \"Rule\" = '{rule}'"))! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {rule} alert was raised");
            await Task.Delay(200);
        }
    }
}

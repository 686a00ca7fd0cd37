using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Retention;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Retention;

/// <summary>The retention purge against a real ledger, archive store and legal holds.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RetentionPurgeTests(PostgresFixture postgres) : RetentionTest(postgres)
{
    private static readonly DateOnly DayA = Today.AddDays(-200), DayC = Today.AddDays(-150), DayB = Today.AddDays(-60);
    private static readonly Dictionary<string, int> Windows = new() { ["TRADE"] = 90, ["SYSTEM"] = 30, ["NAV"] = 90 };

    private List<long> _aTrades = [], _aSystem = [], _aCompliance = [], _cTrades = [], _bTrades = [], _bSystem = [];

    // The full-text index is filled by hand here, so the purged entries sit in both of its stages.
    protected override void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) =>
        builder.UseSetting("Search:Indexing", "false");

    /// <summary>Day A (200 days ago): trades in IWM, API calls, a compliance review; day C (150): QQQ trades; day B (60): trades and API calls; today: trades by API.</summary>
    private async Task SeedAsync()
    {
        _aTrades = await AppendOnDayAsync(DayA, Trade("IWM"), Trade("IWM"), Trade("IWM"));
        _aSystem = await AppendOnDayAsync(DayA, ApiCall(5), ApiCall(7));
        _aCompliance = await AppendOnDayAsync(DayA, Review());
        _cTrades = await AppendOnDayAsync(DayC, Trade("QQQ"), Trade("QQQ"));
        _bTrades = await AppendOnDayAsync(DayB, Trade("SPY"), Trade("SPY"));
        _bSystem = await AppendOnDayAsync(DayB, ApiCall(3), ApiCall(4));
        await Client.PostNdJsonAsync(Enumerable.Range(1, 3).Select(i => IngestClient.Trade(i)), Key);
        foreach (var day in new[] { DayA, DayC, DayB }) await Archive.ArchiveAsync(day);
    }

    [Fact]
    public async Task Purge_RemovesExactlyTheArchivedUnheldDaysPastTheirWindow_AndVerificationBridgesTheGaps()
    {
        await SeedAsync();
        var all = await StoredSeqsAsync();
        Assert.Null((await Holds.CreateAsync(Officer, new LegalHoldForm(DayC, DayC, "TRADE", "QQQ", null, "SEC inquiry 2026-17"))).Error);
        // Narrowed to an asset day A has none of: does not hold day A.
        Assert.Null((await Holds.CreateAsync(Officer, new LegalHoldForm(DayA, DayA, null, "SPY", null, "matter 44"))).Error);

        // Day A's trades in the GIN index, every later entry's vector waiting in audit_fts_recent.
        await using (var indexer = new Npgsql.NpgsqlConnection(Db.Connections.App))
        {
            await indexer.OpenAsync();
            await FullTextIndexer.VectorizeBatchAsync(indexer, 1_000_000, CancellationToken.None);
            await FullTextIndexer.IndexBatchAsync(indexer, (int)_aTrades[^1], CancellationToken.None);
        }

        var days = await Purger(Windows).RunAsync();

        var purged = _aTrades.Concat(_aSystem).Concat(_bSystem).Order().ToList();
        var stored = await StoredSeqsAsync();
        Assert.Empty(stored.Intersect(purged));
        // Their full-text rows went with them, from both stages; the kept entries' stayed.
        var indexed = (await StoredSeqsAsync("audit_fts")).Concat(await StoredSeqsAsync("audit_fts_recent")).ToList();
        Assert.Empty(indexed.Intersect(purged));
        Assert.Subset(indexed.ToHashSet(), _aCompliance.Concat(_cTrades).Concat(_bTrades).ToHashSet());
        Assert.Equal(all.Except(purged), stored.Intersect(all));
        Assert.Equal(purged, await StoredSeqsAsync("ledger_tombstones"));
        Assert.Equal(
            [(DayA, "SYSTEM", RetentionOutcome.Purged, 2L), (DayB, "SYSTEM", RetentionOutcome.Purged, 2L),
             (DayA, "TRADE", RetentionOutcome.Purged, 3L), (DayC, "TRADE", RetentionOutcome.Held, 0L)],
            days.Select(d => (d.Day, d.LogType, d.Outcome, d.Count)));

        var manifestA = (await Archive.ReadManifestAsync(DayA))!;
        var events = await LedgerDataAsync(RetentionPurger.PurgedEvent);
        Assert.Equal(3, events.Count);
        var tradeEvent = events.Single(e => e.GetProperty("log_type").GetString() == "TRADE");
        Assert.Equal(DayA.ToString("yyyy-MM-dd"), tradeEvent.GetProperty("day").GetString());
        Assert.Equal(3, tradeEvent.GetProperty("count").GetInt64());
        Assert.Equal(_aTrades[0], tradeEvent.GetProperty("first_seq").GetInt64());
        Assert.Equal(_aTrades[^1], tradeEvent.GetProperty("last_seq").GetInt64());
        var tradeObject = manifestA.Objects.Single(o => o.LogType == "TRADE");
        var named = tradeEvent.GetProperty("archive_objects")[0];
        Assert.Equal(tradeObject.Key, named.GetProperty("key").GetString());
        Assert.Equal(tradeObject.Sha256, named.GetProperty("sha256").GetString());
        Assert.Equal(tradeObject.Key, await Db.ScalarAsync($"SELECT archive_key FROM ledger_tombstones WHERE seq = {_aTrades[1]}"));

        var verification = await VerifyAsync();
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(purged.Count, verification.Purged);
        Assert.Equal(verification.Head.Seq, verification.Entries);
        // One entry's check (event detail page) links through a purged neighbour's tombstone on either side.
        await using (var connection = new Npgsql.NpgsqlConnection(Db.Connections.App))
        {
            await connection.OpenAsync();
            foreach (var seq in new[] { _aCompliance[0], _bTrades[^1] })
            {
                var entry = await Core.Ledger.LedgerVerifier.VerifyEntryAsync(connection, seq);
                Assert.True(entry!.Verified, entry.Reason);
            }
        }

        // A second run finds nothing more to do and changes nothing.
        var again = await Purger(Windows).RunAsync();
        Assert.DoesNotContain(again, d => d.Outcome == RetentionOutcome.Purged);
        Assert.Equal(purged, await StoredSeqsAsync("ledger_tombstones"));
    }

    [Fact]
    public async Task Verify_AfterAPurge_StillCatchesATamperedKeptRowAndTamperedTombstones()
    {
        await SeedAsync();
        await Purger(Windows).RunAsync();
        Assert.True((await VerifyAsync()).Intact);

        // The first kept row after day A's gap (its compliance review) edited with the triggers off.
        await Db.ExecuteAsAdminAsync($"SET session_replication_role = replica; UPDATE audit_log SET event_data = jsonb_set(event_data, '{{year}}', '2024') WHERE seq = {_aCompliance[0]}");
        var kept = await VerifyAsync();
        Assert.False(kept.Intact);
        Assert.Equal(_aCompliance[0], kept.FirstBadSeq);
        await Db.ExecuteAsAdminAsync($"SET session_replication_role = replica; UPDATE audit_log SET event_data = jsonb_set(event_data, '{{year}}', '2025') WHERE seq = {_aCompliance[0]}");
        Assert.True((await VerifyAsync()).Intact);

        // A tombstone whose hash no longer links: the entry after it is where the chain breaks.
        var last = _aSystem[^1];
        await Db.ExecuteAsAdminAsync($"SET session_replication_role = replica; UPDATE ledger_tombstones SET current_hash = repeat('b', 64) WHERE seq = {last}");
        var tombstone = await VerifyAsync();
        Assert.False(tombstone.Intact);
        Assert.Equal(last + 1, tombstone.FirstBadSeq);
    }

    [Fact]
    public async Task Verify_AForgedTombstoneForAKeptRow_IsReportedAsStoredTwice()
    {
        await SeedAsync();
        await Purger(Windows).RunAsync();
        var keptSeq = _bTrades[0];

        await Db.ExecuteAsAdminAsync($"""
            SET session_replication_role = replica;
            INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key)
            SELECT seq, log_type, created_at, previous_hash, current_hash, 'forged' FROM audit_log WHERE seq = {keptSeq}
            """);

        var result = await VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(keptSeq, result.FirstBadSeq);
        Assert.Contains("more than once", result.Reason);
    }

    [Fact]
    public async Task Purge_WithATamperedArchiveObject_RemovesNothingOfThatDayAndRecordsAnException()
    {
        await SeedAsync();
        var manifest = (await Archive.ReadManifestAsync(DayA))!;
        var trade = manifest.Objects.Single(o => o.LogType == "TRADE");
        await Store.DeleteAsync(trade.Key);
        await Store.PutAsync(trade.Key, new MemoryStream(Encoding.UTF8.GetBytes("not the archive")), "application/gzip");

        var days = await Purger(new() { ["TRADE"] = 90 }).RunAsync();

        var refused = days.Single(d => d.Day == DayA);
        Assert.Equal(RetentionOutcome.Refused, refused.Outcome);
        Assert.Contains("the manifest says", refused.Detail);
        Assert.Equal(_aTrades, (await StoredSeqsAsync()).Intersect(_aTrades));
        Assert.Empty((await StoredSeqsAsync("ledger_tombstones")).Intersect(_aTrades));
        var exception = Assert.Single(await LedgerDataAsync(RetentionPurger.RefusedEvent));
        Assert.Equal(trade.Key, exception.GetProperty("archive_key").GetString());
        Assert.Equal("COMPLIANCE", await Db.ScalarAsync($"SELECT log_type FROM audit_log WHERE event = '{RetentionPurger.RefusedEvent}'"));
        Assert.DoesNotContain(await LedgerDataAsync(RetentionPurger.PurgedEvent), e => e.GetProperty("day").GetString() == DayA.ToString("yyyy-MM-dd"));
        Assert.True((await VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Purge_WhenArchiveAndManifestWereRewrittenConsistently_ComparesTheLinesAndRemovesNothing()
    {
        await SeedAsync();
        var manifest = (await Archive.ReadManifestAsync(DayA))!;
        var trade = manifest.Objects.Single(o => o.LogType == "TRADE");
        // Someone with write access to the archive edits a quantity and fixes the manifest's hash and size to match.
        var lines = await ReadLinesAsync(trade.Key);
        lines[1] = lines[1].Replace("\"quantity\":5", "\"quantity\":6", StringComparison.Ordinal);
        var forged = Gzip(string.Concat(lines.Select(l => l + "\n")));
        await Store.DeleteAsync(trade.Key);
        await Store.PutAsync(trade.Key, new MemoryStream(forged), "application/gzip");
        var rewritten = manifest with
        {
            Objects = [.. manifest.Objects.Select(o => o.Key == trade.Key ? o with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(forged)), Bytes = forged.Length } : o)],
        };
        await Store.DeleteAsync(DailyArchive.ManifestKey(DayA));
        await Store.PutAsync(DailyArchive.ManifestKey(DayA), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(rewritten)), "application/json");

        var days = await Purger(new() { ["TRADE"] = 90 }).RunAsync();

        var refused = days.Single(d => d.Day == DayA);
        Assert.Equal(RetentionOutcome.Refused, refused.Outcome);
        Assert.Contains($"entry {_aTrades[1]}", refused.Detail);
        Assert.Equal(_aTrades, (await StoredSeqsAsync()).Intersect(_aTrades));
        Assert.Empty((await StoredSeqsAsync("ledger_tombstones")).Intersect(_aTrades));
    }

    [Fact]
    public async Task Purge_DayWithoutManifest_IsKeptUntilArchived()
    {
        var seqs = await AppendOnDayAsync(DayB, ApiCall(1), ApiCall(2));

        var first = await Purger(new() { ["SYSTEM"] = 30 }).RunAsync();
        Assert.Equal(RetentionOutcome.NotArchived, Assert.Single(first).Outcome);
        Assert.Equal(seqs, await StoredSeqsAsync());

        await Archive.ArchiveAsync(DayB);
        var second = await Purger(new() { ["SYSTEM"] = 30 }).RunAsync();
        Assert.Equal(RetentionOutcome.Purged, Assert.Single(second).Outcome);
        Assert.Empty((await StoredSeqsAsync()).Intersect(seqs));
        Assert.True((await VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Purge_AfterTheHoldIsReleased_RemovesTheDay()
    {
        await SeedAsync();
        var (hold, _) = await Holds.CreateAsync(Officer, new LegalHoldForm(DayC, DayC, null, null, null, "litigation hold"));
        Assert.Equal(RetentionOutcome.Held, (await Purger(new() { ["TRADE"] = 90 }).RunAsync()).Single(d => d.Day == DayC).Outcome);

        Assert.Null((await Holds.ReleaseAsync(Officer, hold!.Id, "matter closed")).Error);
        var days = await Purger(new() { ["TRADE"] = 90 }).RunAsync();

        Assert.Equal(RetentionOutcome.Purged, days.Single(d => d.Day == DayC).Outcome);
        Assert.Empty((await StoredSeqsAsync()).Intersect(_cTrades));
        Assert.True((await VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Job_WithTheConfiguredWindows_RemovesNothingFromAFreshLedger()
    {
        await Client.PostNdJsonAsync(Enumerable.Range(1, 3).Select(i => IngestClient.Trade(i)), Key);
        var configured = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<RetentionOptions>(Portal.Services);
        var job = new CompliancePortal.Retention.RetentionJob(Purger(configured.HotDays), Microsoft.Extensions.Logging.Abstractions.NullLogger<CompliancePortal.Retention.RetentionJob>.Instance);

        Assert.Equal(0, await job.RunAsync(CancellationToken.None));

        Assert.Null(configured.HotDaysOf("COMPLIANCE"));
        Assert.Equal(30, configured.HotDaysOf("SYSTEM"));
        Assert.Equal(730, configured.HotDaysOf("TRADE"));
        Assert.Equal(3L, await Db.ScalarAsync("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task Purge_ConnectedAsThePortalRole_RefusesToRun()
    {
        var seqs = await AppendOnDayAsync(DayB, ApiCall(1));
        var purger = new RetentionPurger(Db.Connections with { Owner = Db.Connections.App }, Archive, Store,
            Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CompliancePortal.Core.Ledger.ILedgerAppend>(Portal.Services),
            Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CompliancePortal.Core.Audit.UserActionLog>(Portal.Services),
            new RetentionOptions { HotDays = new() { ["SYSTEM"] = 30 } }, TimeProvider.System);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => purger.RunAsync());

        Assert.Contains("cp_owner", error.Message);
        Assert.Equal(seqs, await StoredSeqsAsync());
    }

    [Fact]
    public async Task Purge_WhileAnotherRunHoldsTheLock_RefusesAndRemovesNothing()
    {
        var seqs = await AppendOnDayAsync(DayB, ApiCall(1));
        await Archive.ArchiveAsync(DayB);
        await using var other = new Npgsql.NpgsqlConnection(Db.Connections.Owner);
        await other.OpenAsync();
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(hashtext('compliance.retention'))", other))
            await take.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Purger(new() { ["SYSTEM"] = 30 }).RunAsync());
        Assert.Contains("in progress", error.Message);
        Assert.Equal(seqs, await StoredSeqsAsync());

        await using (var release = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('compliance.retention'))", other))
            await release.ExecuteNonQueryAsync();
        Assert.Equal(RetentionOutcome.Purged, Assert.Single(await Purger(new() { ["SYSTEM"] = 30 }).RunAsync()).Outcome);
        // The run released its lock: the next one starts.
        Assert.Empty(await Purger(new() { ["SYSTEM"] = 30 }).RunAsync());
    }

    private async Task<List<string>> ReadLinesAsync(string key)
    {
        await using var stream = (await Store.OpenReadAsync(key))!;
        using var reader = new StreamReader(new GZipStream(stream, CompressionMode.Decompress));
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line) lines.Add(line);
        return lines;
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }
}

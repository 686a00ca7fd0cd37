using System.Net;
using System.Text.Json;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Search;
using CompliancePortal.Metrics;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Tests.Search;

/// <summary>
/// The full-text index behind the ledger on the real PostgreSQL: the test's portal never indexes
/// (Search:Indexing=false), so each test runs indexers of its own, as other portal instances would.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FullTextIndexerTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly RecordReader Officer = RecordReader.ComplianceOfficer(new Actor("cco-fts-test"));

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Search:Indexing", "false");
        builder.UseSetting("Search:IndexIntervalMilliseconds", "50");
        builder.UseSetting("Search:MaxUnindexed", "10000");
        builder.UseSetting("Search:MaxUnvectorized", "8000");
        builder.UseSetting("Search:UnvectorizedWaitMilliseconds", "5000");
    }

    /// <summary>An indexer as another portal instance runs it, on connections named <paramref name="name"/>.</summary>
    private (FullTextIndexer Indexer, NpgsqlDataSource Source) NewIndexer(string name, int batch = 20_000)
    {
        var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Db.Connections.App) { ApplicationName = name }.ConnectionString);
        var options = Options.Create(new SearchOptions { IndexBatchSize = batch, IndexIntervalMilliseconds = 50 });
        return (new FullTextIndexer(source, options, new VectorBacklogGate(options, TimeProvider.System), TimeProvider.System, NullLogger<FullTextIndexer>.Instance), source);
    }

    private async Task PostTaggedAsync(string tag, int count = 1)
    {
        var lines = Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new { log_type = "TRADE", @event = "trade_executed", asset = "QQQ", note = $"{tag}-{i}", tag }));
        var response = await Client.PostNdJsonAsync(lines, Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // TRADE only: each search is itself a COMPLIANCE entry holding the searched words.
    private async Task<(long Total, int Rows)> SearchAsync(string text)
    {
        var page = await Portal.Services.GetRequiredService<AuditSearch>().SearchAsync(Officer, new AuditQuery { Text = text, LogType = "TRADE" });
        return (page.Total!.Value, page.Rows.Count);
    }

    private async Task<long> ScalarAsync(string sql) => (long)(await Db.ScalarAsync(sql))!;

    /// <summary>
    /// Every entry up to the watermark is in audit_fts, every one after it up to the vectorized
    /// mark in audit_fts_recent, each exactly once (the primary keys), and none in either elsewhere.
    /// </summary>
    private async Task AssertIndexMatchesWatermarkAsync()
    {
        Assert.Equal(0L, await ScalarAsync("""
            SELECT count(*) FROM audit_log a, fts_position s
            WHERE a.seq <= s.watermark AND NOT EXISTS (SELECT FROM audit_fts f WHERE f.seq = a.seq)
               OR a.seq > s.watermark AND a.seq <= s.vectorized AND NOT EXISTS (SELECT FROM audit_fts_recent r WHERE r.seq = a.seq)
            """));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM audit_fts WHERE seq > (SELECT watermark FROM fts_state)"));
        Assert.Equal(0L, await ScalarAsync(
            "SELECT count(*) FROM audit_fts_recent, fts_position s WHERE seq <= s.watermark OR seq > s.vectorized"));
    }

    /// <summary>Runs the first stage only (vectors stored, GIN index not filled), as an indexer whose second stage lags.</summary>
    private async Task VectorizeAsync(long entries)
    {
        await using var db = Db.AppDataSource();
        await using var connection = await db.OpenConnectionAsync();
        await FullTextIndexer.VectorizeBatchAsync(connection, (int)entries, CancellationToken.None);
    }

    private async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        for (var waited = 0; waited < 300; waited++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"timed out waiting for {what}");
    }

    [Fact]
    public async Task AnAcknowledgedEvent_IsFoundAtOnce_BeforeTheIndexerRan_AndOnceAfter()
    {
        await PostTaggedAsync("zebrafinch");

        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM audit_fts"));
        Assert.Equal((1L, 1), await SearchAsync("zebrafinch"));

        var (indexer, source) = NewIndexer("indexer-a");
        await using (source)
        {
            await indexer.StartAsync(CancellationToken.None);
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)") == 0, "the indexer to reach the head");
            await indexer.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1L, await ScalarAsync(
            "SELECT count(*) FROM audit_fts f JOIN audit_log a USING (seq) WHERE a.log_type = 'TRADE' AND f.vector @@ to_tsquery('simple', 'zebrafinch')"));
        Assert.Equal((1L, 1), await SearchAsync("zebrafinch"));
        await AssertIndexMatchesWatermarkAsync();
        // Found through the index now, and still by its tail once more arrives after it.
        await PostTaggedAsync("zebrafinch");
        Assert.Equal((2L, 2), await SearchAsync("zebrafinch"));
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, "SPY")]
    [InlineData(true, "SPY")]
    public async Task ASearchAcrossTheWatermark_PagesAndCountsAsOneIndexWould(bool oldestFirst, string? asset)
    {
        var lines = Enumerable.Range(0, 130).Select(i => JsonSerializer.Serialize(new
        {
            log_type = "TRADE", @event = "trade_executed", asset = i % 2 == 0 ? "SPY" : "QQQ", note = $"kestrel {i}",
            timestamp = DateTimeOffset.UnixEpoch.AddDays(20_000 + (i * 7 % 13)).ToString("O"),
        }));
        Assert.Equal(HttpStatusCode.OK, (await Client.PostNdJsonAsync(lines, Key)).StatusCode);
        await using var db = Db.AppDataSource();
        var entries = await ScalarAsync("SELECT count(*) FROM audit_log");
        await using (var lease = await db.OpenConnectionAsync())
        {
            // Three parts: the GIN index, the stored vectors after it, the computed tail after those.
            await FullTextIndexer.VectorizeBatchAsync(lease, (int)entries - 40, CancellationToken.None);
            await FullTextIndexer.IndexBatchAsync(lease, (int)entries - 90, CancellationToken.None);
        }
        var watermark = await ScalarAsync("SELECT watermark FROM fts_state");
        var vectorized = await ScalarAsync("SELECT vectorized FROM fts_vectors");
        var query = new AuditQuery { Text = "kestrel", LogType = "TRADE", OldestFirst = oldestFirst, Fields = asset is null ? [] : [new FieldFilter("asset", asset)] };

        // Every entry's vector computed, as if all were indexed.
        var expected = new List<long>();
        await using (var all = db.CreateCommand($"""
            SELECT seq FROM audit_log WHERE log_type = 'TRADE' AND ($1::text IS NULL OR event_data ->> 'asset' = $1)
              AND {AuditSql.FullTextVector} @@ to_tsquery('simple', 'kestrel')
            ORDER BY "timestamp" {(oldestFirst ? "" : "DESC")}, seq {(oldestFirst ? "" : "DESC")}
            """))
        {
            all.Parameters.Add(new NpgsqlParameter { Value = (object?)asset ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await using var r = await all.ExecuteReaderAsync();
            while (await r.ReadAsync()) expected.Add(r.GetInt64(0));
        }
        Assert.Contains(expected, seq => seq <= watermark);
        Assert.Contains(expected, seq => seq > watermark && seq <= vectorized);
        Assert.Contains(expected, seq => seq > vectorized);

        var search = Portal.Services.GetRequiredService<AuditSearch>();
        var found = new List<long>();
        AuditCursor? after = null;
        long? total = null;
        do
        {
            var page = await search.SearchAsync(Officer, query, after);
            total ??= page.Total;
            found.AddRange(page.Rows.Select(r => r.Seq));
            after = page.Next;
        } while (after is not null);
        var exported = new List<long>();
        await foreach (var row in search.ExportAsync(Officer, query)) exported.Add(row.Seq);

        Assert.Equal(expected, found);
        Assert.Equal(expected.Count, total);
        Assert.Equal(expected, exported);
    }

    [Fact]
    public async Task ASearch_WhileTheIndexerMovesItsRows_FindsEachEntryOnce()
    {
        // Ten entries with stored vectors, twenty after them without: all three parts but the GIN index's.
        await PostTaggedAsync("kestrelfinch", 10);
        await VectorizeAsync(await ScalarAsync("SELECT seq FROM ledger_head"));
        await PostTaggedAsync("kestrelfinch", 20);
        var search = Portal.Services.GetRequiredService<AuditSearch>();
        var moved = 0L;
        // Between the search reading the marks and running its statement, both stages run to the
        // head on another connection: every entry moves into the GIN index and both marks move.
        search.AfterIndexPositionRead = async () =>
        {
            search.AfterIndexPositionRead = null;
            await using var db = Db.AppDataSource();
            await using var connection = await db.OpenConnectionAsync();
            await FullTextIndexer.VectorizeBatchAsync(connection, 100_000, CancellationToken.None);
            moved = await FullTextIndexer.IndexBatchAsync(connection, 100_000, CancellationToken.None);
        };
        try
        {
            Assert.Equal((30L, 30), await SearchAsync("kestrelfinch"));
        }
        finally
        {
            search.AfterIndexPositionRead = null;
        }
        Assert.True(moved >= 30, $"the indexer moved {moved} entries during the search");
        Assert.Equal(0L, await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)"));
        Assert.Equal((30L, 30), await SearchAsync("kestrelfinch"));
    }

    [Fact]
    public async Task TheLease_MovesToASecondInstance_WhenTheFirstDies_NothingSkippedOrIndexedTwice()
    {
        await PostTaggedAsync("heron", 40);
        var (first, firstSource) = NewIndexer("indexer-first", batch: 10);
        var (second, secondSource) = NewIndexer("indexer-second", batch: 10);
        await using (firstSource)
        await using (secondSource)
        {
            await first.StartAsync(CancellationToken.None);
            await WaitForAsync(() => Task.FromResult(first.HoldsLease), "the first instance to take the lease");
            await second.StartAsync(CancellationToken.None);
            await Task.Delay(300);
            Assert.False(second.HoldsLease);

            // The first instance dies: its sessions end (as when its process is killed) and it runs no more.
            await Db.ScalarAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'indexer-first'");
            await first.StopAsync(CancellationToken.None);
            await WaitForAsync(() => Task.FromResult(second.HoldsLease), "the second instance to take over");
            await PostTaggedAsync("heron", 25);
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)") == 0, "the second instance to reach the head");
            await second.StopAsync(CancellationToken.None);
        }

        Assert.Equal(await ScalarAsync("SELECT count(*) FROM audit_log"), await ScalarAsync("SELECT count(*) FROM audit_fts"));
        await AssertIndexMatchesWatermarkAsync();
        Assert.Equal((65L, 50), await SearchAsync("heron"));
    }

    [Fact]
    public async Task EachStagesLease_IsTakenAndReportedOnItsOwn_WhileAnotherSessionHoldsTheOther()
    {
        await PostTaggedAsync("avocet", 5);
        // Another instance holds the GIN stage's lease (as in a takeover race).
        await using var other = new NpgsqlConnection(Db.Connections.App);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock(hashtext('{FullTextIndexer.IndexLease}'))", other))
            await take.ExecuteNonQueryAsync();
        var (indexer, source) = NewIndexer("indexer-split");
        await using (source)
        {
            await indexer.StartAsync(CancellationToken.None);
            await WaitForAsync(() => Task.FromResult(indexer.HoldsVectorsLease), "the vectors' stage lease");
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT vectorized FROM fts_vectors)") == 0, "the vectors up to the head");
            Assert.False(indexer.HoldsIndexLease);
            Assert.False(indexer.HoldsLease);
            Assert.Equal(0L, await ScalarAsync("SELECT watermark FROM fts_state"));

            await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", other))
                await release.ExecuteNonQueryAsync();
            await WaitForAsync(() => Task.FromResult(indexer.HoldsIndexLease), "the GIN stage's lease once freed");
            Assert.True(indexer.HoldsLease);
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)") == 0, "the GIN index up to the head");
            await indexer.StopAsync(CancellationToken.None);
            Assert.False(indexer.HoldsVectorsLease || indexer.HoldsIndexLease);
        }
        await AssertIndexMatchesWatermarkAsync();
    }

    [Fact]
    public async Task TheVectorsStage_KeepsStoringVectors_WhileTheGinStageWaitsInItsBatch()
    {
        await PostTaggedAsync("plover", 20);
        var (indexer, source) = NewIndexer("indexer-apart");
        await using (source)
        {
            await indexer.StartAsync(CancellationToken.None);
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)") == 0, "the indexer to reach the head");
            var indexed = await ScalarAsync("SELECT watermark FROM fts_state");

            // An uncommitted row for an entry still to come holds the GIN stage's next batch there (it waits for that row's transaction).
            await using var blocker = new NpgsqlConnection(Db.Admin);
            await blocker.OpenAsync();
            await using var hold = await blocker.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand($"INSERT INTO audit_fts VALUES ({indexed + 10}, now(), now(), 'TRADE', 'held', NULL, ''::tsvector)", blocker, hold))
                await insert.ExecuteNonQueryAsync();
            await PostTaggedAsync("plover", 40);
            await WaitForAsync(async () => await ScalarAsync(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'indexer-apart' AND wait_event_type = 'Lock'") == 1,
                "the GIN stage to wait in its batch");

            // Entries acknowledged meanwhile get their vectors: what searches compute and what holds ingest stay short.
            await PostTaggedAsync("plover", 30);
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - vectorized FROM fts_position") == 0 && indexer.VectorLag == 0,
                "the vectors' stage to reach the head");
            Assert.Equal(indexed, await ScalarAsync("SELECT watermark FROM fts_state"));
            Assert.Equal((90L, 50), await SearchAsync("plover"));

            await hold.RollbackAsync();
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)") == 0, "the GIN stage to reach the head");
            await indexer.StopAsync(CancellationToken.None);
        }
        await AssertIndexMatchesWatermarkAsync();
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM audit_fts_recent"));
        Assert.Equal((90L, 50), await SearchAsync("plover"));
    }

    [Theory]
    [InlineData("audit_fts_recent")]
    [InlineData("audit_fts")]
    public async Task AnIndexerKilledMidBatch_LeavesNothingOfIt_AndTheNextResumesFromTheWatermark(string stage)
    {
        for (var i = 0; i < 6; i++) await PostTaggedAsync("osprey", 1000);
        var secondStage = stage == "audit_fts";
        if (secondStage) await VectorizeAsync(await ScalarAsync("SELECT count(*) FROM audit_log"));
        var (_, source) = NewIndexer("indexer-killed");
        await using (source)
        {
            // An uncommitted row for an entry in the middle of the batch holds the batch there: it has
            // inserted the entries before it when it waits for that row's transaction, and is killed then.
            await using var blocker = new NpgsqlConnection(Db.Admin);
            await blocker.OpenAsync();
            await using var hold = await blocker.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand($"INSERT INTO {stage} SELECT min(seq) + 3000, now(), now(), 'TRADE', 'held', NULL, ''::tsvector FROM audit_log", blocker, hold))
                await insert.ExecuteNonQueryAsync();
            await using var lease = await source.OpenConnectionAsync();
            var batch = secondStage
                ? FullTextIndexer.IndexBatchAsync(lease, 6000, CancellationToken.None)
                : FullTextIndexer.VectorizeBatchAsync(lease, 6000, CancellationToken.None);
            await WaitForAsync(async () => await ScalarAsync(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'indexer-killed' AND wait_event_type = 'Lock'") == 1,
                "the batch to wait in its middle");
            await Db.ScalarAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'indexer-killed'");
            await Assert.ThrowsAnyAsync<Exception>(() => batch);
            await hold.RollbackAsync();
        }

        Assert.Equal(0L, await ScalarAsync("SELECT watermark FROM fts_state"));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM audit_fts"));
        Assert.Equal(secondStage ? await ScalarAsync("SELECT count(*) FROM audit_log") : 0L, await ScalarAsync("SELECT count(*) FROM audit_fts_recent"));
        await AssertIndexMatchesWatermarkAsync();
        Assert.Equal((6000L, 50), await SearchAsync("osprey"));

        var (next, nextSource) = NewIndexer("indexer-next", batch: 2500);
        await using (nextSource)
        {
            await next.StartAsync(CancellationToken.None);
            await WaitForAsync(async () => await ScalarAsync("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)") == 0, "the next indexer to reach the head");
            await next.StopAsync(CancellationToken.None);
        }
        Assert.Equal(await ScalarAsync("SELECT count(*) FROM audit_log"), await ScalarAsync("SELECT count(*) FROM audit_fts"));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM audit_fts_recent"));
        await AssertIndexMatchesWatermarkAsync();
        Assert.Equal((6000L, 50), await SearchAsync("osprey"));
    }

    [Fact]
    public async Task Ingest_Answers503_WhileTheIndexIsTooFarBehind_AndAcceptsOnceItCaughtUp()
    {
        // Vectors kept level, the GIN index left behind: only Search:MaxUnindexed (10,000) holds ingest.
        var portalIndex = Portal.Services.GetRequiredService<FullTextIndexer>();
        for (var i = 0; i < 11; i++)
        {
            await PostTaggedAsync("plover", 1000);
            await VectorizeAsync(1000);
        }
        await WaitForAsync(() => Task.FromResult(portalIndex.TooFarBehind && portalIndex.VectorLag == 0), "the portal to see the lag");
        var head = await ScalarAsync("SELECT seq FROM ledger_head");

        var refused = await Client.PostNdJsonAsync([IngestClient.Trade(1)], Key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("2", refused.Headers.RetryAfter?.Delta?.TotalSeconds.ToString());
        Assert.Contains("The full-text index is", await refused.Content.ReadAsStringAsync());
        Assert.Equal(head, await ScalarAsync("SELECT seq FROM ledger_head"));
        var health = await Client.HealthAsync(Key);
        Assert.True(health.GetProperty("index_lag").GetInt64() > 10_000);
        Assert.Equal(0L, health.GetProperty("vector_lag").GetInt64());

        var (indexer, source) = NewIndexer("indexer-catch-up");
        await using (source)
        {
            await indexer.StartAsync(CancellationToken.None);
            await WaitForAsync(() => Task.FromResult(!portalIndex.TooFarBehind), "the portal to see the index caught up");
            await indexer.StopAsync(CancellationToken.None);
        }
        Assert.Equal(HttpStatusCode.OK, (await Client.PostNdJsonAsync([IngestClient.Trade(1)], Key)).StatusCode);
    }

    /// <summary>9,000 entries without a vector: past Search:MaxUnvectorized (8,000), within MaxUnindexed (10,000).</summary>
    private async Task<long> FillTheVectorsBoundAsync(string tag)
    {
        var portalIndex = Portal.Services.GetRequiredService<FullTextIndexer>();
        for (var i = 0; i < 9; i++) await PostTaggedAsync(tag, 1000);
        await WaitForAsync(() => Task.FromResult(portalIndex.VectorLag > 8000), "the portal to see the vectors' lag");
        return await ScalarAsync("SELECT seq FROM ledger_head");
    }

    [Fact]
    public async Task TheVectorsStage_RunsAgainAtOnce_WhileItsLagHoldsIngest_NotAfterItsInterval()
    {
        // An interval far longer than the test: only a round run again at once stores the vectors in time.
        var options = Options.Create(new SearchOptions { IndexBatchSize = 20_000, IndexIntervalMilliseconds = 600_000, MaxUnvectorized = 10 });
        var gate = new VectorBacklogGate(options, TimeProvider.System);
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Db.Connections.App) { ApplicationName = "indexer-burst" }.ConnectionString);
        var indexer = new FullTextIndexer(source, options, gate, TimeProvider.System, NullLogger<FullTextIndexer>.Instance);
        await using var blocker = new NpgsqlConnection(Db.Connections.App);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockMark = new NpgsqlCommand("SELECT FROM fts_vectors WHERE id = 1 FOR UPDATE", blocker, hold))
            await lockMark.ExecuteNonQueryAsync();

        await PostTaggedAsync("sanderling");   // an entry for the first batch (over an empty ledger it would not read its mark)
        await indexer.StartAsync(CancellationToken.None);
        try
        {
            // Its first batch has taken its snapshot and waits for the mark's row; entries committed now
            // are after that snapshot, so the batch stores none of them and the reading after it is over the bound.
            await WaitForAsync(async () => await ScalarAsync(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'indexer-burst' AND wait_event_type = 'Lock'") == 1, "the first batch to wait for the mark");
            await PostTaggedAsync("sanderling", 50);
            var head = await ScalarAsync("SELECT seq FROM ledger_head");
            await hold.RollbackAsync();

            await WaitForAsync(async () => await ScalarAsync("SELECT vectorized FROM fts_vectors") == head, "the vectors' stage to store the entries its first batch could not see");
            await WaitForAsync(() => Task.FromResult(!gate.Closed), "a reading under the bound to open the gate");
        }
        finally
        {
            await indexer.StopAsync(CancellationToken.None);
        }
        await AssertIndexMatchesWatermarkAsync();
    }

    [Fact]
    public async Task Ingest_WaitsWhileTooManyEntriesHaveNoStoredVector_AndIsTakenOnceTheyHave()
    {
        var head = await FillTheVectorsBoundAsync("curlew");
        var gate = Portal.Services.GetRequiredService<VectorBacklogGate>();

        var held = Portal.Services.GetRequiredService<PortalMetrics>().IngestHeldSeconds;
        var (heldBefore, heldSecondsBefore) = (held.Count, held.Sum);
        Assert.True(gate.Closed);
        var waiting = Client.PostNdJsonAsync([IngestClient.Trade(1)], Key);
        await Task.Delay(1000);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(head, await ScalarAsync("SELECT seq FROM ledger_head"));

        await VectorizeAsync(head);
        var taken = await waiting;

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal(head + 1, await ScalarAsync("SELECT seq FROM ledger_head"));
        Assert.Equal(heldBefore + 1, held.Count);   // the operator's metric: one request held, for over a second
        Assert.True(held.Sum - heldSecondsBefore >= 1.0, $"held {held.Sum - heldSecondsBefore} s");
        Assert.Equal((9000L, 50), await SearchAsync("curlew"));
        await AssertIndexMatchesWatermarkAsync();
    }

    [Fact]
    public async Task Ingest_Answers503_WhenNoRoomComesUnderTheVectorsBoundWithinTheWait_AndAcceptsOnceTheVectorsAreStored()
    {
        var head = await FillTheVectorsBoundAsync("whimbrel");
        var portalIndex = Portal.Services.GetRequiredService<FullTextIndexer>();

        var held = Portal.Services.GetRequiredService<PortalMetrics>().IngestHeldSeconds;
        var (heldBefore, heldSecondsBefore) = (held.Count, held.Sum);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Client.PostNdJsonAsync([IngestClient.Trade(1)], Key);
        Assert.Equal(heldBefore + 1, held.Count);   // a refused request's wait is counted too
        Assert.True(held.Sum - heldSecondsBefore >= 4.9, $"held {held.Sum - heldSecondsBefore} s");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(4.9), $"answered after {clock.Elapsed}, not after the 5 s wait");
        Assert.Equal("2", refused.Headers.RetryAfter?.Delta?.TotalSeconds.ToString());
        Assert.Contains("have no stored full-text vector yet (limit Search:MaxUnvectorized = 8000, waited 5000 ms)", await refused.Content.ReadAsStringAsync());
        Assert.Equal(head, await ScalarAsync("SELECT seq FROM ledger_head"));
        Assert.True((await Client.HealthAsync(Key)).GetProperty("vector_lag").GetInt64() > 8_000);

        await VectorizeAsync(head);
        await WaitForAsync(() => Task.FromResult(portalIndex.VectorLag == 0), "the portal to see the vectors stored");
        Assert.Equal(HttpStatusCode.OK, (await Client.PostNdJsonAsync([IngestClient.Trade(1)], Key)).StatusCode);
        Assert.Equal((9000L, 50), await SearchAsync("whimbrel"));
    }
}

using System.Net;
using System.Text.Json;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Ledger;

/// <summary>The writer under back-pressure, and the file tier that follows it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WriterBehaviourTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Post_WhenTheWriterQueueIsFull_Answers503WithRetryAfterAndStoresNothingOfIt()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db, b => b.UseSetting("Ledger:MaxQueuedEvents", "10"));
        var key = await portal.CreateKeyAsync("trading", [LogTypes.Trade]);
        var client = portal.CreateClient();

        // Hold the chain head so the writer cannot commit: the first request waits in the queue.
        await using var head = await HeadLock.TakeAsync(db);

        var waiting = client.PostNdJsonAsync(Enumerable.Range(1, 10).Select(i => IngestClient.Trade(i)), key);
        await WaitUntilAsync(async () => (await client.HealthAsync(key)).GetProperty("queued_events").GetInt64() == 10);
        var refused = await client.PostJsonAsync(IngestClient.Trade(11), key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(1, (await refused.JsonAsync()).GetProperty("retry_after_seconds").GetInt32());
        Assert.Contains("Nothing was stored", await refused.Content.ReadAsStringAsync());

        await head.ReleaseAsync();
        var accepted = await waiting;
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(10L, await db.ScalarAsync("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task Post_RepeatedEventIdInABatchOfRequests_AnswersItsOriginalReceiptAndStoresTheOthersOnce()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db);
        var key = await portal.CreateKeyAsync("trading", [LogTypes.Trade]);
        var client = portal.CreateClient();
        var original = (await (await client.PostJsonAsync(IngestClient.Trade(1, eventId: "ord-1"), key)).JsonAsync()).GetProperty("receipts")[0];

        // Hold the chain head so the next three requests queue up and are committed as one batch;
        // the writer first tries that batch without looking event ids up, and the repeat makes it retry.
        await using var head = await HeadLock.TakeAsync(db);
        var first = client.PostNdJsonAsync([IngestClient.Trade(2, eventId: "ord-2"), IngestClient.Trade(3)], key);
        var repeat = client.PostNdJsonAsync([IngestClient.Trade(4, eventId: "ord-4"), IngestClient.Trade(1, eventId: "ord-1")], key);
        var last = client.PostJsonAsync(IngestClient.Trade(5, eventId: "ord-5"), key);
        await WaitUntilAsync(async () => (await client.HealthAsync(key)).GetProperty("queued_events").GetInt64() == 5);
        await head.ReleaseAsync();

        var responses = await Task.WhenAll(first, repeat, last);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var repeated = (await responses[1].JsonAsync()).GetProperty("receipts")[1];
        Assert.True(repeated.GetProperty("duplicate").GetBoolean());
        Assert.Equal(original.GetProperty("seq").GetInt64(), repeated.GetProperty("seq").GetInt64());
        Assert.Equal(original.GetProperty("hash").GetString(), repeated.GetProperty("hash").GetString());
        await AssertOneIntactChainAsync(db, "1,2,3,4,5");
        Assert.Equal(1L, await db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event_id = 'ord-1'"));
        Assert.Equal(4L, await db.ScalarAsync("SELECT count(*) FROM ledger_event_ids"));
    }

    [Fact]
    public async Task Post_WhenTheBatchAheadFails_TheBatchWrittenBehindItIsRedoneAndTheChainHasNoGap()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db);
        var key = await portal.CreateKeyAsync("trading", [LogTypes.Trade]);
        var client = portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync(IngestClient.Trade(1), key)).StatusCode);

        // PostgreSQL refuses one trade (as it would a value it cannot store), and the head is
        // held so the refused batch and the one planned behind it are both in flight.
        await using var admin = new NpgsqlConnection(db.Admin);
        await admin.OpenAsync();
        await using (var refuse = new NpgsqlCommand(
            """
            CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.event_data ->> 'trade_id' = 'TRD-2024-10-08-000666' THEN
                    RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'invalid_parameter_value';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_boom();
            """, admin))
            await refuse.ExecuteNonQueryAsync();
        await using var head = await HeadLock.TakeAsync(db);
        var refused = client.PostJsonAsync(IngestClient.Trade(666), key);
        await WaitUntilAsync(async () => (await client.HealthAsync(key)).GetProperty("queued_events").GetInt64() == 1);
        await Task.Delay(200);  // the writer has taken it as a batch of its own
        var behind = client.PostNdJsonAsync([IngestClient.Trade(2), IngestClient.Trade(3)], key);
        await WaitUntilAsync(async () => (await client.HealthAsync(key)).GetProperty("queued_events").GetInt64() == 3);
        await Task.Delay(200);
        await head.ReleaseAsync();

        Assert.Equal(HttpStatusCode.BadRequest, (await refused).StatusCode);
        var accepted = await behind;
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var seqs = (await accepted.JsonAsync()).GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64());
        Assert.Equal([2L, 3L], seqs);
        await AssertOneIntactChainAsync(db, "1,2,3");
    }

    [Fact]
    public async Task Post_RetryWhileTheOriginalIsStillBeingWritten_IsAnsweredWithTheOriginalReceiptWithoutStalling()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db);
        var key = await portal.CreateKeyAsync("trading", [LogTypes.Trade]);
        var client = portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync(IngestClient.Trade(1), key)).StatusCode);

        // The original's id COPY dawdles on its first row, so a retry planned behind it could
        // take the repeated id first and each would wait for the other.
        await using (var slow = new NpgsqlCommand(
            """
            CREATE FUNCTION dawdle() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.event_id = 'slow-1' THEN PERFORM pg_sleep(1); END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER dawdle BEFORE INSERT ON ledger_event_ids FOR EACH ROW EXECUTE FUNCTION dawdle();
            """, new NpgsqlConnection(db.Admin)))
        {
            await slow.Connection!.OpenAsync();
            await slow.ExecuteNonQueryAsync();
            await slow.Connection.DisposeAsync();
        }
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var original = client.PostNdJsonAsync([IngestClient.Trade(2, eventId: "slow-1"), IngestClient.Trade(3, eventId: "ord-3")], key);
        await Task.Delay(300);
        var retry = await client.PostJsonAsync(IngestClient.Trade(3, eventId: "ord-3"), key);
        var first = await original;

        Assert.True(first.StatusCode == HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        Assert.True(retry.StatusCode == HttpStatusCode.OK, await retry.Content.ReadAsStringAsync());
        var stored = (await first.JsonAsync()).GetProperty("receipts")[1];
        var repeated = (await retry.JsonAsync()).GetProperty("receipts")[0];
        Assert.True(repeated.GetProperty("duplicate").GetBoolean());
        Assert.Equal(stored.GetProperty("seq").GetInt64(), repeated.GetProperty("seq").GetInt64());
        await AssertOneIntactChainAsync(db, "1,2,3");
        // Waiting for the batch ahead ends after a few seconds at most; keeping in-flight batches'
        // ids apart means it is not needed at all here.
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(2.9), $"took {timer.Elapsed}");
    }

    [Fact]
    public async Task FileLog_HoldsExactlyTheCommittedEvents()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db);
        var key = await portal.CreateKeyAsync("trading", [.. LogTypes.All]);
        var client = portal.CreateClient();

        for (var batch = 0; batch < 5; batch++)
            await client.PostNdJsonAsync(Enumerable.Range(1, 20).Select(i => IngestClient.Trade(batch * 100 + i)), key);
        var refused = await client.PostNdJsonAsync([IngestClient.Trade(999), """{"log_type":"TRADE"}"""], key);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        await AssertFileLogHoldsTheLedgerAsync(portal.FileLogFolder, db, 100);
        Assert.DoesNotContain(FileLogLines(portal.FileLogFolder), l => l.Contains("TRD-2024-10-08-000999"));
    }

    [Fact]
    public async Task FileLog_HoldsWhatAnotherPortalProcessCommittedToo()
    {
        // Each portal is handed its own writer's entries in memory and must read the other's from the ledger.
        var db = await postgres.CreateDatabaseAsync();
        await using var a = new PortalFactory(db);
        await using var b = new PortalFactory(db);
        var key = await a.CreateKeyAsync("trading", [.. LogTypes.All]);
        var clients = new[] { a.CreateClient(), b.CreateClient() };

        for (var batch = 0; batch < 6; batch++)
            Assert.Equal(HttpStatusCode.OK, (await clients[batch % 2].PostNdJsonAsync(
                Enumerable.Range(1, 10).Select(i => IngestClient.Trade(batch * 100 + i)), key)).StatusCode);

        await AssertFileLogHoldsTheLedgerAsync(a.FileLogFolder, db, 60);
        await AssertFileLogHoldsTheLedgerAsync(b.FileLogFolder, db, 60);
    }

    /// <summary>The ledger holds exactly these seqs, and its chain verifies.</summary>
    private static async Task AssertOneIntactChainAsync(TestDatabase db, string seqs)
    {
        Assert.Equal(seqs, await db.ScalarAsync("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM audit_log"));
        await using var data = db.AppDataSource();
        var verify = await LedgerVerifier.VerifyAsync(data);
        Assert.True(verify.Intact, verify.Reason);
    }

    /// <summary>The chain head held by another transaction, so the writer's requests queue up until it is released.</summary>
    private sealed class HeadLock(NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        public static async Task<HeadLock> TakeAsync(TestDatabase db)
        {
            var connection = new NpgsqlConnection(db.Admin);
            await connection.OpenAsync();
            var tx = await connection.BeginTransactionAsync();
            await using (var lockHead = new NpgsqlCommand("SELECT * FROM ledger_head FOR UPDATE", connection, tx))
                await lockHead.ExecuteNonQueryAsync();
            return new HeadLock(connection, tx);
        }

        public Task ReleaseAsync() => tx.RollbackAsync();

        public async ValueTask DisposeAsync()
        {
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>The file log's lines, its days in order (a run across midnight UTC starts a second file).</summary>
    private static string[] FileLogLines(string folder) =>
        [.. Directory.GetFiles(folder, "audit-*.jsonl").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines)];

    /// <summary>Waits for the day's file to hold <paramref name="count"/> lines, then checks each against the ledger row of its seq, in order.</summary>
    private static async Task AssertFileLogHoldsTheLedgerAsync(string folder, TestDatabase db, int count)
    {
        await WaitUntilAsync(() => Task.FromResult(Directory.Exists(folder) && FileLogLines(folder).Length >= count));
        await Task.Delay(300); // anything extra would show up now
        var lines = FileLogLines(folder);

        Assert.Equal(count, lines.Length);
        await using var data = db.AppDataSource();
        await using var cmd = data.CreateCommand("SELECT seq, convert_from(canonical, 'UTF8'), previous_hash, current_hash FROM audit_log ORDER BY seq");
        await using var reader = await cmd.ExecuteReaderAsync();
        var i = 0;
        while (await reader.ReadAsync())
        {
            using var line = JsonDocument.Parse(lines[i++]);
            Assert.Equal(reader.GetInt64(0), line.RootElement.GetProperty("seq").GetInt64());
            Assert.Equal(reader.GetString(2), line.RootElement.GetProperty("previous_hash").GetString());
            Assert.Equal(reader.GetString(3), line.RootElement.GetProperty("current_hash").GetString());
            var canonical = reader.GetString(1);
            Assert.StartsWith(canonical[..^1], lines[i - 1]);
        }
        Assert.Equal(count, i);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 15 s");
            await Task.Delay(50);
        }
    }
}

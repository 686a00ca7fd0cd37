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
        await using var blocker = new NpgsqlConnection(db.Admin);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var lockHead = new NpgsqlCommand("SELECT * FROM ledger_head FOR UPDATE", blocker, tx))
            await lockHead.ExecuteNonQueryAsync();

        var waiting = client.PostNdJsonAsync(Enumerable.Range(1, 10).Select(i => IngestClient.Trade(i)), key);
        await WaitUntilAsync(async () => (await (await client.GetAsync("/healthz")).JsonAsync()).GetProperty("queued_events").GetInt64() == 10);
        var refused = await client.PostJsonAsync(IngestClient.Trade(11), key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Nothing was stored", await refused.Content.ReadAsStringAsync());

        await tx.RollbackAsync();
        var accepted = await waiting;
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(10L, await db.ScalarAsync("SELECT count(*) FROM audit_log"));
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

        var file = Path.Combine(portal.FileLogFolder, $"audit-{DateTime.UtcNow:yyyy-MM-dd}.jsonl");
        await WaitUntilAsync(() => Task.FromResult(File.Exists(file) && File.ReadAllLines(file).Length >= 100));
        await Task.Delay(300); // anything extra would show up now
        var lines = File.ReadAllLines(file);

        Assert.Equal(100, lines.Length);
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
        Assert.Equal(100, i);
        Assert.DoesNotContain(lines, l => l.Contains("TRD-2024-10-08-000999"));
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

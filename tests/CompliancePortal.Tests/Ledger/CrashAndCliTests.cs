using System.Collections.Concurrent;
using System.Net;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Ledger;

/// <summary>The portal as a real process: killed mid-stream it loses nothing it acknowledged; the verify verb's exit code.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CrashAndCliTests(PostgresFixture postgres)
{
    private static async Task<string> InsertKeyAsync(TestDatabase db)
    {
        var key = ApiKeyStore.NewKey();
        await db.ExecuteAsAdminAsync(
            $"INSERT INTO api_keys (name, key_hash, log_types, can_verify, created_at) VALUES ('stream', '{ApiKeyStore.Hash(key)}', ARRAY['TRADE'], true, now())");
        return key;
    }

    [Fact]
    public async Task Kill_DuringAStreamOfBatches_LosesNoAcknowledgedEvent()
    {
        var db = await postgres.CreateDatabaseAsync();
        var key = await InsertKeyAsync(db);
        var folder = Path.Combine(Path.GetTempPath(), "cp-crash-" + Guid.NewGuid().ToString("N")[..8]);
        var acknowledged = new ConcurrentDictionary<string, (long Seq, string Hash)>();
        var sent = new ConcurrentBag<string[]>();

        await using (var portal = await PortalProcess.StartAsync(db, folder))
        {
            using var http = new HttpClient { BaseAddress = portal.BaseAddress };
            using var stop = new CancellationTokenSource();
            var streams = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
            {
                for (var batch = 0; !stop.IsCancellationRequested; batch++)
                {
                    var ids = Enumerable.Range(0, 50).Select(i => $"c{c}-b{batch}-e{i}").ToArray();
                    sent.Add(ids);
                    try
                    {
                        var response = await http.PostNdJsonAsync(ids.Select((id, i) => IngestClient.Trade(i, eventId: id)), key);
                        if (response.StatusCode != HttpStatusCode.OK) continue;
                        foreach (var r in (await response.JsonAsync()).GetProperty("receipts").EnumerateArray())
                            acknowledged[r.GetProperty("event_id").GetString()!] = (r.GetProperty("seq").GetInt64(), r.GetProperty("hash").GetString()!);
                    }
                    catch (HttpRequestException) { return; }
                    catch (TaskCanceledException) { return; }
                }
            })).ToList();

            while (acknowledged.Count < 2000) await Task.Delay(20);
            portal.Kill(); // mid-stream: requests are in flight and batches are being committed
            await stop.CancelAsync();
            await Task.WhenAll(streams);
        }

        Assert.True(acknowledged.Count >= 2000);
        await using (var restarted = await PortalProcess.StartAsync(db, folder))
        {
            // Every acknowledged event is there with the hash its receipt named.
            foreach (var (eventId, receipt) in acknowledged)
            {
                var stored = await db.ScalarAsync($"SELECT seq || ':' || current_hash FROM audit_log WHERE event_id = '{eventId}'");
                Assert.Equal($"{receipt.Seq}:{receipt.Hash}", stored);
            }
            await using var data = db.AppDataSource();
            var result = await LedgerVerifier.VerifyAsync(data);
            Assert.True(result.Intact, result.Reason);

            // A client retrying everything it sent (acknowledged or not) stores each event exactly once.
            // It sends a 503 again after its Retry-After: the restarted portal's indexer starts behind.
            using var http = new HttpClient { BaseAddress = restarted.BaseAddress };
            foreach (var ids in sent)
                await http.PostNdJsonUntilAcceptedAsync([.. ids.Select((id, i) => IngestClient.Trade(i, eventId: id))], key);
            var total = sent.Sum(ids => ids.Length);
            Assert.Equal((long)total, await db.ScalarAsync("SELECT count(*) FROM audit_log"));
            Assert.Equal((long)total, await db.ScalarAsync("SELECT count(DISTINCT event_id) FROM audit_log"));
            Assert.True((await LedgerVerifier.VerifyAsync(data)).Intact);

            // The file log resumed where it stopped: every seq once, in order, no torn line.
            var seqs = new List<long>();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (seqs.Count < total && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                seqs = Directory.GetFiles(folder, "audit-*.jsonl").Order().SelectMany(File.ReadAllLines)
                    .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()).ToList();
            }
            Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n), seqs);
        }
    }

    [Fact]
    public async Task VerifyVerb_ExitsZeroWhenIntactAndNonZeroWhenBroken()
    {
        var db = await postgres.CreateDatabaseAsync();
        var key = await InsertKeyAsync(db);
        await using (var portal = await PortalProcess.StartAsync(db, Path.Combine(Path.GetTempPath(), "cp-cli-" + Guid.NewGuid().ToString("N")[..8])))
        {
            using var http = new HttpClient { BaseAddress = portal.BaseAddress };
            var response = await http.PostNdJsonAsync(Enumerable.Range(1, 5).Select(i => IngestClient.Trade(i)), key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var intact = await PortalProcess.RunCliAsync("verify", $"--ConnectionStrings:Portal={db.Connections.App}");
        Assert.True(intact.ExitCode == 0, intact.Output);
        Assert.Contains("\"intact\": true", intact.Output);

        await db.ExecuteAsAdminAsync("SET session_replication_role = replica; UPDATE audit_log SET event_data = '{}' WHERE seq = 4");
        var broken = await PortalProcess.RunCliAsync("verify", $"--ConnectionStrings:Portal={db.Connections.App}");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("\"first_bad_seq\": 4", broken.Output);
    }
}

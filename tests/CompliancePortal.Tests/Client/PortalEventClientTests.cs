using CompliancePortal.Client;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CompliancePortal.Tests.Client;

/// <summary>
/// The client library against the real portal on Kestrel: batches are stored once, a request
/// whose answer was lost is not stored twice, events wait in the spool while the portal cannot
/// be reached (also across a client restart), and invalid events are kept aside with the reason.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PortalEventClientTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private PortalFactory _portal = null!;
    private Uri _address = null!;
    private string _key = null!;
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "cp-spool-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly NetworkSwitch _network = new() { InnerHandler = new SocketsHttpHandler() };

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db);
        _address = _portal.UseRealServer();
        _key = await _portal.CreateKeyAsync("risk-engine", ["RISK", "SYSTEM"]);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        if (Directory.Exists(_spool)) Directory.Delete(_spool, recursive: true);
    }

    private PortalEventClient Client(TimeSpan? retryFor = null) => new(new PortalClientOptions
    {
        BaseAddress = _address,
        ApiKey = _key,
        SpoolFolder = _spool,
        MaxBatchEvents = 100,
        RetryFor = retryFor ?? TimeSpan.FromSeconds(10),
        FirstRetryDelay = TimeSpan.FromMilliseconds(20),
        SpoolRetryInterval = TimeSpan.FromMilliseconds(200),
    }, new HttpClient(_network, disposeHandler: false));

    private static PortalEvent RiskCheck(int n) =>
        new("RISK", "risk_check_passed", new Dictionary<string, object?> { ["check"] = "margin_requirement", ["n"] = n, ["asset"] = "SPY" });

    /// <summary>(entries, distinct event ids) the key's source has in the ledger.</summary>
    private async Task<(long Entries, long Ids)> StoredAsync()
    {
        await using var connection = new NpgsqlConnection(_db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*), count(DISTINCT event_id) FROM audit_log WHERE source = 'key:risk-engine'", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 20 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task PostedEvents_AreStoredOnce_InBatches()
    {
        await using (var client = Client())
        {
            var ids = Enumerable.Range(0, 1_050).Select(i => client.Post(RiskCheck(i))).ToList();
            await client.FlushAsync();
            Assert.Equal(1_050, client.Stored);
            Assert.Equal(1_050, ids.Distinct().Count());
        }
        Assert.Equal((1_050, 1_050), await StoredAsync());
        Assert.Empty(Directory.GetFiles(_spool));
    }

    [Fact]
    public async Task RequestWhoseAnswerWasLost_IsSentAgain_AndStoredOnce()
    {
        _network.LoseAnswers = 1;
        await using (var client = Client())
        {
            for (var i = 0; i < 10; i++) client.Post(RiskCheck(i));
            await client.FlushAsync();
        }
        Assert.Equal((10, 10), await StoredAsync());
        Assert.Equal(2, _network.Requests);   // the first was stored, its answer lost; the repeat got the receipts
    }

    [Fact]
    public async Task PortalUnreachable_EventsWaitInTheSpool_AndArriveOnceItIsBack_EvenForTheNextClient()
    {
        _network.Down = true;
        await using (var client = Client(retryFor: TimeSpan.FromMilliseconds(300)))
        {
            for (var i = 0; i < 50; i++) client.Post(RiskCheck(i));
            await client.FlushAsync();
            Assert.Equal(50, client.Spooled);
            Assert.Equal(0, client.Stored);
            Assert.Contains("unreachable", client.LastError);
        }
        Assert.NotEmpty(Directory.GetFiles(_spool, "spool-*.ndjson"));
        Assert.Equal((0, 0), await StoredAsync());

        // The application restarts with the portal back: the new client sends what the old one spooled.
        _network.Down = false;
        await using (var client = Client())
        {
            client.Post(RiskCheck(50));
            await UntilAsync(async () => (await StoredAsync()).Entries == 51 && Directory.GetFiles(_spool, "spool-*.ndjson").Length == 0);
        }
        Assert.Equal((51, 51), await StoredAsync());
    }

    [Fact]
    public async Task InvalidEvent_IsKeptWithTheReason_AndTheRestOfItsRequestIsStored()
    {
        await using (var client = Client())
        {
            client.Post(RiskCheck(1));
            client.Post(new PortalEvent("RISK", ""));   // an empty event name: refused, naming its line
            client.Post(RiskCheck(2));
            await client.FlushAsync();
            Assert.Equal(1, client.Rejected);
            Assert.Equal(2, client.Stored);
        }
        Assert.Equal((2, 2), await StoredAsync());
        var rejected = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_spool, "rejected.ndjson")));
        Assert.Contains("event", rejected);
        Assert.Contains("\"log_type\":\"RISK\"", rejected);
    }

    [Fact]
    public async Task LoggerProvider_TurnsStructuredLogRecordsIntoEvents_ByCategoryAndEventName()
    {
        await using (var client = Client())
        {
            using var provider = new PortalLoggerProvider(client, new PortalLoggerOptions
            {
                LogTypes = new Dictionary<string, string> { ["Risk"] = "RISK" },
            });
            var logger = provider.CreateLogger("Risk.Limits");
            logger.LogWarning(new Microsoft.Extensions.Logging.EventId(7, "limit_exceeded"), "Delta {check} over {limit} on {asset}", "delta_limit", 0.25, "QQQ");
            logger.LogDebug("not sent below Information");
            provider.CreateLogger("Scheduler").LogInformation("Heartbeat {beat}", 1);   // not a Risk category: the default type
            await client.FlushAsync();
        }

        await using var connection = new NpgsqlConnection(_db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT log_type, event, event_data ->> 'check', (event_data ->> 'limit')::numeric, event_data ->> 'asset', event_data ->> 'level', event_data ->> 'logger', event_data ->> 'message' " +
            "FROM audit_log WHERE source = 'key:risk-engine' ORDER BY seq", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("RISK", "limit_exceeded", "delta_limit", 0.25m, "QQQ", "WARNING", "Risk.Limits", "Delta delta_limit over 0.25 on QQQ"),
            (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDecimal(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7)));
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("SYSTEM", "Heartbeat {beat}", "INFO"), (reader.GetString(0), reader.GetString(1), reader.GetString(5)));
        Assert.False(await reader.ReadAsync());
    }

    /// <summary>The test's network: down (connection refused), or losing the next answers after the portal got the request.</summary>
    private sealed class NetworkSwitch : DelegatingHandler
    {
        public volatile bool Down;
        public int LoseAnswers;
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (Down) throw new HttpRequestException("portal unreachable (test network down)");
            Interlocked.Increment(ref _requests);
            var response = await base.SendAsync(request, ct);
            if (Interlocked.Decrement(ref LoseAnswers) >= 0)
            {
                response.Dispose();
                throw new HttpRequestException("connection reset before the answer (test)");
            }
            return response;
        }
    }
}

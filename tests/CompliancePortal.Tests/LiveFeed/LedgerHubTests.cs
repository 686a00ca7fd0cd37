using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.LiveFeed;
using CompliancePortal.LiveFeed;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.LiveFeed;

/// <summary>
/// /hubs/ledger against real portals on Kestrel and a real PostgreSQL: pushes reach clients of
/// every instance, reconnecting clients fill their gap with Since(), and only feed viewers connect.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LedgerHubTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
    private readonly List<IAsyncDisposable> _disposables = [];
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await postgres.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_disposables)) await d.DisposeAsync();
    }

    private (PortalFactory Factory, Uri Address) StartPortal(Action<Microsoft.AspNetCore.Hosting.IWebHostBuilder>? configure = null)
    {
        var factory = new PortalFactory(_db, configure);
        _disposables.Add(factory);
        return (factory, factory.UseRealServer());
    }

    private async Task<(HubConnection Connection, EntryLog Log)> ConnectAsync(PortalFactory factory, Uri address, string role = UserRoles.PortfolioManager)
    {
        var client = await HubClients.ConnectAsync(factory, address, role);
        _disposables.Add(client.Connection);
        return client;
    }

    private static async Task<long> PostTradeAsync(PortalFactory factory, string key, int n, string asset = "QQQ")
    {
        using var http = factory.CreateClient();
        var response = await http.PostJsonAsync(IngestClient.Trade(n, asset: asset), key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("receipts")[0].GetProperty("seq").GetInt64();
    }

    [Fact]
    public async Task Post_ThroughEitherInstance_ReachesHubClientsOfBothInstancesWithinOneSecond()
    {
        var (a, addressA) = StartPortal();
        var (b, addressB) = StartPortal();
        var key = await a.CreateKeyAsync("trading", [.. LogTypes.All]);
        var (_, logA) = await ConnectAsync(a, addressA);
        var (_, logB) = await ConnectAsync(b, addressB);

        // The first push on each instance pays for JIT and connection set-up; the contract is steady state.
        var warmUp = await PostTradeAsync(a, key, 1);
        await Task.WhenAll(logA.WaitForAsync(warmUp), logB.WaitForAsync(warmUp)).WaitAsync(TimeSpan.FromSeconds(10));

        var viaA = await PostTradeAsync(a, key, 2, "SPY");
        var atA = await logA.WaitForAsync(viaA).WaitAsync(OneSecond);
        var atB = await logB.WaitForAsync(viaA).WaitAsync(OneSecond);

        var viaB = await PostTradeAsync(b, key, 3, "IWM");
        await Task.WhenAll(logA.WaitForAsync(viaB), logB.WaitForAsync(viaB)).WaitAsync(OneSecond);

        Assert.Equal((atA.Seq, atA.CurrentHash, atA.Timestamp), (atB.Seq, atB.CurrentHash, atB.Timestamp));
        Assert.Equal("TRADE", atA.LogType);
        Assert.Equal("trade_executed", atA.Event);
        Assert.Equal("TRD-2024-10-08-000002", atA.Text("trade_id"));
        Assert.Equal("SPY", atB.Text("asset"));
        Assert.Equal("8.52", atB.Text("fill_price"));
        Assert.Equal(await _db.ScalarAsync($"SELECT current_hash FROM audit_log WHERE seq = {viaA}"), atA.CurrentHash);
        // Each client got each entry once, in seq order.
        foreach (var log in new[] { logA, logB })
        {
            var seqs = log.Received.Select(e => e.Seq).ToList();
            Assert.Equal(seqs.Distinct().Order(), seqs);
        }
    }

    [Fact]
    public async Task Since_AfterForcedDisconnect_LeavesClientWithEveryLedgerRowOnce()
    {
        var (portal, address) = StartPortal();
        var key = await portal.CreateKeyAsync("trading", [.. LogTypes.All]);
        var (connection, log) = await ConnectAsync(portal, address);
        // The client keeps entries by seq: one both returned by Since and pushed is held once.
        var held = new SortedDictionary<long, FeedEntry>();
        void Hold(IEnumerable<FeedEntry> entries)
        {
            foreach (var e in entries)
            {
                if (held.TryGetValue(e.Seq, out var same)) Assert.Equal(same.CurrentHash, e.CurrentHash);
                else held.Add(e.Seq, e);
            }
        }

        // What the client holds: everything from the start (Since(0)), then the live pushes.
        Hold(await SinceAllAsync(connection, 0));
        long last = 0;
        for (var i = 0; i < 5; i++) last = await PostTradeAsync(portal, key, i);
        await log.WaitForAsync(last).WaitAsync(TimeSpan.FromSeconds(10));
        Hold(log.Received);
        var lastSeen = held.Keys.Max();

        await connection.StopAsync();
        var missed = new List<long>();
        for (var i = 10; i < 17; i++) missed.Add(await PostTradeAsync(portal, key, i, i % 2 == 0 ? "SPY" : "QQQ"));
        var pushedBefore = log.Received.Count;

        await connection.StartAsync();
        var filled = await SinceAllAsync(connection, lastSeen);
        Hold(filled);
        var after = await PostTradeAsync(portal, key, 20);
        await log.WaitForAsync(after).WaitAsync(TimeSpan.FromSeconds(10));
        Hold(log.Received.Skip(pushedBefore));

        Assert.Subset(filled.Select(e => e.Seq).ToHashSet(), missed.ToHashSet());
        var ledger = await LedgerRowsAsync();
        Assert.Equal(ledger, held.Values.Select(e => (e.Seq, e.CurrentHash)).ToList());
        var pushed = log.Received.Select(e => e.Seq).ToList();
        Assert.Equal(pushed.Distinct().Count(), pushed.Count);
    }

    [Fact]
    public async Task Connect_WithoutSignIn_IsRefusedWith401()
    {
        var (_, address) = StartPortal();
        await using var connection = HubClients.Build(address, cookies: null);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData(UserRoles.Employee)]
    [InlineData(UserRoles.Auditor)]
    public async Task Connect_AsRoleOutsideFeedViewers_IsRefusedWith403(string role)
    {
        var (portal, address) = StartPortal();
        var user = await portal.CreateUserAsync(role);
        await using var connection = HubClients.Build(address, await HubClients.SignInAsync(address, user));

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Recent_WithTradeLogType_ReturnsLastTradesOldestFirstWithFeedFieldsOnly()
    {
        var (portal, address) = StartPortal();
        var key = await portal.CreateKeyAsync("trading", [.. LogTypes.All]);
        using (var http = portal.CreateClient())
        {
            var lines = Enumerable.Range(1, 60).Select(n => IngestClient.Trade(n)).Append(
                """{"log_type":"SYSTEM","event":"api_call","latency_ms":145,"executing_user":"x"}""");
            Assert.Equal(HttpStatusCode.OK, (await http.PostNdJsonAsync(lines, key)).StatusCode);
        }
        var (connection, _) = await ConnectAsync(portal, address, UserRoles.ComplianceOfficer);

        var trades = await connection.InvokeAsync<List<FeedEntry>>(nameof(LedgerHub.Recent), 50, LogTypes.Trade);
        var all = await connection.InvokeAsync<List<FeedEntry>>(nameof(LedgerHub.Recent), 3, null);

        Assert.Equal(50, trades.Count);
        Assert.All(trades, t => Assert.Equal(LogTypes.Trade, t.LogType));
        Assert.Equal(Enumerable.Range(11, 50).Select(n => $"TRD-2024-10-08-{n:D6}"), trades.Select(t => t.Text("trade_id")));
        Assert.Equal(trades.Select(t => t.Seq).Order(), trades.Select(t => t.Seq));
        Assert.Equal(["action", "asset", "fill_price", "quantity", "trade_id"], trades[0].Data.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(all, e => e.Event == "api_call" && e.Number("latency_ms") == 145 && !e.Data.ContainsKey("executing_user"));
    }

    [Fact]
    public async Task Follower_AfterItsListenConnectionIsKilled_ReconnectsAndDeliversWhatAnotherInstanceCommitted()
    {
        // A's fallback poll is an hour away: only NOTIFY (or the catch-up read after a reconnect) can deliver.
        var (a, addressA) = StartPortal(w => w.UseSetting("LiveFeed:PollIntervalMilliseconds", "3600000"));
        var (b, _) = StartPortal();
        var key = await a.CreateKeyAsync("trading", [.. LogTypes.All]);
        var follower = a.Services.GetRequiredService<LedgerFollower>();
        var (_, log) = await ConnectAsync(a, addressA);
        var before = await PostTradeAsync(b, key, 1);
        await log.WaitForAsync(before).WaitAsync(TimeSpan.FromSeconds(10));
        var sessions = follower.ListenSessions;

        await _db.ExecuteAsAdminAsync(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{LedgerFollower.ListenerApplicationName}' AND datname = '{_db.Name}'");
        var whileDown = await PostTradeAsync(b, key, 2);

        await log.WaitForAsync(whileDown).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(follower.ListenSessions > sessions, "the follower opened a new LISTEN connection");
        var afterReconnect = await PostTradeAsync(b, key, 3);
        await log.WaitForAsync(afterReconnect).WaitAsync(TimeSpan.FromSeconds(5));
    }

    private static async Task<List<FeedEntry>> SinceAllAsync(HubConnection connection, long seq)
    {
        var all = new List<FeedEntry>();
        while (true)
        {
            var page = await connection.InvokeAsync<List<FeedEntry>>(nameof(LedgerHub.Since), seq);
            all.AddRange(page);
            if (page.Count == 0) return all;
            seq = page[^1].Seq;
        }
    }

    private async Task<List<(long, string)>> LedgerRowsAsync()
    {
        await using var ds = _db.AppDataSource();
        await using var cmd = ds.CreateCommand("SELECT seq, current_hash FROM audit_log ORDER BY seq");
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(long, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }
}

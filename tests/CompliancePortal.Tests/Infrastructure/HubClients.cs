using System.Net;
using CompliancePortal.Core.LiveFeed;
using CompliancePortal.LiveFeed;
using Microsoft.AspNetCore.SignalR.Client;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// SignalR clients of /hubs/ledger against a portal on a real Kestrel port, signed in the way
/// a browser is: the sign-in form sets the auth cookie, which the hub connection then sends.
/// </summary>
public static class HubClients
{
    /// <summary>Signs <paramref name="userName"/> in through the form and returns the cookies it got.</summary>
    public static async Task<CookieContainer> SignInAsync(Uri portal, string userName)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = portal };
        using var response = await PortalUsers.PostSignInAsync(http, await PortalUsers.SignInFormTokenAsync(http), userName, PortalUsers.Password);
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
            throw new InvalidOperationException($"sign-in as {userName} failed: {(int)response.StatusCode} {response.Headers.Location}");
        return cookies;
    }

    /// <summary>A hub connection (not started) sending <paramref name="cookies"/>, or none.</summary>
    public static HubConnection Build(Uri portal, CookieContainer? cookies) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(portal, LedgerHub.Path), o =>
            {
                if (cookies is not null) o.Cookies = cookies;
            })
            .Build();

    /// <summary>A started hub connection for a new user in <paramref name="role"/>, collecting pushed entries.</summary>
    public static async Task<(HubConnection Connection, EntryLog Log)> ConnectAsync(PortalFactory factory, Uri portal, string role)
    {
        var user = await factory.CreateUserAsync(role);
        var connection = Build(portal, await SignInAsync(portal, user));
        var log = new EntryLog();
        connection.On<FeedEntry>(LedgerHub.EntryMessage, log.Add);
        await connection.StartAsync();
        return (connection, log);
    }
}

/// <summary>Every "entry" message a client received, in arrival order, with waits for a given seq.</summary>
public sealed class EntryLog
{
    private readonly Lock _lock = new();
    private readonly List<FeedEntry> _received = [];
    private readonly List<(long Seq, TaskCompletionSource<FeedEntry> Done)> _waiters = [];

    public IReadOnlyList<FeedEntry> Received
    {
        get { lock (_lock) return [.. _received]; }
    }

    public void Add(FeedEntry entry)
    {
        lock (_lock)
        {
            _received.Add(entry);
            foreach (var w in _waiters.Where(w => w.Seq == entry.Seq).ToList())
            {
                w.Done.TrySetResult(entry);
                _waiters.Remove(w);
            }
        }
    }

    /// <summary>Completes when the entry with <paramref name="seq"/> has arrived (now or later).</summary>
    public Task<FeedEntry> WaitForAsync(long seq)
    {
        lock (_lock)
        {
            var seen = _received.FirstOrDefault(e => e.Seq == seq);
            if (seen is not null) return Task.FromResult(seen);
            var done = new TaskCompletionSource<FeedEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((seq, done));
            return done.Task;
        }
    }
}

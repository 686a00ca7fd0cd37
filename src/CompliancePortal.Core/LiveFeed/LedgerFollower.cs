using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.LiveFeed;

/// <summary>
/// Follows the ledger for the live feed on this portal instance. The entries this process's
/// writer commits are handed over in memory (<see cref="LedgerCommitSignal"/>) and published
/// as they are. Everything else is read from the ledger by seq after the last one published:
/// a PostgreSQL NOTIFY on <see cref="LedgerAppender.NotifyChannel"/> (sent inside every
/// appending transaction, so it reaches every instance, and only after the commit) that the
/// hand-overs have not caught up with shortly after, a hand-over that does not follow on, and
/// a fallback poll. Because commits extend the chain in seq order under the chain-head lock,
/// reading by seq never skips or repeats a row, even when notifications are lost or merged.
/// </summary>
public sealed class LedgerFollower(
    LedgerFeedQueries queries,
    PortalConnections connections,
    LedgerCommitSignal committed,
    LedgerFeed feed,
    IOptions<LiveFeedOptions> options,
    ILogger<LedgerFollower> logger) : BackgroundService
{
    /// <summary>The LISTEN connection's application_name (visible in pg_stat_activity).</summary>
    public const string ListenerApplicationName = "cp-ledger-listener";

    /// <summary>How long a NOTIFY waits for the in-memory hand-over of the same commit before the ledger is read.</summary>
    private static readonly TimeSpan NotifyGrace = TimeSpan.FromMilliseconds(50);

    private LedgerInbox? _inbox;

    /// <summary>The highest seq a NOTIFY announced.</summary>
    private long _notified;

    /// <summary>1 when the ledger must be read whatever was announced (a LISTEN connection was just opened).</summary>
    private int _readRequested;

    private int _listening;

    /// <summary>True while the LISTEN connection is open (tests wait for it).</summary>
    public bool IsListening => Volatile.Read(ref _listening) == 1;

    private int _listenSessions;

    /// <summary>How many LISTEN connections were opened so far (a reconnect makes it grow).</summary>
    public int ListenSessions => Volatile.Read(ref _listenSessions);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var inbox = _inbox = committed.Follow();
        var last = await StartingSeqAsync(stoppingToken);
        if (stoppingToken.IsCancellationRequested) return;
        var listen = ListenAsync(stoppingToken);
        var pageSize = Math.Min(o.PageSize, o.MaxEntriesPerCall);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var handed = await inbox.TakeAsync(TimeSpan.FromMilliseconds(o.PollIntervalMilliseconds), stoppingToken);
                // A hand-over that follows on is published as it is; a wake-up reads the ledger
                // only if a NOTIFY announced more than is published; the poll always reads.
                var following = handed is { Count: > 0 } ? LedgerInbox.FollowingOn(handed, last) : null;
                if (following is { Count: > 0 }) last = await PublishHandedAsync(following, last);
                else if (following is null && (handed is null or { Count: > 0 } || Interlocked.Read(ref _notified) > last
                                                 || Interlocked.Exchange(ref _readRequested, 0) == 1))
                    last = await PublishNewAsync(last, pageSize, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await listen;
    }

    private async Task<long> PublishHandedAsync(IReadOnlyList<CommittedEntry> entries, long last)
    {
        try
        {
            await feed.PublishAsync([.. entries.Select(FeedEntry.From)]);
            return entries[^1].Seq;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Live feed could not publish entries {First}..{Last}", entries[0].Seq, entries[^1].Seq);
            return last;
        }
    }

    /// <summary>A NOTIFY: remember its seq and wake the loop once the hand-over of the same commit has had time to arrive.</summary>
    private void Notified(string payload)
    {
        if (long.TryParse(payload, System.Globalization.CultureInfo.InvariantCulture, out var seq))
        {
            long seen;
            while ((seen = Interlocked.Read(ref _notified)) < seq && Interlocked.CompareExchange(ref _notified, seq, seen) != seen) { }
        }
        else Interlocked.Exchange(ref _readRequested, 1);
        _ = Task.Delay(NotifyGrace).ContinueWith(_ => _inbox?.Wake(), TaskScheduler.Default);
    }

    /// <summary>Subscribers get what is committed from now on; history comes from <see cref="IFeedHistory"/>.</summary>
    private async Task<long> StartingSeqAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                return await queries.HeadSeqAsync(ct);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Live feed cannot read the chain head yet; retrying");
                await DelayAsync(TimeSpan.FromMilliseconds(options.Value.ReconnectDelayMilliseconds), ct);
            }
        }
        return 0;
    }

    private async Task<long> PublishNewAsync(long last, int pageSize, CancellationToken ct)
    {
        try
        {
            IReadOnlyList<FeedEntry> page;
            do
            {
                page = await queries.SinceAsync(last, pageSize, ct);
                if (page.Count == 0) break;
                await feed.PublishAsync(page);
                last = page[^1].Seq;
            } while (page.Count == pageSize);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The next wake-up (at the latest the poll) retries from the same seq.
            logger.LogWarning(ex, "Live feed could not read the ledger after seq {Seq}", last);
        }
        return last;
    }

    /// <summary>A dedicated, unpooled connection that LISTENs, reopened after any drop.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connections.App)
        {
            Pooling = false,
            ApplicationName = ListenerApplicationName,
            KeepAlive = 30,   // a silently dead peer is noticed, not waited on forever
        };
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, e) => Notified(e.Payload);
                await connection.OpenAsync(ct);
                await using (var cmd = new NpgsqlCommand($"LISTEN {LedgerAppender.NotifyChannel}", connection))
                    await cmd.ExecuteNonQueryAsync(ct);
                Interlocked.Increment(ref _listenSessions);
                Volatile.Write(ref _listening, 1);
                Notified("");   // anything committed while no LISTEN was open
                while (true) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _listening, 0);
                logger.LogWarning(ex, "Live feed lost its LISTEN connection; reconnecting");
                await DelayAsync(TimeSpan.FromMilliseconds(options.Value.ReconnectDelayMilliseconds), ct);
            }
            finally
            {
                Volatile.Write(ref _listening, 0);
            }
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); }
        catch (OperationCanceledException) { }
    }
}

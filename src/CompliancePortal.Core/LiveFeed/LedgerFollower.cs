using System.Threading.Channels;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.LiveFeed;

/// <summary>
/// Follows the ledger for the live feed on this portal instance. Three things wake it: a
/// PostgreSQL NOTIFY on <see cref="LedgerAppender.NotifyChannel"/> (sent inside every appending
/// transaction, so it reaches every instance, and only after the commit), the in-process
/// <see cref="LedgerCommitSignal"/>, and a fallback poll. Whatever woke it, it reads the rows
/// after the last seq it published, in seq order, and publishes them to <see cref="LedgerFeed"/>.
/// Because appends hold the chain-head lock until commit, rows become visible in seq order, so
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

    // One pending wake-up is enough: a read after it picks up everything committed before it.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private int _listening;

    /// <summary>True while the LISTEN connection is open (tests wait for it).</summary>
    public bool IsListening => Volatile.Read(ref _listening) == 1;

    private int _listenSessions;

    /// <summary>How many LISTEN connections were opened so far (a reconnect makes it grow).</summary>
    public int ListenSessions => Volatile.Read(ref _listenSessions);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var last = await StartingSeqAsync(stoppingToken);
        if (stoppingToken.IsCancellationRequested) return;
        var listen = ListenAsync(stoppingToken);
        var signals = SignalsAsync(TimeSpan.FromMilliseconds(o.PollIntervalMilliseconds), stoppingToken);
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                last = await PublishNewAsync(last, Math.Min(o.PageSize, o.MaxEntriesPerCall), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(listen, signals);
    }

    private void Wake() => _wake.Writer.TryWrite(true);

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

    /// <summary>In-process commits wake the reader at once; the timeout doubles as the fallback poll.</summary>
    private async Task SignalsAsync(TimeSpan poll, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await committed.WaitAsync(poll, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Wake();
        }
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
                connection.Notification += (_, _) => Wake();
                await connection.OpenAsync(ct);
                await using (var cmd = new NpgsqlCommand($"LISTEN {LedgerAppender.NotifyChannel}", connection))
                    await cmd.ExecuteNonQueryAsync(ct);
                Interlocked.Increment(ref _listenSessions);
                Volatile.Write(ref _listening, 1);
                Wake();   // anything committed while no LISTEN was open
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

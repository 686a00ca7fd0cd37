using System.Threading.Channels;

namespace CompliancePortal.Core.Ledger;

/// <summary>An entry as its writer committed it: what in-process followers need without reading it back.</summary>
public sealed record CommittedEntry(long Seq, string Source, LedgerEvent Event, byte[] Canonical, string PreviousHash, string CurrentHash);

/// <summary>
/// Tells in-process followers of the ledger (file log, live feed) about commits. The batching
/// writer hands over the entries it committed, in seq order, so a follower that is level with
/// them need not read them back; other commits (a workflow's LedgerTransaction) only wake them.
/// Followers still read the database whenever what they are handed does not follow on from
/// what they hold (entries from another process, a hand-over dropped because they were busy),
/// so a lost or skipped hand-over only costs a read.
/// </summary>
public sealed class LedgerCommitSignal
{
    private readonly Lock _lock = new();
    private LedgerInbox[] _inboxes = [];

    /// <summary>Wakes followers after a commit whose entries are not handed over.</summary>
    public void Signal() => Publish([]);

    /// <summary>Hands committed entries (ascending seq) to every follower.</summary>
    public void Publish(IReadOnlyList<CommittedEntry> entries)
    {
        foreach (var inbox in Volatile.Read(ref _inboxes)) inbox.Put(entries);
    }

    /// <summary>A follower's inbox: hand-overs and wake-ups (empty lists), bounded, newest dropped when full.</summary>
    public LedgerInbox Follow()
    {
        var inbox = new LedgerInbox();
        lock (_lock) _inboxes = [.. _inboxes, inbox];
        return inbox;
    }
}

/// <summary>What one follower has been handed and not yet taken. An empty list is a wake-up.</summary>
public sealed class LedgerInbox
{
    // A follower that falls this far behind reads the database instead.
    private readonly Channel<IReadOnlyList<CommittedEntry>> _channel = Channel.CreateBounded<IReadOnlyList<CommittedEntry>>(
        new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    internal void Put(IReadOnlyList<CommittedEntry> entries) => _channel.Writer.TryWrite(entries);

    /// <summary>Wakes the follower (for a commit seen another way, e.g. a NOTIFY or a poll).</summary>
    public void Wake() => _channel.Writer.TryWrite([]);

    /// <summary>The next hand-over or wake-up, or null when nothing came within <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<CommittedEntry>?> TakeAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_channel.Reader.TryRead(out var ready)) return ready;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            return await _channel.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The entries of a hand-over that follow <paramref name="last"/>, if they follow on from it without a gap.</summary>
    public static IReadOnlyList<CommittedEntry>? FollowingOn(IReadOnlyList<CommittedEntry> entries, long last)
    {
        var skip = 0;
        while (skip < entries.Count && entries[skip].Seq <= last) skip++;
        if (skip == entries.Count) return [];
        return entries[skip].Seq == last + 1 ? entries.Skip(skip).ToList() : null;
    }
}

using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Core.Audit;

/// <summary>Who did something in the portal, and from where.</summary>
public sealed record Actor(string UserName, string? IpAddress = null, string? SessionId = null)
{
    public string Source => $"user:{UserName}";
}

/// <summary>
/// The portal audits its own users: sign-ins, searches, views, exports, user and key changes
/// are COMPLIANCE entries in the same ledger, written through the one writer. Callers await
/// the commit, so an action is not shown as done before its record exists.
/// </summary>
public sealed class UserActionLog(LedgerWriter writer, LedgerCommitSignal signal, TimeProvider time)
{
    public async Task<LedgerReceipt> RecordAsync(Actor actor, string @event, object data, string logType = LogTypes.Compliance)
    {
        var receipts = await writer.AppendAsync(actor.Source, [Build(actor, @event, data, logType)]);
        return receipts[0];
    }

    /// <summary>
    /// Writes the entry inside the caller's open transaction on <paramref name="connection"/>, so a
    /// workflow's state change and its ledger entry commit together or not at all. Call
    /// <see cref="Committed"/> after the commit to wake the ledger's followers.
    /// </summary>
    public async Task<LedgerReceipt> RecordInTransactionAsync(NpgsqlConnection connection, Actor actor, string @event, object data,
        string logType = LogTypes.Compliance, CancellationToken ct = default)
    {
        var receipts = await LedgerAppender.AppendAsync(connection, [new AppendRequest(actor.Source, [Build(actor, @event, data, logType)])], ct);
        return receipts[0][0];
    }

    /// <summary>
    /// Several entries of one actor through the batching writer, each with its own idempotency id
    /// (the ledger's event_id): recording one again returns its first receipt and stores nothing.
    /// </summary>
    public Task<IReadOnlyList<LedgerReceipt>> RecordAllAsync(Actor actor, IReadOnlyList<(string Event, object Data, string EventId)> entries,
        string logType = LogTypes.Compliance) =>
        writer.AppendAsync(actor.Source, [.. entries.Select(e => Build(actor, e.Event, e.Data, logType, e.EventId))]);

    public void Committed() => signal.Signal();

    private LedgerEvent Build(Actor actor, string @event, object data, string logType, string? eventId = null)
    {
        var now = CanonicalEntry.ToMicroseconds(time.GetUtcNow());
        return new LedgerEvent(logType, @event, now, eventId, actor.UserName, actor.IpAddress, actor.SessionId,
            LedgerEntryJson.Serialize(data), now);
    }
}

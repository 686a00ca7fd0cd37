using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Core.Audit;

/// <summary>Who did something in the portal, and from where.</summary>
public sealed record Actor(string UserName, string? IpAddress = null, string? SessionId = null)
{
    public string Source => $"user:{UserName}";
}

/// <summary>
/// The portal audits its own users: sign-ins, searches, views, exports, user and key changes
/// are COMPLIANCE entries in the same ledger, built here from the <see cref="Actor"/> and
/// written through <see cref="ILedgerAppend"/>: by the batching writer, or inside a workflow's
/// <see cref="LedgerTransaction"/> so the change and its entry commit together. Callers await
/// the commit, so an action is not shown as done before its record exists.
/// </summary>
public sealed class UserActionLog(ILedgerAppend ledger, TimeProvider time)
{
    public async Task<LedgerReceipt> RecordAsync(Actor actor, string @event, object data, string logType = LogTypes.Compliance)
    {
        var receipts = await ledger.AppendAsync(actor.Source, [Build(actor, @event, data, logType)]);
        return receipts[0];
    }

    /// <summary>
    /// Writes the entry inside the workflow's open <paramref name="transaction"/>, so its state
    /// change and its ledger entry commit together or not at all. The receipt holds once the
    /// transaction commits (<see cref="LedgerTransaction.CommitAsync"/>, which also wakes the followers).
    /// </summary>
    public async Task<LedgerReceipt> RecordAsync(LedgerTransaction transaction, Actor actor, string @event, object data,
        string logType = LogTypes.Compliance, CancellationToken ct = default)
    {
        var receipts = await transaction.AppendAsync(actor.Source, [Build(actor, @event, data, logType)], ct);
        return receipts[0];
    }

    /// <summary>
    /// Several entries of one actor through the batching writer, each with its own idempotency id
    /// (the ledger's event_id): recording one again returns its first receipt and stores nothing.
    /// </summary>
    public Task<IReadOnlyList<LedgerReceipt>> RecordAllAsync(Actor actor, IReadOnlyList<(string Event, object Data, string EventId)> entries,
        string logType = LogTypes.Compliance) =>
        ledger.AppendAsync(actor.Source, [.. entries.Select(e => Build(actor, e.Event, e.Data, logType, e.EventId))]);

    private LedgerEvent Build(Actor actor, string @event, object data, string logType, string? eventId = null)
    {
        var now = CanonicalEntry.ToMicroseconds(time.GetUtcNow());
        return new LedgerEvent(logType, @event, now, eventId, actor.UserName, actor.IpAddress, actor.SessionId,
            LedgerEntryJson.Serialize(data), now);
    }
}

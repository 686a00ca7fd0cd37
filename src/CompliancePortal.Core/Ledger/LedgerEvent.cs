namespace CompliancePortal.Core.Ledger;

/// <summary>
/// One validated event on its way into the ledger. <see cref="DataJson"/> is the event's own
/// fields (everything but the envelope) as a UTF-8 JSON object, values kept exactly as received.
/// </summary>
public sealed record LedgerEvent(
    string LogType,
    string Event,
    DateTimeOffset? Timestamp,
    string? EventId,
    string? UserId,
    string? IpAddress,
    string? SessionId,
    byte[] DataJson,
    DateTimeOffset ReceivedAt);

/// <summary>What a writer gets back once its events are committed.</summary>
public sealed record LedgerReceipt(long Seq, string Hash, string? EventId, bool Duplicate);

using System.Text.Json;
using CompliancePortal.Core.Ledger;

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
public sealed class UserActionLog(LedgerWriter writer, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async Task<LedgerReceipt> RecordAsync(Actor actor, string @event, object data, string logType = LogTypes.Compliance)
    {
        var now = CanonicalEntry.ToMicroseconds(time.GetUtcNow());
        var e = new LedgerEvent(logType, @event, now, null, actor.UserName, actor.IpAddress, actor.SessionId,
            JsonSerializer.SerializeToUtf8Bytes(data, Json), now);
        var receipts = await writer.AppendAsync(actor.Source, [e]);
        return receipts[0];
    }
}

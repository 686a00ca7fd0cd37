using System.Text.Json;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Core.Search;

public enum DetailStatus { Found, NotFound, OutsidePeriod }

/// <summary>Everything stored about one entry, and the entries sharing its trade_id or request_id.</summary>
public sealed record EventDetail(
    AuditRow Row, string PreviousHash, string? EventId, string? IpAddress, string? SessionId,
    string Canonical, IReadOnlyList<AuditRow> Related);

public sealed record DetailResult(DetailStatus Status, EventDetail? Detail);

public sealed partial class AuditSearch
{
    public const int MaxRelated = 20;

    /// <summary>
    /// One entry by seq. An entry outside the reader's period is refused (no data returned); the
    /// view, or the refused attempt, is recorded before the answer.
    /// </summary>
    public async Task<DetailResult> GetAsync(RecordReader reader, long seq, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        EventDetail? detail = null;
        await using (var cmd = new NpgsqlCommand(
            $"SELECT {AuditSql.Columns}, previous_hash, event_id, ip_address, session_id, convert_from(canonical, 'UTF8') FROM audit_log WHERE seq = $1", connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
                detail = new EventDetail(ReadRow(r), r.GetString(9), Text(r, 10), Text(r, 11), Text(r, 12), r.GetString(13), []);
        }

        var status = detail is null ? DetailStatus.NotFound
            : reader.MaySee(detail.Row.Timestamp) ? DetailStatus.Found
            : DetailStatus.OutsidePeriod;
        await log.RecordAsync(reader.Actor, "event_viewed", new
        {
            seq,
            outcome = status switch { DetailStatus.Found => "shown", DetailStatus.NotFound => "not_found", _ => "refused_outside_period" },
            scope = reader.Scope,
        });
        if (status != DetailStatus.Found) return new DetailResult(status, null);

        var related = await RelatedAsync(connection, reader, detail!.Row, ct);
        return new DetailResult(status, detail with { Related = related });
    }

    /// <summary>
    /// Re-checks one entry from its stored bytes and its links to both neighbours. Null when the
    /// entry does not exist or is outside the reader's period. Recorded like a view.
    /// </summary>
    public async Task<EntryVerification?> VerifyAsync(RecordReader reader, long seq, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        DateTimeOffset? timestamp = null;
        await using (var cmd = new NpgsqlCommand("SELECT \"timestamp\" FROM audit_log WHERE seq = $1", connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
            if (await cmd.ExecuteScalarAsync(ct) is DateTime t) timestamp = new DateTimeOffset(t, TimeSpan.Zero);
        }
        if (timestamp is null || !reader.MaySee(timestamp.Value))
        {
            await log.RecordAsync(reader.Actor, "event_verified", new { seq, outcome = "refused", scope = reader.Scope });
            return null;
        }
        var result = await LedgerVerifier.VerifyEntryAsync(connection, seq, ct);
        await log.RecordAsync(reader.Actor, "event_verified", new { seq, verified = result?.Verified, reason = result?.Reason, scope = reader.Scope });
        return result;
    }

    private static async Task<IReadOnlyList<AuditRow>> RelatedAsync(NpgsqlConnection connection, RecordReader reader, AuditRow row, CancellationToken ct)
    {
        using var data = JsonDocument.Parse(row.EventData);
        var links = new List<FieldFilter>();
        foreach (var key in (string[])["trade_id", "request_id"])
            if (data.RootElement.ValueKind == JsonValueKind.Object && data.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String)
                links.Add(new FieldFilter(key, v.GetString()!));
        if (links.Count == 0) return [];

        var related = new List<AuditRow>();
        foreach (var link in links)
        {
            // One keyed query per link so each uses its own partial index (trade_id, request_id).
            var sql = new AuditSql(reader, new AuditQuery { Fields = [link], OldestFirst = true });
            sql.Except(row.Seq);
            await using var cmd = sql.Command(connection, sql.Select(oldestFirst: true, MaxRelated));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var found = ReadRow(r);
                if (related.All(x => x.Seq != found.Seq)) related.Add(found);
            }
        }
        return [.. related.OrderBy(x => x.Timestamp).ThenBy(x => x.Seq).Take(MaxRelated)];
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

using System.Text.Json;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Merkle;
using Npgsql;

namespace CompliancePortal.Core.Packages;

/// <summary>
/// What a package reads from the ledger, streamed row by row with a single reader each: the
/// period's counts, its section entries and the chain segment. Every read stops at the head seq
/// the build started from.
/// </summary>
internal sealed class PackageLedgerReads(NpgsqlDataSource db)
{
    public async Task<long> HeadAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT seq FROM ledger_head WHERE id = 1");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The period's seq range and how many records each section will hold.</summary>
    public async Task<PeriodCounts> CountAsync(DateTimeOffset from, DateTimeOffset before, long head, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT min(seq), max(seq),
                   count(*) FILTER (WHERE log_type = 'TRADE' AND event = 'trade_executed'),
                   count(*) FILTER (WHERE log_type = 'NAV'),
                   count(*) FILTER (WHERE event ILIKE '%fee%'),
                   count(*) FILTER (WHERE log_type = 'RISK'),
                   count(*) FILTER (WHERE log_type = 'COMPLIANCE'),
                   count(*) FILTER (WHERE log_type = 'COMMUNICATION')
            FROM audit_log WHERE "timestamp" >= $1 AND "timestamp" < $2 AND seq <= $3
            """);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = before });
        cmd.Parameters.Add(new() { Value = head });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new PeriodCounts(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1),
            reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
    }

    /// <summary>
    /// The archived messages (archive key, SHA-256) of the period's <c>email_archived</c> entries, once
    /// each, in seq order. Only keys the email archive itself writes for that SHA-256 and the entry's
    /// own day are taken: an entry posted with an invented key, or one of another day (before ingest
    /// refused those), cannot pull another object, or another period's message, in.
    /// </summary>
    public async Task<List<(string Key, string Sha256)>> EmailMessagesAsync(DateTimeOffset from, DateTimeOffset before, long head, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            $"""
            SELECT event_data->>'archive_key', event_data->>'sha256', "timestamp" FROM audit_log
            WHERE "timestamp" >= $1 AND "timestamp" < $2 AND seq <= $3
              AND log_type = 'COMMUNICATION' AND event = '{Communications.EmailArchive.ArchivedEvent}'
            ORDER BY seq
            """);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = before });
        cmd.Parameters.Add(new() { Value = head });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var messages = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);   // a period may hold many thousands of messages
        while (await reader.ReadAsync(ct))
        {
            if (reader.IsDBNull(0) || reader.IsDBNull(1)) continue;
            var (key, sha) = (reader.GetString(0), reader.GetString(1));
            if (Communications.EmailArchive.KeyProblem(key, sha, reader.GetFieldValue<DateTimeOffset>(2)) is null && seen.Add(key)) messages.Add((key, sha));
        }
        return messages;
    }

    /// <summary>The canonical bytes of the period's entries matching <paramref name="filter"/>, one per line, in seq order.</summary>
    public async Task<long> WriteCanonicalLinesAsync(Stream output, string filter, DateTimeOffset from, DateTimeOffset before, long head,
        ProgressTracker tracker, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            $"""
            SELECT canonical FROM audit_log
            WHERE "timestamp" >= $1 AND "timestamp" < $2 AND seq <= $3 AND {filter}
            ORDER BY seq
            """);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = before });
        cmd.Parameters.Add(new() { Value = head });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        long count = 0;
        while (await reader.ReadAsync(ct))
        {
            var canonical = reader.GetFieldValue<byte[]>(0);
            await output.WriteAsync(canonical, ct);
            output.WriteByte((byte)'\n');
            count++;
            await tracker.AdvanceAsync(1);
        }
        return count;
    }

    /// <summary>
    /// Every entry from the period's first to its last seq, in seq order, with both hashes; the
    /// canonical bytes of entries whose timestamp is outside the period are withheld (their hashes
    /// still link the chain, and their leaf hash stands in for them in the Merkle tree), so the
    /// package holds only the period's records. An entry the retention job removed is there as its
    /// tombstone: hashes and leaf hash, marked purged.
    /// </summary>
    public async Task<LedgerSegment> WriteSegmentAsync(Stream output, PeriodCounts counts, DateTimeOffset from, DateTimeOffset before,
        ProgressTracker tracker, CancellationToken ct)
    {
        const string file = "ledger/ledger.ndjson";
        if (counts.FirstSeq is not { } first || counts.LastSeq is not { } last) return new LedgerSegment(file, null, null, null, null, 0, 0);
        await using var cmd = db.CreateCommand(
            """
            SELECT seq, "timestamp", canonical, previous_hash, current_hash, NULL::bytea FROM audit_log WHERE seq >= $1 AND seq <= $2
            UNION ALL
            SELECT seq, NULL, NULL, previous_hash, current_hash, leaf_hash FROM ledger_tombstones WHERE seq >= $1 AND seq <= $2
            ORDER BY 1
            """);
        cmd.Parameters.Add(new() { Value = first });
        cmd.Parameters.Add(new() { Value = last });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        long entries = 0, withheld = 0;
        string? firstPrevious = null, lastCurrent = null;
        while (await reader.ReadAsync(ct))
        {
            var purged = reader.IsDBNull(2);
            DateTimeOffset? timestamp = purged ? null : reader.GetFieldValue<DateTimeOffset>(1);
            var inPeriod = timestamp >= from && timestamp < before;
            var previous = reader.GetString(3);
            lastCurrent = reader.GetString(4);
            firstPrevious ??= previous;
            json.WriteStartObject();
            json.WriteNumber("seq", reader.GetInt64(0));
            if (timestamp is { } t) json.WriteString("timestamp", CanonicalEntry.FormatTime(t));
            else json.WriteNull("timestamp");
            json.WriteString("previous_hash", previous);
            json.WriteString("current_hash", lastCurrent);
            if (inPeriod) json.WriteString("canonical", reader.GetFieldValue<byte[]>(2));
            else
            {
                json.WriteNull("canonical");
                json.WriteBoolean("withheld", true);
                if (purged) json.WriteBoolean("purged", true);
                byte[]? leaf = purged ? (reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5)) : MerkleHash.Leaf(reader.GetFieldValue<byte[]>(2));
                if (leaf is null) json.WriteNull("leaf_hash");
                else json.WriteString("leaf_hash", Convert.ToHexStringLower(leaf));
                withheld++;
            }
            json.WriteEndObject();
            await json.FlushAsync(ct);
            json.Reset();
            output.WriteByte((byte)'\n');
            entries++;
            await tracker.AdvanceAsync(1);
        }
        return new LedgerSegment(file, first, last, firstPrevious, lastCurrent, entries, withheld);
    }
}

/// <summary>The period's first and last seq and its record counts per section.</summary>
internal sealed record PeriodCounts(long? FirstSeq, long? LastSeq, long TradesExecuted, long Nav, long Fees, long Risk, long Compliance, long Communications)
{
    public long Total(IReadOnlyCollection<string> sections) =>
        (FirstSeq is { } f && LastSeq is { } l ? l - f + 1 : 0)
        + (sections.Contains(PackageSections.TradeBlotters) ? TradesExecuted : 0)
        + (sections.Contains(PackageSections.NavCalculations) ? Nav : 0)
        + (sections.Contains(PackageSections.FeeCalculations) ? Fees : 0)
        + (sections.Contains(PackageSections.RiskEvents) ? Risk : 0)
        + (sections.Contains(PackageSections.ComplianceLogs) ? Compliance : 0)
        + (sections.Contains(PackageSections.EmailArchive) ? Communications : 0);
}

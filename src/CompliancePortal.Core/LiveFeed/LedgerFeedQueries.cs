using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.LiveFeed;

/// <summary>The feed's history: what a page shows on open and what a reconnecting client missed.</summary>
public interface IFeedHistory
{
    /// <summary>The last <paramref name="count"/> entries (of one log type, or all), in ascending seq order.</summary>
    Task<IReadOnlyList<FeedEntry>> RecentAsync(int count, string? logType, CancellationToken ct = default);

    /// <summary>Entries after <paramref name="seq"/> in ascending seq order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<FeedEntry>> SinceAsync(long seq, int limit, CancellationToken ct = default);
}

/// <summary>Reads feed entries from audit_log by seq. Counts are capped by <see cref="LiveFeedOptions.MaxEntriesPerCall"/>.</summary>
public sealed class LedgerFeedQueries(NpgsqlDataSource dataSource, IOptions<LiveFeedOptions> options) : IFeedHistory
{
    // The projection happens in the database: only the feed's fields leave it.
    private const string Columns =
        """
        seq, created_at, "timestamp", log_type, event, event_data ->> 'level',
        COALESCE((SELECT jsonb_object_agg(d.key, d.value) FROM jsonb_each(event_data) d WHERE d.key = ANY(@fields)), '{}'::jsonb)::text,
        current_hash
        """;

    private static readonly string[] Fields = [.. FeedFields.All];

    public async Task<IReadOnlyList<FeedEntry>> RecentAsync(int count, string? logType, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {Columns} FROM audit_log WHERE (@type::text IS NULL OR log_type = @type) ORDER BY seq DESC LIMIT @limit");
        cmd.Parameters.AddWithValue("type", NpgsqlTypes.NpgsqlDbType.Text, (object?)logType ?? DBNull.Value);
        cmd.Parameters.AddWithValue("limit", Math.Clamp(count, 0, options.Value.MaxEntriesPerCall));
        cmd.Parameters.AddWithValue("fields", Fields);
        var newestFirst = await ReadAsync(cmd, ct);
        newestFirst.Reverse();
        return newestFirst;
    }

    public async Task<IReadOnlyList<FeedEntry>> SinceAsync(long seq, int limit, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM audit_log WHERE seq > @after ORDER BY seq LIMIT @limit");
        cmd.Parameters.AddWithValue("after", seq);
        cmd.Parameters.AddWithValue("limit", Math.Clamp(limit, 0, options.Value.MaxEntriesPerCall));
        cmd.Parameters.AddWithValue("fields", Fields);
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The seq of the last committed entry (the chain head).</summary>
    public async Task<long> HeadSeqAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT seq FROM ledger_head WHERE id = 1");
        return (long)(await cmd.ExecuteScalarAsync(ct) ?? 0L);
    }

    private static async Task<List<FeedEntry>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var entries = new List<FeedEntry>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            using var data = JsonDocument.Parse(reader.GetString(6));
            entries.Add(new FeedEntry(
                reader.GetInt64(0),
                new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero),
                new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                data.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
                reader.GetString(7)));
        }
        return entries;
    }
}

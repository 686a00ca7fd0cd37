using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Retention;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Retention;

/// <summary>
/// A portal on its own database whose ledger starts with entries received on past days (appended
/// through the real appender with those receive times), an archive store in a temporary folder,
/// and the retention purger built with the test's hot windows.
/// </summary>
public abstract class RetentionTest(PostgresFixture postgres) : PortalTest(postgres)
{
    protected static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    protected static readonly Actor Officer = new("casey-cco");

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cp-retention-" + Guid.NewGuid().ToString("N")[..8]);

    protected LocalFolderArchiveStore Store => new(_root);

    protected DailyArchive Archive => new(Portal.Services.GetRequiredService<NpgsqlDataSource>(), Store);

    protected LegalHoldService Holds => Portal.Services.GetRequiredService<LegalHoldService>();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    protected RetentionPurger Purger(Dictionary<string, int> hotDays) => new(
        Db.Connections, Archive, Store, Portal.Services.GetRequiredService<ILedgerAppend>(), Portal.Services.GetRequiredService<UserActionLog>(),
        new RetentionOptions { HotDays = hotDays }, TimeProvider.System);

    /// <summary>Appends events received at 10:00 UTC on <paramref name="day"/>; returns their seqs in order.</summary>
    protected async Task<List<long>> AppendOnDayAsync(DateOnly day, params (string LogType, string Event, object Data)[] events)
    {
        var receivedAt = new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);
        var ledgerEvents = events.Select((e, i) => new LedgerEvent(e.LogType, e.Event, receivedAt.AddSeconds(i), null, "trader-1", null, null,
            JsonSerializer.SerializeToUtf8Bytes(e.Data), receivedAt.AddSeconds(i))).ToList();
        await using var connection = new NpgsqlConnection(Db.Connections.App);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var receipts = await LedgerAppender.AppendAsync(connection, [new AppendRequest("key:backfill", ledgerEvents)], CancellationToken.None);
        await tx.CommitAsync();
        return receipts[0].Select(r => r.Seq).ToList();
    }

    protected static (string, string, object) Trade(string asset) => ("TRADE", "trade_executed", new { asset, action = "SELL_PUT", quantity = 5 });

    protected static (string, string, object) ApiCall(int latency) => ("SYSTEM", "api_call", new { api = "ib", latency_ms = latency });

    protected static (string, string, object) Review() => ("COMPLIANCE", "annual_review", new { year = 2025 });

    protected async Task<List<long>> StoredSeqsAsync(string table = "audit_log")
    {
        await using var connection = new NpgsqlConnection(Db.Admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT seq FROM {table} ORDER BY seq", connection);
        var seqs = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) seqs.Add(reader.GetInt64(0));
        return seqs;
    }

    protected async Task<List<JsonElement>> LedgerDataAsync(string @event)
    {
        await using var connection = new NpgsqlConnection(Db.Admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT event_data::text FROM audit_log WHERE event = $1 ORDER BY seq", connection);
        cmd.Parameters.Add(new() { Value = @event });
        var data = new List<JsonElement>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var doc = JsonDocument.Parse(reader.GetString(0));
            data.Add(doc.RootElement.Clone());
        }
        return data;
    }

    protected async Task<VerificationResult> VerifyAsync()
    {
        await using var db = Db.AppDataSource();
        return await LedgerVerifier.VerifyAsync(db);
    }
}

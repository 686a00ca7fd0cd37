using System.Text;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Tests.Ledger;

/// <summary>
/// A workflow's own ledger transaction (<see cref="ILedgerAppend.BeginAsync(DbContext, CancellationToken)"/>)
/// against the real database, without a portal: what it appends is stored with the workflow's
/// changes and wakes the followers on commit, and nothing of it is stored when it is disposed uncommitted.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LedgerTransactionTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private NpgsqlDataSource _app = null!;
    private DbContextOptions<PortalDbContext> _options = null!;
    private readonly LedgerCommitSignal _signal = new();
    private LedgerAppend _ledger = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _app = _db.AppDataSource();
        _options = new DbContextOptionsBuilder<PortalDbContext>().UseNpgsql(_app).Options;
        // The batching writer is not started: only the in-transaction path is used here.
        _ledger = new LedgerAppend(new LedgerWriter(_app, Options.Create(new LedgerOptions()), _signal, NullLogger<LedgerWriter>.Instance), _signal);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static LedgerEvent Entry(string @event)
    {
        var at = CanonicalEntry.ToMicroseconds(DateTimeOffset.UtcNow);
        return new LedgerEvent(LogTypes.Compliance, @event, at, null, "tester", null, null, Encoding.UTF8.GetBytes("""{"n":1}"""), at);
    }

    private static RestrictedSecurity Restriction(string security) => new()
    {
        Security = security, EffectiveFrom = new DateOnly(2024, 10, 1), Reason = "test", AddedBy = "tester", AddedAt = DateTimeOffset.UtcNow,
    };

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Commit_StoresTheEntryWithTheContextsChanges_AndWakesTheFollowers()
    {
        var inbox = _signal.Follow();
        await using var context = new PortalDbContext(_options);
        IReadOnlyList<LedgerReceipt> receipts;
        await using (var tx = await _ledger.BeginAsync(context))
        {
            context.RestrictedList.Add(Restriction("ACME"));
            await context.SaveChangesAsync();
            receipts = await tx.AppendAsync("user:tester", [Entry("transaction_committed")]);

            // In the transaction, on its connection, the entry is there; outside it nothing is yet, and nobody was woken.
            Assert.Equal(1L, await CountAsync(tx.Connection, "SELECT count(*) FROM audit_log"));
            Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM audit_log"));
            Assert.Null(await inbox.TakeAsync(TimeSpan.Zero, CancellationToken.None));

            await tx.CommitAsync();
            await Assert.ThrowsAsync<InvalidOperationException>(() => tx.AppendAsync("user:tester", [Entry("too_late")]));
        }

        Assert.Equal(new LedgerReceipt(1, receipts[0].Hash, null, false), Assert.Single(receipts));
        var wake = await inbox.TakeAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.NotNull(wake);
        Assert.Empty(wake);   // a wake-up: followers read the entry from the database
        Assert.Equal("1 transaction_committed user:tester", await _db.ScalarAsync("SELECT seq || ' ' || event || ' ' || source FROM audit_log"));
        Assert.Equal(receipts[0].Hash, await _db.ScalarAsync("SELECT hash FROM ledger_head WHERE seq = 1"));
        Assert.Equal(1L, await _db.ScalarAsync("SELECT count(*) FROM restricted_list WHERE \"Security\" = 'ACME'"));
        var verify = await LedgerVerifier.VerifyAsync(_app);
        Assert.True(verify.Intact, verify.Reason);
    }

    [Fact]
    public async Task Dispose_WithoutCommit_StoresNothing_WakesNobody_AndLeavesNoGap()
    {
        var inbox = _signal.Follow();
        await using (var context = new PortalDbContext(_options))
        await using (var tx = await _ledger.BeginAsync(context))
        {
            context.RestrictedList.Add(Restriction("GONE"));
            await context.SaveChangesAsync();
            var receipts = await tx.AppendAsync("user:tester", [Entry("transaction_abandoned")]);
            Assert.Equal(1L, receipts[0].Seq);
        }

        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM audit_log"));
        Assert.Equal(0L, await _db.ScalarAsync("SELECT seq FROM ledger_head"));
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM restricted_list"));
        Assert.Null(await inbox.TakeAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));

        // The head lock went with the rollback: the next transaction appends at seq 1.
        await using var again = new PortalDbContext(_options);
        await using var next = await _ledger.BeginAsync(again);
        Assert.Equal(1L, (await next.AppendAsync("user:tester", [Entry("transaction_committed")]))[0].Seq);
        await next.CommitAsync();
        Assert.Equal("1 transaction_committed", await _db.ScalarAsync("SELECT seq || ' ' || event FROM audit_log"));
    }
}

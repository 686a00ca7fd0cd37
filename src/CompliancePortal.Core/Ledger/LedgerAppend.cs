using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CompliancePortal.Core.Ledger;

/// <summary>
/// How portal code appends to the ledger: through the batching writer (<see cref="AppendAsync"/>:
/// API events, user actions, job records), or inside a workflow's own database transaction
/// (<see cref="BeginAsync(DbContext, CancellationToken)"/>), so a state change and its ledger
/// entry commit together or not at all, and the followers are woken when it commits. Both paths
/// end in the internal <see cref="LedgerAppender"/> under the chain-head lock; outside this
/// service only <see cref="LedgerWriter"/> (behind <see cref="AppendAsync"/>), and the tests' and
/// benchmarks' bulk seeding, call it.
/// </summary>
public interface ILedgerAppend
{
    /// <summary>Stores the events of one request together through the batching writer; returns after COMMIT.</summary>
    /// <exception cref="LedgerBusyException">The writer's queue is full.</exception>
    Task<IReadOnlyList<LedgerReceipt>> AppendAsync(string source, IReadOnlyList<LedgerEvent> events);

    /// <summary>
    /// Begins a transaction on <paramref name="db"/> (its default isolation) in which entries can
    /// be appended beside the context's own changes. Commit it with
    /// <see cref="LedgerTransaction.CommitAsync"/>; disposing it uncommitted rolls everything back.
    /// </summary>
    Task<LedgerTransaction> BeginAsync(DbContext db, CancellationToken ct = default);

    /// <summary>The same on an open Npgsql connection (code that works without EF, e.g. the retention purge).</summary>
    Task<LedgerTransaction> BeginAsync(NpgsqlConnection connection, CancellationToken ct = default);
}

/// <summary>The portal's <see cref="ILedgerAppend"/>: the batching writer, and transactions that wake the ledger's followers on commit.</summary>
public sealed class LedgerAppend(LedgerWriter writer, LedgerCommitSignal committed) : ILedgerAppend
{
    public Task<IReadOnlyList<LedgerReceipt>> AppendAsync(string source, IReadOnlyList<LedgerEvent> events) =>
        writer.AppendAsync(source, events);

    public async Task<LedgerTransaction> BeginAsync(DbContext db, CancellationToken ct = default)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        // The one place portal code takes EF's connection: the transaction just begun opened it.
        return new LedgerTransaction((NpgsqlConnection)db.Database.GetDbConnection(), tx, null, committed);
    }

    public async Task<LedgerTransaction> BeginAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        var tx = await connection.BeginTransactionAsync(ct);
        return new LedgerTransaction(connection, null, tx, committed);
    }
}

/// <summary>
/// An open database transaction that ledger entries can be appended in. Nothing appended is
/// visible until <see cref="CommitAsync"/>, which also wakes the ledger's in-process followers
/// (file log, live feed, tree builder, alert monitor); disposing it without a commit rolls back
/// the entries and everything else done in the transaction. Not thread-safe, like the DbContext
/// or connection it runs on.
/// </summary>
public sealed class LedgerTransaction : IAsyncDisposable
{
    private readonly IDbContextTransaction? _efTransaction;
    private readonly NpgsqlTransaction? _npgsqlTransaction;
    private readonly LedgerCommitSignal _committed;
    private bool _finished;

    internal LedgerTransaction(NpgsqlConnection connection, IDbContextTransaction? efTransaction, NpgsqlTransaction? npgsqlTransaction,
        LedgerCommitSignal committed)
    {
        Connection = connection;
        _efTransaction = efTransaction;
        _npgsqlTransaction = npgsqlTransaction;
        _committed = committed;
    }

    /// <summary>
    /// The transaction's open connection, for raw SQL that must run in it (row and advisory
    /// locks, counters, reads that must see this transaction's writes). Commands on it take part
    /// in the transaction; do not commit, roll back or close it directly.
    /// </summary>
    public NpgsqlConnection Connection { get; }

    /// <summary>
    /// Appends the events of one source in this transaction (locking the chain head until it
    /// ends); returns their receipts, valid once it commits. An event whose (source, event_id) is
    /// already stored is answered with its first receipt (Duplicate) and not stored again.
    /// </summary>
    public async Task<IReadOnlyList<LedgerReceipt>> AppendAsync(string source, IReadOnlyList<LedgerEvent> events, CancellationToken ct = default)
    {
        ThrowIfFinished();
        if (events.Count == 0) return [];
        var receipts = await LedgerAppender.AppendAsync(Connection, [new AppendRequest(source, events)], ct);
        return receipts[0];
    }

    /// <summary>Commits the transaction, then wakes the ledger's followers.</summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        ThrowIfFinished();
        _finished = true;
        if (_efTransaction is not null) await _efTransaction.CommitAsync(ct);
        else await _npgsqlTransaction!.CommitAsync(ct);
        _committed.Signal();
    }

    /// <summary>Rolls the transaction back now (disposing it uncommitted does the same).</summary>
    public async Task RollbackAsync(CancellationToken ct = default)
    {
        ThrowIfFinished();
        _finished = true;
        if (_efTransaction is not null) await _efTransaction.RollbackAsync(ct);
        else await _npgsqlTransaction!.RollbackAsync(ct);
    }

    private void ThrowIfFinished()
    {
        if (_finished) throw new InvalidOperationException("The ledger transaction was already committed, rolled back or disposed.");
    }

    public async ValueTask DisposeAsync()
    {
        _finished = true;
        if (_efTransaction is not null) await _efTransaction.DisposeAsync();
        else await _npgsqlTransaction!.DisposeAsync();
    }
}

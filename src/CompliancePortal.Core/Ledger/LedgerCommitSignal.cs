namespace CompliancePortal.Core.Ledger;

/// <summary>
/// Wakes in-process followers of the ledger (file log, live feed) after a commit. Followers read
/// the committed rows from the database by seq, so a missed wake-up only delays them.
/// </summary>
public sealed class LedgerCommitSignal
{
    private TaskCompletionSource _next = NewSource();

    public void Signal() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>Completes at the next commit, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try { await Volatile.Read(ref _next).Task.WaitAsync(timeout, ct); }
        catch (TimeoutException) { }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

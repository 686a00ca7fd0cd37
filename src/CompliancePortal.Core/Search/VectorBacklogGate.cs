using Microsoft.Extensions.Options;

namespace CompliancePortal.Core.Search;

/// <summary>
/// Holds ingest requests, instead of refusing them, while more than <see
/// cref="SearchOptions.MaxUnvectorized"/> committed entries have no stored full-text vector (what
/// every full-text search computes). A burst past the bound waits for the indexer's next reading of
/// that lag (every round, tens of milliseconds) instead of a 503 sent again after its Retry-After
/// (seconds), which a source's client honours and whose body the portal reads twice. A reading at
/// or under the bound lets every waiting request go, as a request arriving then would; one still
/// waiting after <see cref="SearchOptions.UnvectorizedWaitMilliseconds"/> is refused (the indexer
/// is down or cannot keep up). The bound is the committed lag, as a reading sees it: requests on
/// their way to the ledger are not counted (counting them held the writer to a thousand entries in
/// flight and cost a fifth of the throughput, docs/benchmarks.md).
/// </summary>
public sealed class VectorBacklogGate(IOptions<SearchOptions> options, TimeProvider time)
{
    private readonly SearchOptions _options = options.Value;
    private readonly Lock _lock = new();
    private TaskCompletionSource? _nextOpening;   // null while the last reading was under the bound

    /// <summary>Whether the last reading was over the bound (requests wait).</summary>
    public bool Closed
    {
        get { lock (_lock) return _nextOpening is not null; }
    }

    /// <summary>Waits until a reading is at or under the bound; not entered when none came within the wait.</summary>
    public async Task<GateEntry> EnterAsync(CancellationToken ct)
    {
        Task opened;
        lock (_lock)
        {
            if (_nextOpening is null) return GateEntry.AtOnce;
            opened = _nextOpening.Task;
        }
        var started = time.GetTimestamp();
        try
        {
            await opened.WaitAsync(TimeSpan.FromMilliseconds(_options.UnvectorizedWaitMilliseconds), time, ct);
            return new GateEntry(true, time.GetElapsedTime(started));
        }
        catch (TimeoutException)
        {
            return new GateEntry(false, time.GetElapsedTime(started));
        }
    }

    /// <summary>A new reading of the committed entries without a stored vector: opens or closes the gate.</summary>
    public void OnVectorLagRead(long vectorLag)
    {
        lock (_lock)
        {
            if (vectorLag > _options.MaxUnvectorized)
            {
                _nextOpening ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return;
            }
            _nextOpening?.SetResult();
            _nextOpening = null;
        }
    }
}

/// <summary>How a request passed the gate: whether it went on, and how long it waited first (zero when the gate was open).</summary>
public readonly record struct GateEntry(bool Entered, TimeSpan Waited)
{
    public static readonly GateEntry AtOnce = new(true, TimeSpan.Zero);
}

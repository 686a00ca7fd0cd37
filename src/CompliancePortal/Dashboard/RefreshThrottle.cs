namespace CompliancePortal.Dashboard;

/// <summary>
/// Runs a refresh after <see cref="Request"/>, at most once per interval: requests that arrive
/// while one is waiting are folded into it, and one arriving during a refresh schedules the next.
/// </summary>
public sealed class RefreshThrottle(TimeSpan interval, Func<Task> refresh, TimeProvider time) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private DateTimeOffset _last = DateTimeOffset.MinValue;
    private int _scheduled;

    public void Request()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 1) return;
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            var wait = _last + interval - time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, _stop.Token);
            Volatile.Write(ref _scheduled, 0);
            _last = time.GetUtcNow();
            await refresh();
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
            // The page went away between the request and the refresh.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}

using CompliancePortal.Core.LiveFeed;

namespace CompliancePortal.LiveFeed;

/// <summary>
/// Calls a workflow's "changed" hook whenever committed ledger entries with its event name arrive,
/// from any portal instance: workflow pages follow the ledger rather than this process's own writes.
/// </summary>
internal sealed class LedgerEventWatch(LedgerFeed feed, string eventName, Action changed) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(batch =>
        {
            if (batch.Any(e => e.Event == eventName)) changed();
            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}

public static class LedgerEventWatchSetup
{
    /// <summary>Runs <paramref name="changed"/> (resolved from the services) for each committed batch holding <paramref name="eventName"/>.</summary>
    public static void AddLedgerEventWatch<TService>(this IServiceCollection services, string eventName, Func<TService, Action> changed)
        where TService : notnull =>
        services.AddSingleton<IHostedService>(sp =>
            new LedgerEventWatch(sp.GetRequiredService<LedgerFeed>(), eventName, changed(sp.GetRequiredService<TService>())));
}

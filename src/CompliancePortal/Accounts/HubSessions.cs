using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Accounts;

/// <summary>
/// The portal's own hub connections (live feed, packages), each closed within
/// <see cref="SignInOptions.RevalidateSeconds"/> once its user is disabled or demoted: a hub
/// checks its policy only when the connection opens, and a feed connection may stay open all day.
/// </summary>
public sealed class HubSessions(SessionValidator sessions, IOptions<SignInOptions> options, ILogger<HubSessions> logger)
    : BackgroundService, IHubFilter
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _open = new();

    public int Count => _open.Count;

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        _open[context.Context.ConnectionId] = context.Context;
        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _open.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RevalidateSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var (id, connection) in _open)
            {
                try
                {
                    if (connection.User is { } user && await sessions.IsCurrentAsync(user, stoppingToken)) continue;
                    logger.LogInformation("Closing hub connection {Connection} of {User}: the user is disabled or their role changed", id, connection.User?.Identity?.Name);
                    connection.Abort();
                    _open.TryRemove(id, out _);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database may be away for a moment: the connection is checked again next round.
                    logger.LogWarning(ex, "Could not revalidate hub connection {Connection}", id);
                }
            }
        }
    }
}

public static class HubSessionsSetup
{
    /// <summary>Tracks <typeparamref name="THub"/>'s connections in <see cref="HubSessions"/>.</summary>
    public static void AddRevalidatedHub<THub>(this IServiceCollection services) where THub : Hub =>
        services.AddSignalR().AddHubOptions<THub>(o => o.AddFilter<HubSessions>());
}

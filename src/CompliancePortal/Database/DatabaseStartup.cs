using CompliancePortal.Core.Database;

namespace CompliancePortal.Database;

/// <summary>
/// At start-up: on the embedded default, runs the migrations (it holds the owner role); on a
/// configured database, refuses a schema the maintenance verb has not brought up to date.
/// Stops an embedded cluster at shutdown.
/// </summary>
internal sealed class DatabaseStartup(PortalConnections connections, IEnumerable<EmbeddedPostgres> embedded, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (embedded.Any()) await DatabaseSetup.MigrateAsync(connections, ct);
        else await DatabaseSetup.RequireCurrentSchemaAsync(connections.App, ct);
        logger.LogInformation("Database schema is current");
    }

    public async Task StopAsync(CancellationToken ct)
    {
        foreach (var cluster in embedded) await cluster.StopAsync();
    }
}

using CompliancePortal.Core.Data;
using CompliancePortal.Core.Database;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CompliancePortal.Database;

/// <summary>
/// Wires the portal to PostgreSQL. With ConnectionStrings:Portal set, the web process uses that
/// database as the portal role only: it refuses to start holding ConnectionStrings:PortalOwner,
/// and it does not migrate; the maintenance verb (as the owner) does, and the web process
/// refuses a schema that is behind. With neither, it starts its own private cluster under
/// Embedded:Folder (default .data/pg) and does the owner's work itself.
/// </summary>
public static class DatabaseSetup
{
    public const string MigrationsAssembly = "CompliancePortal.Migrations";

    /// <summary>The schema of Hangfire's job storage.</summary>
    public const string JobsSchema = "hangfire";

    public static async Task AddPortalDatabaseAsync(this WebApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Portal")) &&
            !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("PortalOwner")))
            throw new InvalidOperationException(
                "ConnectionStrings:PortalOwner is set for the web process. The owner credential belongs to the maintenance process only " +
                "(dotnet run --project src/CompliancePortal -- maintenance --loop); remove it from the portal's configuration.");
        var connections = await ResolveConnectionsAsync(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(connections.Value);
        if (connections.Embedded is { } embedded) builder.Services.AddSingleton(embedded);

        builder.Services.AddSingleton(_ => AppDataSource(connections.Value.App));
        // EF shares the portal's data source: one pool, closed when the host stops.
        builder.Services.AddDbContextFactory<PortalDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        // First hosted service: the schema is current before the ledger writer or the server starts.
        builder.Services.AddHostedService<DatabaseStartup>();
    }

    /// <summary>
    /// The portal's pool. Statements used again and again (the writer's, the followers', the
    /// indexer's) are prepared once per connection instead of parsed and planned on every use;
    /// with prepared statements Npgsql's pool reset keeps them, and with them the chain guard's
    /// cached plans (see docs/benchmarks.md).
    /// </summary>
    public static NpgsqlDataSource AppDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 128;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        return builder.Build();
    }

    /// <summary>The configured connections, or a started embedded cluster's.</summary>
    public static async Task<(PortalConnections Value, EmbeddedPostgres? Embedded)> ResolveConnectionsAsync(
        IConfiguration configuration, string contentRoot, CancellationToken ct = default)
    {
        var app = configuration.GetConnectionString("Portal");
        if (!string.IsNullOrWhiteSpace(app))
            return (new PortalConnections(app, configuration.GetConnectionString("PortalOwner") ?? app), null);

        var options = configuration.ReadSettings<EmbeddedOptions>();
        var embedded = await EmbeddedPostgres.StartAsync(Path.Combine(contentRoot, options.Folder), ct);
        return (await embedded.EnsureDatabaseAsync(options.Database, ct), embedded);
    }

    /// <summary>Throws, naming the maintenance verb, when the database lacks a migration this build has.</summary>
    public static async Task RequireCurrentSchemaAsync(string appConnectionString, CancellationToken ct = default)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(appConnectionString, o => o.MigrationsAssembly(MigrationsAssembly))
            .Options;
        await using var db = new PortalDbContext(options);
        List<string> pending;
        try
        {
            pending = [.. await db.Database.GetPendingMigrationsAsync(ct)];
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.UndefinedTable)
        {
            pending = ["(the migration history cannot be read by the portal role: the database predates this build)"];
        }
        if (pending.Count > 0)
            throw new InvalidOperationException(
                $"The database schema is behind this build (pending: {string.Join(", ", pending)}). Run the maintenance verb as the owner first: " +
                "dotnet run --project src/CompliancePortal -- maintenance --ConnectionStrings:Portal=... --ConnectionStrings:PortalOwner=...");
    }

    /// <summary>Applies pending migrations as the owner role and makes the coming months' partitions.</summary>
    public static async Task MigrateAsync(PortalConnections connections, CancellationToken ct = default)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(connections.Owner, o => o.MigrationsAssembly(MigrationsAssembly))
            .Options;
        await using (var db = new PortalDbContext(options))
            await db.Database.MigrateAsync(ct);

        await using var connection = new NpgsqlConnection(connections.Owner);
        await connection.OpenAsync(ct);
        await using (var cmd = new NpgsqlCommand("SELECT ledger_ensure_partitions()", connection))
            await cmd.ExecuteNonQueryAsync(ct);

        // Hangfire's tables are DDL too: the owner installs or upgrades them, the portal's role
        // only reads and writes them (the storage's own schema preparation is off).
        Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, JobsSchema);
        await using (var grant = new NpgsqlCommand(
            $"GRANT USAGE ON SCHEMA {JobsSchema} TO {PortalRoles.App}; " +
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {JobsSchema} TO {PortalRoles.App}; " +
            $"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {JobsSchema} TO {PortalRoles.App};", connection))
            await grant.ExecuteNonQueryAsync(ct);
    }
}

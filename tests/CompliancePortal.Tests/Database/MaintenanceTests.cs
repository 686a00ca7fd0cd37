using CompliancePortal.Core.Database;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Database;

/// <summary>
/// The owner credential lives in the maintenance process only: `maintenance` migrates an empty
/// database and runs the owner's jobs; the web process refuses the owner credential and a schema
/// maintenance has not brought up to date.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MaintenanceTests(PostgresFixture postgres)
{
    /// <summary>A database with the two roles and nothing in it (not a copy of the migrated template).</summary>
    private async Task<PortalConnections> EmptyDatabaseAsync() =>
        await postgres.Cluster.EnsureDatabaseAsync("empty_" + Guid.NewGuid().ToString("N")[..10]);

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return await cmd.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Maintenance_OnAnEmptyDatabase_MigratesIt_RecordsThePolicy_AndThePortalThenStarts()
    {
        var connections = await EmptyDatabaseAsync();
        var archive = Path.Combine(Path.GetTempPath(), "cp-maintenance-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (code, output) = await PortalProcess.RunCliAsync("maintenance", $"--ConnectionStrings:Portal={connections.App}",
                $"--ConnectionStrings:PortalOwner={connections.Owner}", $"--Archive:Folder={archive}", "--Maintenance:BackupEvery=00:00:00");

            Assert.True(code == 0, output);
            Assert.Contains("maintenance migrations: the schema is current", output);
            Assert.Contains("maintenance retention: 0 day(s) of log types purged", output);
            Assert.Contains("maintenance backup: off", output);
            var migrations = typeof(CompliancePortal.Migrations.Migrations.ChainGuard).Assembly.GetTypes()
                .Count(t => t.GetCustomAttributes(typeof(Microsoft.EntityFrameworkCore.Migrations.MigrationAttribute), false).Length > 0);
            Assert.Equal((long)migrations, await ScalarAsync(connections.App, "SELECT count(*) FROM \"__EFMigrationsHistory\""));
            // The retention policy the database now enforces is the configured one (appsettings.json).
            Assert.Equal(30, await ScalarAsync(connections.App, "SELECT hot_days FROM retention_policy WHERE log_type = 'SYSTEM' ORDER BY id DESC LIMIT 1"));
            Assert.Equal(0L, await ScalarAsync(connections.App, "SELECT count(*) FROM retention_policy WHERE log_type = 'COMPLIANCE'"));

            // A second pass changes nothing and records no second policy row.
            (code, output) = await PortalProcess.RunCliAsync("maintenance", $"--ConnectionStrings:Portal={connections.App}",
                $"--ConnectionStrings:PortalOwner={connections.Owner}", $"--Archive:Folder={archive}", "--Maintenance:BackupEvery=00:00:00");
            Assert.True(code == 0, output);
            Assert.Equal(1L, await ScalarAsync(connections.App, "SELECT count(*) FROM retention_policy WHERE log_type = 'SYSTEM'"));
        }
        finally
        {
            try { Directory.Delete(archive, recursive: true); } catch (DirectoryNotFoundException) { }
        }
    }

    [Fact]
    public async Task Maintenance_WithoutTheOwnerCredential_Refuses()
    {
        var connections = await EmptyDatabaseAsync();
        var (code, output) = await PortalProcess.RunCliAsync("maintenance", $"--ConnectionStrings:Portal={connections.App}");
        Assert.Equal(64, code);
        Assert.Contains("ConnectionStrings:PortalOwner", output);
    }

    [Fact]
    public async Task Portal_HoldingTheOwnerCredential_RefusesToStart()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db, b => b.UseSetting("ConnectionStrings:PortalOwner", db.Connections.Owner));
        var refused = Assert.ThrowsAny<Exception>(() => portal.Services);
        Assert.Contains("ConnectionStrings:PortalOwner is set for the web process", Flatten(refused));
    }

    [Fact]
    public async Task Portal_OnADatabaseMaintenanceHasNotMigrated_RefusesToStart_NamingTheVerb()
    {
        var connections = await EmptyDatabaseAsync();
        var db = new TestDatabase("empty", connections, postgres.AdminConnectionString("postgres"));
        await using var portal = new PortalFactory(db);
        var refused = Assert.ThrowsAny<Exception>(() => portal.Services);
        Assert.Contains("-- maintenance", Flatten(refused));
    }

    private static string Flatten(Exception ex) => ex is AggregateException a ? string.Join(" | ", a.InnerExceptions.Select(Flatten)) : ex.Message + (ex.InnerException is { } inner ? " | " + Flatten(inner) : "");
}

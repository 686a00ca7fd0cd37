using CompliancePortal.Core.Database;
using CompliancePortal.Database;
using Npgsql;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL cluster for the whole test run (initdb + pg_ctl on loopback, own port,
/// in a temporary folder). The schema is migrated once into a template database; each test
/// class takes a fresh copy of it, so tests never share a chain.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private const string Template = "portal_template";
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private EmbeddedPostgres? _cluster;
    private int _databases;

    public EmbeddedPostgres Cluster => _cluster ?? throw new InvalidOperationException("cluster not started");

    /// <summary>Superuser access, for tests that play the tamperer.</summary>
    public string AdminConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(Cluster.AdminConnectionString) { Database = database }.ConnectionString;

    public async Task InitializeAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cp-tests-" + Guid.NewGuid().ToString("N")[..8]);
        _cluster = await EmbeddedPostgres.StartAsync(folder);
        var template = await _cluster.EnsureDatabaseAsync(Template);
        await DatabaseSetup.MigrateAsync(template);
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>A new, migrated, empty database; returns its name and connection strings.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = $"portal_test_{Interlocked.Increment(ref _databases)}";
        await CreateLock.WaitAsync();
        try
        {
            await using var admin = new NpgsqlConnection(Cluster.AdminConnectionString);
            await admin.OpenAsync();
            // CREATE DATABASE ... TEMPLATE needs the template to have no open connections.
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE {Template} OWNER {PortalRoles.Owner}", admin);
            await cmd.ExecuteNonQueryAsync();
        }
        finally
        {
            CreateLock.Release();
        }
        var connections = await Cluster.EnsureDatabaseAsync(name);
        return new TestDatabase(name, new CompliancePortal.Core.Database.PortalConnections(ShortIdle(connections.App), ShortIdle(connections.Owner)),
            ShortIdle(AdminConnectionString(name)));
    }

    /// <summary>
    /// A run makes hundreds of databases in one cluster (max_connections 500); pooled connections
    /// of finished tests are closed after 15 s idle instead of Npgsql's default 5 minutes, which
    /// had them add up to the limit.
    /// </summary>
    private static string ShortIdle(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ConnectionIdleLifetime = 15, ConnectionPruningInterval = 5 }.ConnectionString;

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null)
        {
            await _cluster.StopAsync();
            try { Directory.Delete(_cluster.Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>A test's own database: the portal's two roles and a superuser connection.</summary>
public sealed record TestDatabase(string Name, CompliancePortal.Core.Database.PortalConnections Connections, string Admin)
{
    public NpgsqlDataSource AppDataSource() => NpgsqlDataSource.Create(Connections.App);

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>
    /// Runs <paramref name="sql"/> as superuser. DDL on the ledger (a test's failing trigger) locks
    /// every partition while the running portal's writer, follower and jobs use them, so PostgreSQL
    /// may pick it as a deadlock victim: it then changed nothing and is run again.
    /// </summary>
    public async Task ExecuteAsAdminAsync(string sql)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(Admin);
                await connection.OpenAsync();
                await using var cmd = new NpgsqlCommand(sql, connection);
                await cmd.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
                await Task.Delay(50 * attempt);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

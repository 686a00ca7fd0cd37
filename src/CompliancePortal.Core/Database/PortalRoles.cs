using Npgsql;

namespace CompliancePortal.Core.Database;

/// <summary>The two connection strings the portal uses: the owner runs migrations and partition
/// upkeep; the application role (INSERT and SELECT on the ledger only) serves everything else.</summary>
public sealed record PortalConnections(string App, string Owner);

/// <summary>The two roles' passwords on a cluster whose passwords the portal keeps (the embedded one).</summary>
public sealed record RolePasswords(string Owner, string App);

/// <summary>
/// Creates the database and its two roles on a cluster the portal controls (the embedded one,
/// or a test cluster). On a managed server a DBA creates them once with the same names.
/// </summary>
public static class PortalRoles
{
    public const string Owner = "cp_owner";
    public const string App = "cp_app";

    /// <param name="passwords">Given, a role without a password gets this one and the connection
    /// strings carry it; null leaves the roles' passwords to whoever manages the server.</param>
    public static async Task<PortalConnections> EnsureDatabaseAsync(string adminConnectionString, string database,
        RolePasswords? passwords = null, CancellationToken ct = default)
    {
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync(ct);
            await ExecuteAsync(admin, $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{Owner}') THEN CREATE ROLE {Owner} LOGIN; END IF;
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{App}') THEN CREATE ROLE {App} LOGIN; END IF;
                END $$;
                """, ct);
            if (passwords is not null)
            {
                // Generated hex, so safe inside a literal; set once (concurrent ALTER ROLEs of parallel test hosts would collide).
                await ExecuteAsync(admin, $"""
                    DO $$ BEGIN
                      IF (SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = '{Owner}') THEN ALTER ROLE {Owner} PASSWORD '{Hex(passwords.Owner)}'; END IF;
                      IF (SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = '{App}') THEN ALTER ROLE {App} PASSWORD '{Hex(passwords.App)}'; END IF;
                    END $$;
                    """, ct);
            }
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin);
            exists.Parameters.Add(new() { Value = database });
            if (await exists.ExecuteScalarAsync(ct) is null)
                // Collation C whatever the server's default (see EmbeddedPostgres); template0, which any collation may copy.
                await ExecuteAsync(admin, $"CREATE DATABASE \"{database}\" OWNER {Owner} ENCODING 'UTF8' LC_COLLATE 'C' TEMPLATE template0", ct);
        }
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database, Pooling = true };
        builder.Username = Owner;
        builder.Password = passwords?.Owner;
        var owner = builder.ConnectionString;
        builder.Username = App;
        builder.Password = passwords?.App;
        return new PortalConnections(builder.ConnectionString, owner);
    }

    private static string Hex(string password) =>
        password.All(Uri.IsHexDigit) ? password : throw new ArgumentException("a generated role password is hex", nameof(password));

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

using System.Diagnostics;
using CompliancePortal.Core.Database;
using Npgsql;

namespace CompliancePortal.Tests.Database;

/// <summary>
/// The embedded cluster lets nothing on the machine in without a password (#18, item 2):
/// scram-sha-256 everywhere, generated passwords in a 0600 file, the socket folder 0700.
/// Each test makes a cluster of its own.
/// </summary>
public sealed class EmbeddedClusterTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cp-embedded-" + Guid.NewGuid().ToString("N")[..8]);
    private EmbeddedPostgres _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedPostgres.StartAsync(_folder);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        try { Directory.Delete(_cluster.Folder, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task NewCluster_RefusesEveryRoleWithoutItsPassword_OverTcpAndTheSocket()
    {
        var portal = await _cluster.EnsureDatabaseAsync("portal");

        foreach (var role in new[] { "postgres", PortalRoles.Owner, PortalRoles.App })
        {
            var (ok, output) = await PsqlAsync("127.0.0.1", role, password: null);
            Assert.False(ok, $"{role} connected over TCP without a password");
            Assert.Contains("password", output);
        }
        var (socketOk, socketOutput) = await PsqlAsync(Path.Combine(_cluster.Folder, "sock"), "postgres", password: null);
        Assert.False(socketOk, "postgres connected over the socket without a password");
        Assert.Contains("password", socketOutput);

        // The checks can pass: with the generated password each role gets in.
        var admin = new NpgsqlConnectionStringBuilder(_cluster.AdminConnectionString);
        Assert.True((await PsqlAsync("127.0.0.1", "postgres", admin.Password)).Ok);
        foreach (var connectionString in new[] { portal.App, portal.Owner })
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
        }
    }

    /// <summary>Text compares bytewise (the cheaper btrees of docs/benchmarks.md); letters still classify as UTF-8.</summary>
    [Fact]
    public async Task PortalDatabase_CollatesBytewise_AndKeepsUtf8CharacterClasses()
    {
        var portal = await _cluster.EnsureDatabaseAsync("portal");
        await using var connection = new NpgsqlConnection(portal.App);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT datcollate, datctype, upper('é'), 'B' < 'a' FROM pg_database WHERE datname = current_database()", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("C", reader.GetString(0));
        Assert.Equal("C.UTF-8", reader.GetString(1));
        Assert.Equal("É", reader.GetString(2));
        Assert.True(reader.GetBoolean(3));
    }

    /// <summary>As root (CI) the server runs as 'postgres' and the test as 'nobody'; otherwise the server and the test share one user.</summary>
    [Fact]
    public async Task AnotherOsUser_CannotConnect()
    {
        var other = Environment.UserName == "root" ? "nobody" : null;

        var (tcpOk, tcpOutput) = await PsqlAsync("127.0.0.1", "postgres", password: null, osUser: other);
        var (socketOk, socketOutput) = await PsqlAsync(Path.Combine(_cluster.Folder, "sock"), "postgres", password: null, osUser: other);

        Assert.False(tcpOk);
        Assert.Contains("password", tcpOutput);
        Assert.False(socketOk);
        Assert.Matches("Permission denied|password", socketOutput);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Credentials_AreTheOwnersOnly_AndTheSocketFolderIsClosed()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_cluster.CredentialsFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.Combine(_cluster.Folder, "sock")));
        var hba = File.ReadAllLines(Path.Combine(_cluster.Folder, "data", "pg_hba.conf")).Where(l => !l.TrimStart().StartsWith('#') && l.Trim() != "");
        Assert.All(hba, line => Assert.EndsWith("scram-sha-256", line.Trim()));
        Assert.False(File.Exists(Path.Combine(_cluster.Folder, "initdb.pw")));
    }

    [Fact]
    public async Task ClusterFromBeforePasswords_GetsThemAtItsNextStart_AndKeepsItsData()
    {
        var before = await _cluster.EnsureDatabaseAsync("portal");
        await ExecuteAsync(before.Owner, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42);");
        await ExecuteAsync(_cluster.AdminConnectionString, "ALTER ROLE postgres PASSWORD NULL; ALTER ROLE cp_owner PASSWORD NULL; ALTER ROLE cp_app PASSWORD NULL;");
        await _cluster.StopAsync();
        // What an embedded cluster made by an earlier build looks like: trust, no passwords, no file.
        await File.WriteAllTextAsync(Path.Combine(_cluster.Folder, "data", "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n");
        File.Delete(_cluster.CredentialsFile);

        _cluster = await EmbeddedPostgres.StartAsync(_folder);
        var after = await _cluster.EnsureDatabaseAsync("portal");

        Assert.False((await PsqlAsync("127.0.0.1", "postgres", password: null)).Ok);
        Assert.False((await PsqlAsync("127.0.0.1", PortalRoles.Owner, password: null)).Ok);
        await using var connection = new NpgsqlConnection(after.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT v FROM kept", connection);
        Assert.Equal(42, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task PasswordCluster_WithoutItsCredentialsFile_StopsWithAMessage()
    {
        await _cluster.StopAsync();
        var credentials = await File.ReadAllTextAsync(_cluster.CredentialsFile);
        File.Delete(_cluster.CredentialsFile);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => EmbeddedPostgres.StartAsync(_folder));

        Assert.Contains("credentials.json is missing", refused.Message);
        await File.WriteAllTextAsync(_cluster.CredentialsFile, credentials); // so DisposeAsync's cluster is whole
    }

    private async Task<(bool Ok, string Output)> PsqlAsync(string host, string role, string? password, string? osUser = null)
    {
        var psql = PostgresTools.Find("psql");
        var info = new ProcessStartInfo(osUser is null ? psql : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (osUser is not null) foreach (var a in new[] { "-u", osUser, "--", psql }) info.ArgumentList.Add(a);
        foreach (var a in new[] { "-h", host, "-p", _cluster.Port.ToString(), "-U", role, "-d", "postgres", "-w", "-c", "SELECT 1" }) info.ArgumentList.Add(a);
        info.Environment.Remove("PGPASSWORD");
        info.Environment["PGPASSFILE"] = "/dev/null";
        if (password is not null) info.Environment["PGPASSWORD"] = password;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode == 0, await stderr + await stdout);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;

namespace CompliancePortal.Core.Database;

/// <summary>
/// A private PostgreSQL cluster in a folder of its own (initdb + pg_ctl, loopback only, a free
/// port each start). Used by the run command when no connection string is configured, and by
/// the tests and benchmarks. As root it runs the server as the 'postgres' OS user, because
/// initdb refuses to run as root.
/// Nothing else on the machine gets in without a password: scram-sha-256 for every connection,
/// the superuser's and the two portal roles' passwords generated and kept in
/// <see cref="CredentialsFile"/> (0600), the socket folder 0700. A cluster made before this
/// (trust) gets passwords and the new pg_hba.conf at its next start.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly string _dataDir;
    private readonly string _socketDir;
    private readonly bool _asPostgresUser;

    public string Folder { get; }
    public int Port { get; private set; }

    /// <summary>False when an already running cluster in the folder was reused.</summary>
    public bool StartedHere { get; private set; }

    /// <summary>The generated passwords, readable by this OS user only.</summary>
    public string CredentialsFile => Path.Combine(Folder, "credentials.json");

    private Credentials _credentials = null!;

    /// <summary>Superuser connection string (scram on loopback, the generated password).</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Password = _credentials.Postgres, Database = "postgres", Pooling = false,
    }.ConnectionString;

    /// <summary>Creates the database and the portal's two roles (with their generated passwords).</summary>
    public Task<PortalConnections> EnsureDatabaseAsync(string database, CancellationToken ct = default) =>
        PortalRoles.EnsureDatabaseAsync(AdminConnectionString, database, new RolePasswords(_credentials.Owner, _credentials.App), ct);

    private sealed record Credentials(string Postgres, string Owner, string App)
    {
        public static Credentials New() => new(Generate(), Generate(), Generate());

        private static string Generate() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
    }

    private const string HbaConf = """
        # Written by CompliancePortal's embedded cluster: a password for everyone, loopback only.
        local all all scram-sha-256
        host all all 127.0.0.1/32 scram-sha-256
        host all all ::1/128 scram-sha-256
        """;

    private EmbeddedPostgres(string folder, string binDir)
    {
        Folder = Path.GetFullPath(folder);
        _binDir = binDir;
        _dataDir = Path.Combine(Folder, "data");
        _socketDir = Path.Combine(Folder, "sock");
        _asPostgresUser = Environment.UserName == "root";
    }

    /// <summary>Starts (creating if needed) the cluster in <paramref name="folder"/>.</summary>
    public static Task<EmbeddedPostgres> StartAsync(string folder, CancellationToken ct = default) => StartAsync(folder, [], ct);

    /// <summary>
    /// Starts (creating if needed) the cluster in <paramref name="folder"/> with further server
    /// settings (name=value, e.g. the bench's shared_preload_libraries); a cluster already running
    /// keeps its own.
    /// </summary>
    public static async Task<EmbeddedPostgres> StartAsync(string folder, IReadOnlyList<string> serverSettings, CancellationToken ct = default)
    {
        var bin = FindBinaries();
        if (Environment.UserName == "root" && !await PostgresUserCanReachAsync(folder, ct))
        {
            // e.g. a clone under /root (mode 700): the server's OS user cannot enter it, so the
            // cluster lives in a folder of its own named after the requested one.
            var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(folder))))[..16];
            folder = Path.Combine("/var/tmp/compliance-portal-pg", key);
        }
        var pg = new EmbeddedPostgres(folder, bin);
        await pg.StartCoreAsync(serverSettings, ct);
        return pg;
    }

    /// <summary>PostgreSQL's server programs: the first folder of <see cref="PostgresTools.SearchFolders"/> with initdb and pg_ctl.</summary>
    public static string FindBinaries() =>
        PostgresTools.SearchFolders().FirstOrDefault(dir => File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "initdb")))
        ?? throw new InvalidOperationException(
            "PostgreSQL server programs (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin. " +
            "Install them with: apt-get install -y postgresql   (or set ConnectionStrings:Portal to an existing database)");

    private static async Task<bool> PostgresUserCanReachAsync(string folder, CancellationToken ct)
    {
        var full = Path.GetFullPath(folder);
        var parent = Path.GetDirectoryName(full) ?? "/";
        Directory.CreateDirectory(parent);
        return await PostgresTools.RunAsync("runuser", ["-u", "postgres", "--", "test", "-x", parent], ct, throwOnError: false);
    }

    private async Task StartCoreAsync(IReadOnlyList<string> serverSettings, CancellationToken ct)
    {
        Directory.CreateDirectory(_socketDir);
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_socketDir, OwnerOnly);
        var initialized = File.Exists(Path.Combine(_dataDir, "PG_VERSION"));
        var passwordFile = Path.Combine(Folder, "initdb.pw");
        if (File.Exists(CredentialsFile))
        {
            _credentials = JsonSerializer.Deserialize<Credentials>(File.ReadAllText(CredentialsFile))
                ?? throw new InvalidOperationException($"{CredentialsFile} is empty");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(CredentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        else if (initialized && !HbaTrusts())
        {
            throw new InvalidOperationException(
                $"The embedded cluster in {Folder} asks for passwords but {CredentialsFile} is missing. Restore that file, " +
                "or delete the folder to start a new empty cluster.");
        }
        else
        {
            _credentials = Credentials.New();
            WriteOwnerOnly(CredentialsFile, JsonSerializer.Serialize(_credentials));
        }
        if (!initialized) WriteOwnerOnly(passwordFile, _credentials.Postgres);
        if (_asPostgresUser) await PostgresTools.RunAsync("chown", ["-R", "postgres:postgres", Folder], ct);

        if (!initialized)
        {
            try
            {
                // Text is compared bytewise (collation C: the same order as C.UTF-8's code points,
                // without a strcoll call per comparison), which made the ledger's text btrees cheaper
                // to insert into (docs/benchmarks.md); character classes stay C.UTF-8's.
                await RunPgAsync("initdb", ["-D", _dataDir, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8",
                                            "--locale=C.UTF-8", "--lc-collate=C"], ct);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        }
        else if (File.Exists(Path.Combine(_dataDir, "postmaster.pid"))
                 && await RunPgAsync("pg_ctl", ["-D", _dataDir, "status"], ct, throwOnError: false))
        {
            // Already running (the portal is up, or was killed and left it): use it as it is.
            // postmaster.pid's fourth line is the port.
            Port = int.Parse(File.ReadLines(Path.Combine(_dataDir, "postmaster.pid")).ElementAt(3).Trim());
            await RequirePasswordsAsync(ct);
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            var ok = await RunPgAsync("pg_ctl",
                ["-D", _dataDir, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60", "-o",
                 $"-p {Port} -k {_socketDir} -c listen_addresses=127.0.0.1 -c unix_socket_permissions=0700 -c max_connections=500 -c shared_buffers=256MB" + string.Concat(serverSettings.Select(setting => $" -c {setting}")), "start"],
                ct, throwOnError: attempt >= 2);
            if (ok)
            {
                StartedHere = true;
                await RequirePasswordsAsync(ct);
                return;
            }
        }
    }

    private static void WriteOwnerOnly(string path, string text)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(text);
    }

    private bool HbaTrusts() =>
        File.ReadLines(Path.Combine(_dataDir, "pg_hba.conf")).Any(line => !line.TrimStart().StartsWith('#') && line.Contains("trust", StringComparison.Ordinal));

    /// <summary>A cluster initialised with trust (before passwords): set the superuser's, then require them.</summary>
    private async Task RequirePasswordsAsync(CancellationToken ct)
    {
        if (!HbaTrusts()) return;
        var trusted = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Password = null }.ConnectionString;
        await using (var connection = new NpgsqlConnection(trusted))
        {
            await connection.OpenAsync(ct);
            // The portal roles' passwords are cleared: EnsureDatabaseAsync gives them the file's.
            await using var cmd = new NpgsqlCommand($"""
                ALTER ROLE postgres PASSWORD '{_credentials.Postgres}';
                DO $$ BEGIN
                  IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{PortalRoles.Owner}') THEN ALTER ROLE {PortalRoles.Owner} PASSWORD NULL; END IF;
                  IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{PortalRoles.App}') THEN ALTER ROLE {PortalRoles.App} PASSWORD NULL; END IF;
                END $$;
                """, connection);
            await cmd.ExecuteNonQueryAsync(ct);
            await File.WriteAllTextAsync(Path.Combine(_dataDir, "pg_hba.conf"), HbaConf + "\n", ct);
            await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
            await reload.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task StopAsync()
    {
        await RunPgAsync("pg_ctl", ["-D", _dataDir, "stop", "-m", "fast", "-w"], CancellationToken.None, throwOnError: false);
    }

    /// <summary>Stops the cluster if this object started it; a reused one keeps running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (StartedHere) await StopAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task<bool> RunPgAsync(string program, string[] args, CancellationToken ct, bool throwOnError = true)
    {
        var path = Path.Combine(_binDir, program);
        return _asPostgresUser
            ? PostgresTools.RunAsync("runuser", ["-u", "postgres", "--", path, .. args], ct, throwOnError)
            : PostgresTools.RunAsync(path, args, ct, throwOnError);
    }
}

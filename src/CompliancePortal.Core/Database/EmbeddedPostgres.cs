using System.Net;
using System.Net.Sockets;

namespace CompliancePortal.Core.Database;

/// <summary>
/// A private PostgreSQL cluster in a folder of its own (initdb + pg_ctl, loopback only, a free
/// port each start). Used by the run command when no connection string is configured, and by
/// the tests and benchmarks. As root it runs the server as the 'postgres' OS user, because
/// initdb refuses to run as root.
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

    /// <summary>Superuser connection string (trust auth on loopback).</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    private EmbeddedPostgres(string folder, string binDir)
    {
        Folder = Path.GetFullPath(folder);
        _binDir = binDir;
        _dataDir = Path.Combine(Folder, "data");
        _socketDir = Path.Combine(Folder, "sock");
        _asPostgresUser = Environment.UserName == "root";
    }

    /// <summary>Starts (creating if needed) the cluster in <paramref name="folder"/>.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(string folder, CancellationToken ct = default)
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
        await pg.StartCoreAsync(ct);
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

    private async Task StartCoreAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_socketDir);
        if (_asPostgresUser) await PostgresTools.RunAsync("chown", ["-R", "postgres:postgres", Folder], ct);

        if (!File.Exists(Path.Combine(_dataDir, "PG_VERSION")))
        {
            await RunPgAsync("initdb", ["-D", _dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], ct);
        }
        else if (File.Exists(Path.Combine(_dataDir, "postmaster.pid"))
                 && await RunPgAsync("pg_ctl", ["-D", _dataDir, "status"], ct, throwOnError: false))
        {
            // Already running (the portal is up, or was killed and left it): use it as it is.
            // postmaster.pid's fourth line is the port.
            Port = int.Parse(File.ReadLines(Path.Combine(_dataDir, "postmaster.pid")).ElementAt(3).Trim());
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            var ok = await RunPgAsync("pg_ctl",
                ["-D", _dataDir, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60", "-o",
                 $"-p {Port} -k {_socketDir} -c listen_addresses=127.0.0.1 -c max_connections=500 -c shared_buffers=256MB", "start"],
                ct, throwOnError: attempt >= 2);
            if (ok)
            {
                StartedHere = true;
                return;
            }
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

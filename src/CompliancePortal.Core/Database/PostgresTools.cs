using System.Diagnostics;
using Npgsql;

namespace CompliancePortal.Core.Database;

/// <summary>Finding and running PostgreSQL's programs (initdb, pg_ctl, pg_dump, pg_restore).</summary>
public static class PostgresTools
{
    /// <summary>The newest /usr/lib/postgresql/*/bin first (Debian's layout), then PATH.</summary>
    public static IEnumerable<string> SearchFolders()
    {
        if (Directory.Exists("/usr/lib/postgresql"))
            foreach (var dir in Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(VersionOf))
                yield return Path.Combine(dir, "bin");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            yield return dir;
    }

    /// <summary>The full path of a client program such as pg_dump, or a clear error naming the package.</summary>
    public static string Find(string program) =>
        SearchFolders().Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            $"{program} was not found on PATH or under /usr/lib/postgresql/*/bin. Install it with: apt-get install -y postgresql-client");

    /// <summary>The libpq arguments and environment for a connection string (the password never on the command line).</summary>
    public static (string[] Args, Dictionary<string, string> Env) ConnectionArgs(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var env = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(b.Password)) env["PGPASSWORD"] = b.Password;
        return ([$"--host={b.Host}", $"--port={b.Port}", $"--username={b.Username}", $"--dbname={b.Database}"], env);
    }

    /// <summary>Runs a program to its end; false (or an error with its output) when it fails.</summary>
    public static async Task<bool> RunAsync(string program, IEnumerable<string> args, CancellationToken ct,
        bool throwOnError = true, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode == 0) return true;
        if (!throwOnError) return false;
        throw new InvalidOperationException(
            $"{Path.GetFileName(program)} {string.Join(' ', info.ArgumentList)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }

    private static int VersionOf(string dir) => int.TryParse(Path.GetFileName(dir), out var v) ? v : 0;
}

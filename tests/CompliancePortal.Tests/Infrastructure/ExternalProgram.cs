using System.Diagnostics;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>Runs a program the way a user would from a shell (python3 scripts, the portal's CLI's peers).</summary>
public static class ExternalProgram
{
    /// <summary>Runs <paramref name="program"/> in <paramref name="folder"/> (two minutes at most); its exit code and its output and errors together.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string folder, string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

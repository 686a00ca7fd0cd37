using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// The built portal as a separate OS process (the same CompliancePortal.dll the tests reference),
/// for what an in-process host cannot show: a SIGKILL in the middle of work, and the CLI verbs.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;

    public Uri BaseAddress { get; }

    private PortalProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public static string PortalDll => Path.Combine(AppContext.BaseDirectory, "CompliancePortal.dll");

    public static async Task<PortalProcess> StartAsync(TestDatabase db, string fileLogFolder)
    {
        var port = FreePort();
        var process = Start([
            $"--urls=http://127.0.0.1:{port}",
            $"--ConnectionStrings:Portal={db.Connections.App}",
            "--Demo:Enabled=false",
            // No Hangfire server: a recurring job due during a test writes entries of its own
            // (trade-blotter at 00:45 UTC blots the test trades' 2024 day), and these tests count entries.
            "--Jobs:Server=false",
            $"--Checkpoints:SigningKey={TestSigningKey.Private}",
            $"--FileLog:Folder={fileLogFolder}",
            $"--contentRoot={RepositoryRoot.Path}",
        ]);
        var portal = new PortalProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"portal exited early with {process.ExitCode}");
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return portal;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        await portal.DisposeAsync();
        throw new TimeoutException("portal did not answer /healthz within 60 s");
    }

    /// <summary>Runs a CLI verb to completion; returns its exit code and standard output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await errors);
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(PortalDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the portal");
        // Drain output so the child never blocks on a full pipe.
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        return process;
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
        await Task.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

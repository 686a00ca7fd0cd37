using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// A real S3-compatible server for the tests: s3rver (npm) on loopback, installed on first use
/// into the ignored .data/tools folder, with its data in a temporary folder.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private const string Version = "3.7.1";

    // Test classes run in parallel: two installs into one folder fail with npm's ENOTEMPTY.
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private Process? _server;
    private string _data = "";

    public string ServiceUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var tools = Path.Combine(RepositoryRoot.Path, ".data", "tools");
        var bin = Path.Combine(tools, "node_modules", "s3rver", "bin", "s3rver.js");
        await InstallLock.WaitAsync();
        try
        {
            // The marker is written only after npm finished: an interrupted install leaves s3rver.js
            // without its dependencies, and npm install then repairs it.
            var installed = Path.Combine(tools, $"s3rver-{Version}.installed");
            if (!File.Exists(bin) || !File.Exists(installed))
            {
                await RunAsync("npm", ["install", "--prefix", tools, $"s3rver@{Version}", "--no-audit", "--no-fund", "--loglevel=error"]);
                await File.WriteAllTextAsync(installed, DateTime.UtcNow.ToString("O"));
            }
        }
        finally
        {
            InstallLock.Release();
        }

        _data = Path.Combine(Path.GetTempPath(), "cp-s3rver-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_data);
        var port = FreePort();
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { bin, "-d", _data, "-a", "127.0.0.1", "-p", port.ToString(), "--silent" }) info.ArgumentList.Add(arg);
        _server = Process.Start(info) ?? throw new InvalidOperationException("could not start s3rver");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        ServiceUrl = $"http://127.0.0.1:{port}";

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_server is { HasExited: false }) _server.Kill(entireProcessTree: true);
        _server?.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private static async Task RunAsync(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {await errors}{await output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

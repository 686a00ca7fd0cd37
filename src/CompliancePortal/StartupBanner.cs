using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Demo;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CompliancePortal;

/// <summary>Prints where the portal listens and the demo credentials once it is up.</summary>
internal sealed class StartupBanner(IServer server, IHostApplicationLifetime lifetime, IOptions<DemoOptions> demo,
    NoteSigner checkpointSigner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Console.WriteLine();
            Console.WriteLine("==================== CompliancePortal ====================");
            foreach (var address in addresses) Console.WriteLine($"  Portal:        {address}");
            Console.WriteLine($"  Checkpoint verifier key: {checkpointSigner.Verifier.Encoded}");
            if (demo.Value.Enabled == true)
            {
                Console.WriteLine($"  Demo API key:  {demo.Value.ApiKey}   (all log types + verification)");
                Console.WriteLine($"  Demo logins (password '{demo.Value.Password}'):");
                foreach (var (name, role, _) in DemoUsers.All) Console.WriteLine($"    {name,-10} {role}");
                Console.WriteLine($"  Try:           curl -H 'X-Api-Key: {demo.Value.ApiKey}' {addresses.FirstOrDefault()}/api/v1/ledger/verify");
            }
            Console.WriteLine("===========================================================");
            Console.WriteLine();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using CompliancePortal.Core.Accounts;
using Microsoft.AspNetCore.Identity;

namespace CompliancePortal.Accounts;

/// <summary>Makes sure the five roles exist (they are part of the product, not demo data).</summary>
internal sealed class RoleSeeder(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in UserRoles.All)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

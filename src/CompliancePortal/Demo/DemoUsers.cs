using CompliancePortal.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Demo;

/// <summary>One demo user per role, created at start-up when the demo is on (the banner prints them).</summary>
public sealed class DemoUsers(IServiceProvider services, IOptions<DemoOptions> options, TimeProvider time) : IHostedService
{
    public static readonly IReadOnlyList<(string UserName, string Role, string DisplayName)> All =
    [
        ("employee", UserRoles.Employee, "Erin Employee"),
        ("pm", UserRoles.PortfolioManager, "Pat Portfolio-Manager"),
        ("cco", UserRoles.ComplianceOfficer, "Casey Chief-Compliance-Officer"),
        ("auditor", UserRoles.Auditor, "Alex Outside-Auditor"),
        ("admin", UserRoles.Admin, "Ari Administrator"),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        foreach (var (name, role, display) in All)
        {
            if (await users.FindByNameAsync(name) is not null) continue;
            var user = new PortalUser { UserName = name, DisplayName = display };
            if (role == UserRoles.Auditor)
            {
                // The demo auditor is granted the last 90 days.
                user.AuditFrom = today.AddDays(-90);
                user.AuditTo = today;
            }
            var created = await users.CreateAsync(user, options.Value.Password);
            if (!created.Succeeded)
                throw new InvalidOperationException($"demo user {name}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            await users.AddToRoleAsync(user, role);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Demo;

/// <summary>
/// With the demo off, what an earlier demo left behind stops working: each demo user still
/// holding the published demo password is disabled, and the <c>demo</c> key is revoked, each a
/// ledger entry by <see cref="Actor"/> "system". A user merely named like a demo user (a real
/// "admin" with a password of its own) is left alone.
/// </summary>
public sealed class DemoRetirement(IServiceProvider services, IOptions<DemoOptions> options, ILogger<DemoRetirement> logger) : BackgroundService
{
    public static readonly Actor System = new("system");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var administration = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        foreach (var (name, _, _) in DemoUsers.All)
        {
            var user = await users.FindByNameAsync(name);
            if (user is null || user.IsDisabled || !await users.CheckPasswordAsync(user, options.Value.Password)) continue;
            var role = (await users.GetRolesAsync(user)).FirstOrDefault() ?? "";
            var failure = await administration.UpdateAsync(System, user.Id,
                new UserChange(name, user.DisplayName, role, user.AuditFrom, user.AuditTo, IsDisabled: true));
            if (failure is not null) logger.LogError("Demo user {User} could not be disabled: {Reason}", name, failure.Message);
            else logger.LogWarning("The demo is off: demo user {User} (published password) disabled", name);
        }

        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyStore>();
        var demoKey = (await keys.ListAsync(stoppingToken)).FirstOrDefault(k => k.Name == DemoEventSource.KeyName && k.RevokedAt is null);
        if (demoKey is not null)
        {
            await keys.RevokeAsync(System, demoKey.Id, stoppingToken);
            logger.LogWarning("The demo is off: API key '{Key}' revoked", DemoEventSource.KeyName);
        }
    }
}

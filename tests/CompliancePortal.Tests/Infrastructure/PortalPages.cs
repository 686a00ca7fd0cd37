using Bunit;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// bunit contexts for pages over a running test portal: the page's services are the portal's own
/// (real PostgreSQL), and the signed-in user gets the roles and the policies those roles admit,
/// as <see cref="Policies"/> decides for the real portal (through <see cref="PortalBunit"/>).
/// </summary>
public static class PortalPages
{
    /// <param name="portal">Whose services the page gets.</param>
    /// <param name="userName">The signed-in user; anonymous when null.</param>
    /// <param name="role">The user's role (its policies are granted with it).</param>
    /// <param name="services">The types the page injects, resolved from the portal.</param>
    public static BunitContext NewContext(PortalFactory portal, string? userName, string? role, params Type[] services) =>
        NewContext(portal, userName, role, null, services);

    /// <param name="more">Further services (e.g. a scoped one from a scope of the portal), added before anything is resolved.</param>
    public static BunitContext NewContext(PortalFactory portal, string? userName, string? role, Action<IServiceCollection>? more, params Type[] services)
    {
        if (userName is not null && role is not null) EnsureUserAsync(portal, userName, role).GetAwaiter().GetResult();
        return PortalBunit.NewContext(userName, role is null ? [] : [role], collection =>
        {
            more?.Invoke(collection);
            foreach (var type in services) collection.AddSingleton(type, portal.Services.GetRequiredService(type));
            collection.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
            collection.AddSingleton(portal.Services.GetRequiredService<RoleCheck>());
            collection.AddScoped<CurrentActor>();
        });
    }

    /// <summary>
    /// The signed-in user exists in the portal's database in exactly that role: a page checks the
    /// stored user again when it acts (RoleCheck), as the real circuit does.
    /// </summary>
    private static async Task EnsureUserAsync(PortalFactory portal, string userName, string role)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByNameAsync(userName);
        if (user is null)
        {
            user = new PortalUser { UserName = userName, DisplayName = userName };
            var created = await users.CreateAsync(user, PortalUsers.Password);
            if (!created.Succeeded) throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
        }
        var roles = await users.GetRolesAsync(user);
        if (roles.SequenceEqual([role])) return;
        await users.RemoveFromRolesAsync(user, roles);
        await users.AddToRoleAsync(user, role);
    }
}

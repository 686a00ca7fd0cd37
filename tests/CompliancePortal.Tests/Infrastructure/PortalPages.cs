using Bunit;
using CompliancePortal.Accounts;
using Microsoft.AspNetCore.Http;
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
    public static BunitContext NewContext(PortalFactory portal, string? userName, string? role, Action<IServiceCollection>? more, params Type[] services) =>
        PortalBunit.NewContext(userName, role is null ? [] : [role], collection =>
        {
            more?.Invoke(collection);
            foreach (var type in services) collection.AddSingleton(type, portal.Services.GetRequiredService(type));
            collection.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
            collection.AddScoped<CurrentActor>();
        });
}

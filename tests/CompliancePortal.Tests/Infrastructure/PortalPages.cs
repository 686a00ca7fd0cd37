using System.Reflection;
using System.Security.Claims;
using Bunit;
using CompliancePortal.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// bunit contexts for pages over a running test portal: the page's services are the portal's own
/// (real PostgreSQL), and the signed-in user gets the roles and the policies those roles admit,
/// as <see cref="Policies"/> decides for the real portal.
/// </summary>
public static class PortalPages
{
    private static readonly string[] PolicyNames = [.. typeof(Policies)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)];

    /// <param name="portal">Whose services the page gets.</param>
    /// <param name="userName">The signed-in user; anonymous when null.</param>
    /// <param name="role">The user's role (its policies are granted with it).</param>
    /// <param name="services">The types the page injects, resolved from the portal.</param>
    public static BunitContext NewContext(PortalFactory portal, string? userName, string? role, params Type[] services) =>
        NewContext(portal, userName, role, null, services);

    /// <param name="more">Further services (e.g. a scoped one from a scope of the portal), added before anything is resolved.</param>
    public static BunitContext NewContext(PortalFactory portal, string? userName, string? role, Action<IServiceCollection>? more, params Type[] services)
    {
        var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        more?.Invoke(ctx.Services);
        var authorization = ctx.AddAuthorization();
        if (userName is not null)
        {
            authorization.SetAuthorized(userName);
            if (role is not null)
            {
                authorization.SetRoles(role);
                var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, role)], "test"));
                authorization.SetPolicies([.. PolicyNames.Where(p => Policies.Allows(principal, p))]);
            }
        }
        foreach (var type in services) ctx.Services.AddSingleton(type, portal.Services.GetRequiredService(type));
        ctx.Services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        ctx.Services.AddScoped<CurrentActor>();
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return ctx;
    }
}

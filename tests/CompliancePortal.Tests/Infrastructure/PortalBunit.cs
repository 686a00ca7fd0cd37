using System.Reflection;
using System.Security.Claims;
using Bunit;
using CompliancePortal.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// bunit contexts set up like the portal's circuit. Use as
/// <c>await using var ctx = PortalBunit.NewContext();</c>: MudBlazor's services are
/// async-disposable only, so a synchronous dispose throws.
/// </summary>
public static class PortalBunit
{
    /// <param name="signedInAs">A user name to sign in; anonymous when null.</param>
    /// <param name="services">Extra services the component under test needs (added before anything is resolved).</param>
    public static BunitContext NewContext(string? signedInAs = null, Action<IServiceCollection>? services = null) =>
        NewContext(signedInAs, [], services);

    /// <summary>
    /// A context with <paramref name="signedInAs"/> signed in, in <paramref name="roles"/>, and granted
    /// exactly the named <see cref="Policies"/> those roles admit (for <c>AuthorizeView Policy</c>).
    /// </summary>
    public static BunitContext NewContext(string? signedInAs, string[] roles, Action<IServiceCollection>? services = null)
    {
        var ctx = new BunitContext();
        // MudBlazor calls JS (resize listeners, theme detection) that these tests do not care about.
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        // The portal renders everything InteractiveServer; components may read RendererInfo.
        // Pages and the layout use AuthorizeView: anonymous unless a test signs a user in on the returned state.
        var authorization = ctx.AddAuthorization();
        if (signedInAs is not null) authorization.SetAuthorized(signedInAs);
        if (roles.Length > 0)
        {
            authorization.SetRoles(roles);
            authorization.SetPolicies(PoliciesOf(roles));
        }
        services?.Invoke(ctx.Services);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return ctx;
    }

    /// <summary>The policy names the portal's <see cref="Policies"/> grant to a user in <paramref name="roles"/>.</summary>
    public static string[] PoliciesOf(string[] roles)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(roles.Select(r => new Claim(ClaimTypes.Role, r)), "test"));
        return [.. typeof(Policies).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(p => Policies.Allows(user, p))];
    }
}

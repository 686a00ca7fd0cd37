using Bunit;
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
    public static BunitContext NewContext(string? signedInAs = null, Action<IServiceCollection>? services = null)
    {
        var ctx = new BunitContext();
        // MudBlazor calls JS (resize listeners, theme detection) that these tests do not care about.
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        // The portal renders everything InteractiveServer; components may read RendererInfo.
        // Pages and the layout use AuthorizeView: anonymous unless a test signs a user in on the returned state.
        var authorization = ctx.AddAuthorization();
        if (signedInAs is not null) authorization.SetAuthorized(signedInAs);
        services?.Invoke(ctx.Services);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return ctx;
    }
}

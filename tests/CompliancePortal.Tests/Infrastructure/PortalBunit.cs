using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// bunit contexts set up like the portal's circuit. Use as
/// <c>await using var ctx = PortalBunit.NewContext();</c>: MudBlazor's services are
/// async-disposable only, so a synchronous dispose throws.
/// </summary>
public static class PortalBunit
{
    /// <param name="services">Registers a test's own services (fakes) before anything is resolved.</param>
    public static BunitContext NewContext(Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var ctx = new BunitContext();
        services?.Invoke(ctx.Services);
        // MudBlazor calls JS (resize listeners, theme detection) that these tests do not care about.
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        // The portal renders everything InteractiveServer; components may read RendererInfo.
        // Pages and the layout use AuthorizeView: anonymous unless a test signs a user in on the returned state.
        ctx.AddAuthorization();
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return ctx;
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.HttpOverrides;

namespace CompliancePortal.Security;

/// <summary>
/// What every response carries and how the portal sits behind a proxy: the forwarded client
/// address from known proxies only, HSTS outside Development, and headers that stop sniffing,
/// framing, referrer leaks and scripts from anywhere but the portal.
/// </summary>
public static partial class SecuritySetup
{
    public static void AddTransportSecurity(this WebApplicationBuilder builder)
    {
        var forwarded = builder.AddSettings<ForwardedHeadersSettings>();
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET trusts loopback by default; the portal trusts only the proxies it is told of.
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var proxy in forwarded.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(proxy));
        });
        builder.Services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
    }

    /// <summary>First in the pipeline: everything after sees the client's address and every response gets the headers.</summary>
    public static void UseTransportSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.Use((http, next) =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = ContentSecurityPolicy(http.Request.Host.Value);
            return next(http);
        });
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")]
    private static partial Regex PlainHost();

    /// <summary>
    /// Blazor Server and MudBlazor work under it: scripts only from the portal, inline styles (MudBlazor
    /// sets them), the circuit's WebSocket to the portal's own host; no framing, plugins or foreign forms.
    /// </summary>
    public static string ContentSecurityPolicy(string? host)
    {
        var sockets = host is not null && PlainHost().IsMatch(host) ? $" ws://{host} wss://{host}" : "";
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
               $"connect-src 'self'{sockets}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
    }
}

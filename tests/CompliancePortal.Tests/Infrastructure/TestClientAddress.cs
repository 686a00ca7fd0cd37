using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// The in-memory test server gives requests no client address; with this a request's
/// <see cref="Header"/> names the address the portal sees (what the connection would carry).
/// </summary>
public sealed class TestClientAddress : IStartupFilter
{
    public const string Header = "X-Test-Client-Address";

    public static void AddTo(IWebHostBuilder builder) => builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, TestClientAddress>());

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(nextStep => http =>
        {
            if (http.Request.Headers.TryGetValue(Header, out var address)) http.Connection.RemoteIpAddress = IPAddress.Parse(address!);
            return nextStep(http);
        });
        next(app);
    };
}

using System.Threading.RateLimiting;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace CompliancePortal.Accounts;

/// <summary>
/// Sign-in with ASP.NET Core Identity (users and roles in the portal's PostgreSQL), a cookie for
/// the browser, and a fallback policy so that every page, hub and endpoint needs a signed-in
/// user unless it says otherwise (the ingest API authenticates by API key instead).
/// </summary>
public static class AccountSetup
{
    public static void AddPortalAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddIdentity<PortalUser, IdentityRole>(o =>
            {
                o.Password.RequiredLength = 12;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.User.RequireUniqueEmail = false;
            })
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddDefaultTokenProviders();

        // Cookies over HTTPS only, but in Development and on the embedded quick start (plain http on loopback).
        var secure = builder.Environment.IsDevelopment() || string.IsNullOrEmpty(builder.Configuration.GetConnectionString("Portal"))
            ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.SecurePolicy = secure;
            // Every response already says DENY (Security/SecuritySetup.cs); antiforgery's SAMEORIGIN would make it two.
            o.SuppressXFrameOptionsHeader = true;
        });
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.AccessDeniedPath = "/account/denied";
            o.Cookie.Name = "cp.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secure;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            // Programs (API, hub negotiation) get status codes, not a redirect to a sign-in page.
            o.Events.OnRedirectToLogin = ctx => StatusOrRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => StatusOrRedirect(ctx, StatusCodes.Status403Forbidden);
        });

        var signIn = builder.AddSettings<SignInOptions>();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignInRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = signIn.PermitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

        var authorization = builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        Policies.Add(authorization);
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddSingleton<UserActionLog>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CurrentActor>();
        builder.Services.AddScoped<UserAdministration>();
        // A disabled user's or changed role's cookie, circuit and hub connections stop working within RevalidateSeconds.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromSeconds(signIn.RevalidateSeconds));
        builder.Services.AddSingleton<SessionValidator>();
        builder.Services.AddSingleton<RoleCheck>();
        // Registered before AddRazorComponents, whose own provider is only a fallback (TryAdd).
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingAuthenticationState>();
        builder.Services.AddSingleton<HubSessions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HubSessions>());
        builder.Services.AddHostedService<RoleSeeder>();
    }

    /// <summary>The rate limiter policy of POST /account/login: <see cref="SignInOptions.PermitsPerMinute"/> per client address.</summary>
    public const string SignInRateLimit = "sign-in";

    private static Task StatusOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        var path = ctx.Request.Path;
        // The job dashboard is not a Blazor page: a signed-in user of another role gets a plain 403.
        var dashboard = status == StatusCodes.Status403Forbidden && path.StartsWithSegments("/admin/jobs");
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || dashboard)
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>The actor behind an HTTP request: the signed-in user, their address and session.</summary>
    public static Actor ActorOf(HttpContext http) => new(
        http.User.Identity?.Name ?? "anonymous",
        http.Connection.RemoteIpAddress?.ToString(),
        http.TraceIdentifier);
}

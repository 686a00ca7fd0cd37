using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CompliancePortal.Accounts;

/// <summary>Form posts for signing in and out. Both outcomes of a sign-in are ledger entries.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", SignInAsync).AllowAnonymous();
        app.MapPost("/account/logout", async (HttpContext http, SignInManager<PortalUser> signIn, UserActionLog log) =>
        {
            await log.RecordAsync(AccountSetup.ActorOf(http), "portal_sign_out", new { }, LogTypes.System);
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http,
        [FromForm] string? userName,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        SignInManager<PortalUser> signIn,
        UserManager<PortalUser> users,
        UserActionLog log)
    {
        var target = IsLocal(returnUrl) ? returnUrl! : "/";
        var name = (userName ?? "").Trim();
        var user = name.Length == 0 ? null : await users.FindByNameAsync(name);
        var actor = AccountSetup.ActorOf(http) with { UserName = name.Length == 0 ? "anonymous" : name };

        if (user is null || user.IsDisabled || string.IsNullOrEmpty(password))
            return await FailAsync(user is null ? "unknown user" : user.IsDisabled ? "user disabled" : "no password");

        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        if (!result.Succeeded)
            return await FailAsync(result.IsLockedOut ? "locked out" : "wrong password");

        await log.RecordAsync(actor, "portal_sign_in", new { roles = await users.GetRolesAsync(user) }, LogTypes.System);
        return Results.LocalRedirect(target);

        async Task<IResult> FailAsync(string reason)
        {
            await log.RecordAsync(actor, "portal_sign_in_failed", new { reason }, LogTypes.System);
            return Results.LocalRedirect($"/account/login?error=1&returnUrl={Uri.EscapeDataString(target)}");
        }
    }

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}

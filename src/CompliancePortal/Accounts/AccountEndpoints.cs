using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CompliancePortal.Accounts;

/// <summary>Form posts for signing in and out. Both outcomes of a sign-in are ledger entries.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", SignInAsync).AllowAnonymous().RequireRateLimiting(AccountSetup.SignInRateLimit);
        app.MapPost("/account/logout", async (HttpContext http, SignInManager<PortalUser> signIn, UserActionLog log, IAntiforgery antiforgery) =>
        {
            // The layout's form carries the token; another site's form cannot sign anyone out.
            if (!await antiforgery.IsRequestValidAsync(http)) return Problems.BadRequest("The sign-out form's antiforgery token is missing or wrong.");
            await log.RecordAsync(AccountSetup.ActorOf(http), "portal_sign_out", new { }, LogTypes.System);
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });
    }

    /// <summary>The longest typed name a failed sign-in's ledger entry keeps.</summary>
    public const int MaxRecordedNameLength = 64;

    // Identity's own limit: a longer name cannot be a user.
    private const int MaxUserNameLength = 256;

    private static readonly PortalUser Nobody = new() { UserName = "nobody" };

    // A hash made once with Identity's hasher and settings, checked for names that are no user's.
    private static readonly string NobodysHash = new PasswordHasher<PortalUser>().HashPassword(Nobody, Guid.NewGuid().ToString());

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
        var user = name.Length == 0 || name.Length > MaxUserNameLength ? null : await users.FindByNameAsync(name);
        // The ledger keeps what was typed as the name, cut short; never anything of the password.
        var actor = AccountSetup.ActorOf(http) with { UserName = name.Length == 0 ? "anonymous" : name[..Math.Min(name.Length, MaxRecordedNameLength)] };

        if (user is null)
        {
            // As long as checking a real user's password, so the answer's time does not say which names exist.
            users.PasswordHasher.VerifyHashedPassword(Nobody, NobodysHash, password ?? "");
            return await FailAsync("unknown user");
        }
        if (user.IsDisabled || string.IsNullOrEmpty(password))
            return await FailAsync(user.IsDisabled ? "user disabled" : "no password");

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

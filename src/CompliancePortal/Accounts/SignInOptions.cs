using CompliancePortal.Core;

namespace CompliancePortal.Accounts;

/// <summary>Configuration section "SignIn": how many sign-in attempts one address may make, how often sessions are checked.</summary>
public sealed class SignInOptions : ISettings
{
    static string ISettings.Section => "SignIn";

    public string? Problem() =>
        PermitsPerMinute < 1 ? "SignIn:PermitsPerMinute must be at least 1"
        : RevalidateSeconds < 1 ? "SignIn:RevalidateSeconds must be at least 1" : null;

    /// <summary>
    /// Sign-in posts one client address may make per minute before the rest get 429. A guesser is
    /// slowed at the door; the account lockout (5 wrong passwords) still guards each user, and
    /// other addresses are not affected.
    /// </summary>
    public int PermitsPerMinute { get; set; } = 20;

    /// <summary>
    /// How often an open circuit, hub connection and cookie are checked against the stored user:
    /// a disabled or demoted user loses them within this time.
    /// </summary>
    public int RevalidateSeconds { get; set; } = 30;
}

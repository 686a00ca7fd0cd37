using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Accounts;

/// <summary>
/// A circuit's sign-in is checked against the stored user every
/// <see cref="SignInOptions.RevalidateSeconds"/>: a disabled or demoted user's circuit becomes
/// anonymous, so its page is replaced by the sign-in redirect (Routes.razor), which loads a new
/// page and ends the circuit; the cookie it presents is then refused by the security stamp.
/// </summary>
public sealed class RevalidatingAuthenticationState(ILoggerFactory loggers, SessionValidator sessions, IOptions<SignInOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(options.Value.RevalidateSeconds);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        sessions.IsCurrentAsync(authenticationState.User, cancellationToken);
}

using CompliancePortal.Core.Audit;
using Microsoft.AspNetCore.Components.Authorization;

namespace CompliancePortal.Accounts;

/// <summary>
/// The signed-in user of a Blazor circuit as a ledger actor. The address and session are those
/// of the request that opened the circuit (captured once; HttpContext is gone afterwards).
/// </summary>
public sealed class CurrentActor(AuthenticationStateProvider authentication, IHttpContextAccessor http, RoleCheck roles)
{
    private readonly string? _ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString();
    private readonly string? _session = http.HttpContext?.TraceIdentifier;

    public async Task<Actor> GetAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return new Actor(state.User.Identity?.Name ?? "anonymous", _ip, _session);
    }

    /// <summary>
    /// The actor, when their stored account may act under <paramref name="policy"/> now; otherwise
    /// why not (a circuit opened before a demotion still shows the old role's buttons).
    /// </summary>
    public async Task<(Actor Actor, string? Refusal)> ForActionAsync(string policy)
    {
        var actor = await GetAsync();
        return (actor, await roles.RefusalAsync(actor.UserName, policy));
    }
}

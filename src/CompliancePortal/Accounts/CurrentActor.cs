using CompliancePortal.Core.Audit;
using Microsoft.AspNetCore.Components.Authorization;

namespace CompliancePortal.Accounts;

/// <summary>
/// The signed-in user of a Blazor circuit as a ledger actor. The address and session are those
/// of the request that opened the circuit (captured once; HttpContext is gone afterwards).
/// </summary>
public sealed class CurrentActor(AuthenticationStateProvider authentication, IHttpContextAccessor http)
{
    private readonly string? _ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString();
    private readonly string? _session = http.HttpContext?.TraceIdentifier;

    public async Task<Actor> GetAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return new Actor(state.User.Identity?.Name ?? "anonymous", _ip, _session);
    }
}

using CompliancePortal.Core.ApiKeys;

namespace CompliancePortal.Ingest;

/// <summary>Resolves the key (X-Api-Key, Seq's X-Seq-ApiKey or Authorization: Bearer) to an active key, or the problem response to send.</summary>
public static class ApiKeyAuthentication
{
    public const string Header = "X-Api-Key";

    /// <summary>Where Seq's clients (Serilog's Seq sink) send their key.</summary>
    public const string SeqHeader = "X-Seq-ApiKey";

    public static async Task<(ApiKey? Key, IResult? Problem)> AuthenticateAsync(HttpContext http, ApiKeyStore keys)
    {
        var presented = http.Request.Headers[Header].ToString();
        if (string.IsNullOrWhiteSpace(presented)) presented = http.Request.Headers[SeqHeader].ToString();
        // OpenTelemetry exporters and collectors are usually configured with a bearer token.
        var authorization = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(presented) && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            presented = authorization["Bearer ".Length..].Trim();
        if (string.IsNullOrWhiteSpace(presented))
            return (null, Problems.Unauthorized($"Missing API key: send it in the {Header} header (or as Authorization: Bearer)."));
        var key = await keys.FindActiveAsync(presented, http.RequestAborted);
        return key is null
            ? (null, Problems.Unauthorized("The API key is not valid or has been revoked."))
            : (key, null);
    }
}

using CompliancePortal.Core.ApiKeys;

namespace CompliancePortal.Ingest;

/// <summary>Resolves the X-Api-Key header to an active key, or the problem response to send.</summary>
public static class ApiKeyAuthentication
{
    public const string Header = "X-Api-Key";

    public static async Task<(ApiKey? Key, IResult? Problem)> AuthenticateAsync(HttpContext http, ApiKeyStore keys)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values) || string.IsNullOrWhiteSpace(values.ToString()))
            return (null, Problems.Unauthorized($"Missing API key: send it in the {Header} header."));
        var key = await keys.FindActiveAsync(values.ToString(), http.RequestAborted);
        return key is null
            ? (null, Problems.Unauthorized("The API key is not valid or has been revoked."))
            : (key, null);
    }
}

using CompliancePortal.Core;
using CompliancePortal.Core.ApiKeys;

namespace CompliancePortal.Ingest;

/// <summary>What one upload of a source system (a positions book, an email) must be.</summary>
/// <param name="LogType">The grant the API key needs.</param>
/// <param name="Action">What the key does, for the 403 message ("submit positions").</param>
/// <param name="MediaType">The only Content-Type taken.</param>
/// <param name="MaxBytes">The body's limit, named in the 413 message in bytes and as "8 MiB".</param>
public sealed record SourceUpload(string LogType, string Action, string MediaType, int MaxBytes)
{
    /// <summary>
    /// The key and the whole body, or the problem to answer: 401 for the key, 403 without the grant,
    /// 415 for another content type, 413 over the limit (checked on Content-Length and while reading).
    /// </summary>
    public async Task<(ApiKey? Key, ReadOnlyMemory<byte> Body, IResult? Problem)> ReadAsync(HttpContext http, ApiKeyStore keys)
    {
        var (key, problem) = await ApiKeyAuthentication.AuthenticateAsync(http, keys);
        if (problem is not null) return (null, default, problem);
        if (!key!.LogTypes.Contains(LogType))
            return (null, default, Problems.Forbidden($"This API key may not {Action} (it needs the {LogType} grant). Nothing was stored."));
        var mediaType = http.Request.ContentType?.Split(';', 2)[0].Trim();
        if (!string.Equals(mediaType, MediaType, StringComparison.OrdinalIgnoreCase))
            return (null, default, Problems.UnsupportedMediaType($"Send Content-Type {MediaType}."));

        var tooLarge = Problems.TooLarge($"The request body is over the limit of {MaxBytes} bytes ({Formats.Size(MaxBytes)}). Nothing was stored.");
        if (http.Request.ContentLength > MaxBytes) return (null, default, tooLarge);
        var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            if (body.Length + read > MaxBytes) return (null, default, tooLarge);
            body.Write(buffer, 0, read);
        }
        return (key, body.GetBuffer().AsMemory(0, (int)body.Length), null);
    }
}

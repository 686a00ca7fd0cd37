using System.Net;
using CompliancePortal.Core;

namespace CompliancePortal.Security;

/// <summary>Configuration section "ForwardedHeaders": the reverse proxies whose X-Forwarded-For and -Proto the portal believes.</summary>
public sealed class ForwardedHeadersSettings : ISettings
{
    static string ISettings.Section => "ForwardedHeaders";

    public string? Problem() => KnownProxies.FirstOrDefault(p => !IPAddress.TryParse(p, out _)) is { } bad
        ? $"ForwardedHeaders:KnownProxies holds '{bad}', which is not an IP address"
        : null;

    /// <summary>
    /// The proxies' own addresses. Only a request arriving from one of these has its client address
    /// and scheme taken from the forwarded headers (so the ledger records the client, not the
    /// proxy); with none, the headers are ignored and nobody can claim another address.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];
}

namespace CompliancePortal.Core.Ingest;

/// <summary>The ingest API's fixed limits (the foundation issue sets them).</summary>
public static class IngestLimits
{
    public const int MaxEventBytes = 64 * 1024;
    public const int MaxRequestBytes = 8 * 1024 * 1024;
    public const int MaxDepth = 32;
    public const int MaxEventNameLength = 100;
    public const int MaxIdLength = 200;
    public const int MaxUserIdLength = 100;
    public const int MaxIpAddressLength = 45;
    public const int MaxSessionIdLength = 100;
}

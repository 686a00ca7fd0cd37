namespace CompliancePortal.Core.Archive;

/// <summary>Configuration section "Archive": where archived files go.</summary>
public sealed class ArchiveOptions : ISettings
{
    public const string Section = "Archive";

    static string ISettings.Section => Section;

    /// <summary>"Local" (files under <see cref="Folder"/>) or "S3" (the bucket in <see cref="S3"/>).</summary>
    public string Kind { get; set; } = "Local";

    /// <summary>The local store's folder, relative to the content root.</summary>
    public string Folder { get; set; } = ".data/archive";

    public S3ArchiveOptions S3 { get; set; } = new();

    public bool IsS3 => string.Equals(Kind, "S3", StringComparison.OrdinalIgnoreCase);

    public string? Problem() =>
        IsS3
            ? string.IsNullOrWhiteSpace(S3.ServiceUrl) || string.IsNullOrWhiteSpace(S3.Bucket)
                ? "Archive:Kind is S3: set Archive:S3:ServiceUrl and Archive:S3:Bucket."
                : null
            : string.Equals(Kind, "Local", StringComparison.OrdinalIgnoreCase)
                ? string.IsNullOrWhiteSpace(Folder) ? "Archive:Folder must name a folder." : null
                : $"Archive:Kind '{Kind}' is not Local or S3.";
}

namespace CompliancePortal.Core.Materials;

/// <summary>Configuration section "Materials".</summary>
public sealed class MaterialsOptions : ISettings
{
    public const string Section = "Materials";

    static string ISettings.Section => Section;

    public string? Problem() =>
        MaxBytes is > 0 and <= int.MaxValue ? null : "Materials:MaxBytes must be between 1 and 2147483647";

    /// <summary>Largest file accepted for review, in bytes (default 20 MiB).</summary>
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;
}

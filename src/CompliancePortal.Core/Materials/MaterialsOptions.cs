namespace CompliancePortal.Core.Materials;

/// <summary>Configuration section "Materials".</summary>
public sealed class MaterialsOptions
{
    public const string Section = "Materials";

    /// <summary>Largest file accepted for review, in bytes (default 20 MiB).</summary>
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;
}

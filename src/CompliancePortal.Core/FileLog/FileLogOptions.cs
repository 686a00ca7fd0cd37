namespace CompliancePortal.Core.FileLog;

/// <summary>Configuration section "FileLog": the seed's file tier.</summary>
public sealed class FileLogOptions
{
    public const string Section = "FileLog";

    public bool Enabled { get; set; } = true;

    /// <summary>Folder of the daily files, relative to the content root unless absolute.</summary>
    public string Folder { get; set; } = ".data/filelog";
}

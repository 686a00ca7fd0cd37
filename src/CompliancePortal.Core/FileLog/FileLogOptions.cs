namespace CompliancePortal.Core.FileLog;

/// <summary>Configuration section "FileLog": the seed's file tier.</summary>
public sealed class FileLogOptions : ISettings
{
    public const string Section = "FileLog";

    static string ISettings.Section => Section;

    public string? Problem() =>
        Enabled && string.IsNullOrWhiteSpace(Folder) ? "FileLog:Folder must name a folder when FileLog:Enabled is true" : null;

    public bool Enabled { get; set; } = true;

    /// <summary>Folder of the daily files, relative to the content root unless absolute.</summary>
    public string Folder { get; set; } = ".data/filelog";
}

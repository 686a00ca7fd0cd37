namespace CompliancePortal.Core.Database;

/// <summary>Configuration section "Embedded": the private PostgreSQL cluster used when no ConnectionStrings:Portal is given.</summary>
public sealed class EmbeddedOptions : ISettings
{
    public const string Section = "Embedded";

    static string ISettings.Section => Section;

    /// <summary>The cluster's folder, relative to the content root (inside the ignored .data).</summary>
    public string Folder { get; set; } = ".data/pg";

    /// <summary>The portal's database in that cluster.</summary>
    public string Database { get; set; } = "compliance";

    public string? Problem() =>
        string.IsNullOrWhiteSpace(Folder) || string.IsNullOrWhiteSpace(Database)
            ? "Embedded:Folder and Embedded:Database must not be empty"
            : null;
}

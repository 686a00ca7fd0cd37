namespace CompliancePortal.Core;

/// <summary>
/// One configuration section, read through its options class and checked before the portal (or a
/// command-line verb) starts: a bad value stops start-up with a message naming the setting, instead
/// of surfacing later as odd behaviour. The host binds every section through
/// <c>SettingsSetup.AddSettings&lt;T&gt;</c>.
/// </summary>
public interface ISettings
{
    /// <summary>The section's name in configuration (appsettings.json, environment, arguments).</summary>
    static abstract string Section { get; }

    /// <summary>The first bad setting, named as in configuration ("Section:Key ..."), or null when all are good.</summary>
    string? Problem();
}

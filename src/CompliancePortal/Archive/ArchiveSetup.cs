using CompliancePortal.Core.Archive;

namespace CompliancePortal.Archive;

public static class ArchiveSetup
{
    /// <summary>
    /// The archive store chosen by the "Archive" section: Kind "Local" (default; files under
    /// Archive:Folder, .data/archive) or "S3" (section "Archive:S3").
    /// </summary>
    public static void AddArchiveStore(this WebApplicationBuilder builder)
    {
        var options = builder.AddSettings<ArchiveOptions>();
        builder.Services.AddSingleton(Create(options, builder.Environment.ContentRootPath));
        builder.Services.AddSingleton<DailyArchive>();
        builder.Services.AddTransient<DailyArchiveJob>();
    }

    /// <summary>The configured store; the command-line verbs use it as the portal does.</summary>
    public static IArchiveStore Create(IConfiguration configuration, string contentRoot) =>
        Create(configuration.ReadSettings<ArchiveOptions>(), contentRoot);

    private static IArchiveStore Create(ArchiveOptions options, string contentRoot) =>
        options.IsS3 ? new S3ArchiveStore(options.S3) : new LocalFolderArchiveStore(Path.Combine(contentRoot, options.Folder));
}

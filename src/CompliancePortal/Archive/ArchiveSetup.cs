using CompliancePortal.Core.Archive;

namespace CompliancePortal.Archive;

public static class ArchiveSetup
{
    /// <summary>
    /// The archive store chosen by configuration: "Archive:Kind" = "Local" (default; files under
    /// "Archive:Folder", .data/archive) or "S3" (section "Archive:S3").
    /// </summary>
    public static void AddArchiveStore(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(Create(builder.Configuration, builder.Environment.ContentRootPath));
        builder.Services.AddSingleton<DailyArchive>();
        builder.Services.AddTransient<DailyArchiveJob>();
    }

    /// <summary>The configured store; the command-line verbs use it as the portal does.</summary>
    public static IArchiveStore Create(IConfiguration configuration, string contentRoot)
    {
        var section = configuration.GetSection("Archive");
        var kind = section["Kind"] ?? "Local";
        if (string.Equals(kind, "S3", StringComparison.OrdinalIgnoreCase))
        {
            var options = section.GetSection("S3").Get<S3ArchiveOptions>() ?? new S3ArchiveOptions();
            if (string.IsNullOrWhiteSpace(options.ServiceUrl) || string.IsNullOrWhiteSpace(options.Bucket))
                throw new InvalidOperationException("Archive:Kind is S3: set Archive:S3:ServiceUrl and Archive:S3:Bucket.");
            return new S3ArchiveStore(options);
        }
        if (!string.Equals(kind, "Local", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Archive:Kind '{kind}' is not Local or S3.");
        return new LocalFolderArchiveStore(Path.Combine(contentRoot, section["Folder"] ?? ".data/archive"));
    }
}

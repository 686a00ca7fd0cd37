namespace CompliancePortal.Tests.Infrastructure;

public static class RepositoryRoot
{
    /// <summary>The folder holding CompliancePortal.sln: the portal's content root.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "CompliancePortal.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CompliancePortal.sln not found above " + AppContext.BaseDirectory);
    }
}

using Microsoft.Playwright;

namespace CompliancePortal.E2E.Infrastructure;

public static class PageExtensions
{
    /// <summary>Full-page PNG under docs/screenshots/ of the repository, committed as the UI's picture.</summary>
    public static async Task SaveScreenshotAsync(this IPage page, string name)
    {
        var folder = Path.Combine(CompliancePortal.Tests.Infrastructure.RepositoryRoot.Path, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }

    /// <summary>Collects console errors and uncaught exceptions of the page, for asserting none happened.</summary>
    public static List<string> CollectErrors(this IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") lock (errors) errors.Add("console: " + message.Text); };
        page.PageError += (_, error) => { lock (errors) errors.Add("page error: " + error); };
        return errors;
    }
}

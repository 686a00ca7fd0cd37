using System.Runtime.CompilerServices;

namespace CompliancePortal.Core.Archive;

/// <summary>
/// The default archive store: files under one folder. Each object is written to a temporary file,
/// flushed to disk, then moved into place, so a reader never sees half an object. Retention is
/// not enforced here (there is no WORM on a plain folder); use S3 with Object Lock for that.
/// </summary>
public sealed class LocalFolderArchiveStore(string root) : IArchiveStore
{
    public string Root { get; } = Path.GetFullPath(root);

    private string PathOf(string key) => Path.Combine(Root, ArchiveKeys.Check(key).Replace('/', Path.DirectorySeparatorChar));

    public async Task PutAsync(string key, Stream content, string contentType, RetentionRule? retention = null, CancellationToken ct = default)
    {
        var path = PathOf(key);
        if (File.Exists(path)) throw new ArchiveObjectExistsException(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".partial-" + Guid.NewGuid().ToString("N");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await content.CopyToAsync(file, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new ArchiveObjectExistsException(key);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default)
    {
        var path = PathOf(key);
        return Task.FromResult<Stream?>(File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true)
            : null);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) => Task.FromResult(File.Exists(PathOf(key)));

    public async IAsyncEnumerable<ArchiveObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (!Directory.Exists(Root)) yield break;
        var keys = Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(p => !p.Contains(".partial-", StringComparison.Ordinal))
            .Select(p => (Key: Path.GetRelativePath(Root, p).Replace(Path.DirectorySeparatorChar, '/'), Path: p))
            .Where(k => k.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(k => k.Key, StringComparer.Ordinal);
        foreach (var (k, p) in keys)
        {
            ct.ThrowIfCancellationRequested();
            yield return new ArchiveObject(k, new FileInfo(p).Length);
        }
        await Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string key, CancellationToken ct = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        return Task.FromResult(true);
    }
}

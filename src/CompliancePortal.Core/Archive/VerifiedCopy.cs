using System.Security.Cryptography;

namespace CompliancePortal.Core.Archive;

public enum CopyOutcome { Verified, Missing, Altered }

/// <summary>
/// An archived file read once from the store into a temporary copy while it is hashed, and handed
/// out only when its SHA-256 is the recorded one: what a reader receives is exactly what was
/// checked. Every download of an archived record goes through it (blotters, position snapshots,
/// marketing materials). The copy is deleted when this is disposed.
/// </summary>
public sealed class VerifiedCopy : IAsyncDisposable
{
    private readonly FileStream? _copy;

    private VerifiedCopy(CopyOutcome outcome, string? actualSha256, FileStream? copy) =>
        (Outcome, ActualSha256, _copy) = (outcome, actualSha256, copy);

    public CopyOutcome Outcome { get; }

    /// <summary>The stored bytes' SHA-256; null when the object is missing.</summary>
    public string? ActualSha256 { get; }

    /// <summary>The verified bytes from their start; null unless <see cref="CopyOutcome.Verified"/>.</summary>
    public Stream? Content => Outcome == CopyOutcome.Verified ? _copy : null;

    public static async Task<VerifiedCopy> ReadAsync(IArchiveStore store, string key, string expectedSha256, CancellationToken ct = default)
    {
        await using var stored = await store.OpenReadAsync(key, ct);
        if (stored is null) return new VerifiedCopy(CopyOutcome.Missing, null, null);
        var copy = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int n;
            while ((n = await stored.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                await copy.WriteAsync(buffer.AsMemory(0, n), ct);
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != expectedSha256)
            {
                await copy.DisposeAsync();
                return new VerifiedCopy(CopyOutcome.Altered, actual, null);
            }
            copy.Position = 0;
            return new VerifiedCopy(CopyOutcome.Verified, actual, copy);
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _copy?.DisposeAsync() ?? ValueTask.CompletedTask;
}

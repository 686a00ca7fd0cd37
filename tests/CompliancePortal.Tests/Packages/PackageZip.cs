using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CompliancePortal.Tests.Packages;

/// <summary>A package ZIP opened by a test: every file's bytes by path, and the manifest.</summary>
public sealed class PackageZip
{
    public Dictionary<string, byte[]> Files { get; } = [];
    public JsonElement Manifest { get; private set; }

    public static PackageZip Read(byte[] zipBytes)
    {
        var result = new PackageZip();
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        foreach (var entry in zip.Entries)
        {
            using var s = entry.Open();
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            result.Files[entry.FullName] = copy.ToArray();
        }
        using var manifest = JsonDocument.Parse(result.Files["manifest.json"]);
        result.Manifest = manifest.RootElement.Clone();
        return result;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public IEnumerable<string> Lines(string path) =>
        Encoding.UTF8.GetString(Files[path]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The README's recipe in C#: links and hashes of ledger/ledger.ndjson; returns seq → canonical
    /// text of every entry shown, and how many were withheld.
    /// </summary>
    public (Dictionary<long, string> Entries, int Withheld, string? LastHash) VerifyChain()
    {
        var entries = new Dictionary<long, string>();
        string? previous = null;
        var withheld = 0;
        foreach (var line in Lines("ledger/ledger.ndjson"))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            var seq = e.GetProperty("seq").GetInt64();
            if (previous is not null) Assert.True(previous == e.GetProperty("previous_hash").GetString(), $"broken link at seq {seq}");
            if (e.GetProperty("canonical").ValueKind == JsonValueKind.Null) withheld++;
            else
            {
                var canonical = e.GetProperty("canonical").GetString()!;
                var hash = Sha256([.. Encoding.ASCII.GetBytes(e.GetProperty("previous_hash").GetString()!), .. Encoding.UTF8.GetBytes(canonical)]);
                Assert.True(hash == e.GetProperty("current_hash").GetString(), $"bad hash at seq {seq}");
                entries[seq] = canonical;
            }
            previous = e.GetProperty("current_hash").GetString();
        }
        return (entries, withheld, previous);
    }
}

using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Packages;

/// <summary>
/// The offline verifier every package carries, run by python3 as an examiner would, on a package
/// the real builder made from a real ledger: it passes on the package as built and fails, naming
/// the file or entry, for each way someone might alter it, even one who holds the signing key.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PackageVerifierTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly DateOnly From = new(2026, 10, 5), To = new(2026, 10, 9);
    private readonly List<string> _folders = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var folder in _folders)
            try { Directory.Delete(folder, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private T Service<T>() where T : notnull => Portal.Services.GetRequiredService<T>();

    /// <summary>Records in the period (trades on two days, NAV, COMPLIANCE) and outside it, interleaved in seq order.</summary>
    private async Task SeedAsync(string tag)
    {
        JsonObject Event(string at, string type, string name, JsonObject data)
        {
            data["timestamp"] = at;
            data["log_type"] = type;
            data["event"] = name;
            data["tag"] = tag;
            return data;
        }
        var body = new JsonArray(
            Event("2026-10-02T15:00:00Z", "TRADE", "trade_executed", new() { ["trade_id"] = $"{tag}-0", ["asset"] = "SPY", ["action"] = "BUY", ["quantity"] = 1, ["price"] = 570.1 }),
            Event("2026-10-05T14:30:00.123456Z", "TRADE", "trade_executed", new() { ["trade_id"] = $"{tag}-1", ["asset"] = "QQQ", ["action"] = "SELL_PUT", ["quantity"] = 5, ["fill_price"] = 8.52, ["commission"] = 3.25, ["broker"] = "IBKR" }),
            Event("2026-10-05T20:15:00Z", "NAV", "nav_calculated", new() { ["nav"] = 156789.45 }),
            Event("2026-10-12T09:00:00Z", "RISK", "circuit_breaker_triggered", new() { ["trigger"] = "drawdown" }),
            Event("2026-10-08T11:00:00Z", "COMPLIANCE", "personal_trade_preclearance", new() { ["request_id"] = $"PCT-{tag}", ["decision"] = "approved" }),
            Event("2026-10-09T23:59:59.999999Z", "TRADE", "trade_executed", new() { ["trade_id"] = $"{tag}-2", ["asset"] = "IWM", ["action"] = "BUY", ["quantity"] = 100, ["price"] = 221.5 }),
            Event("2026-10-10T00:00:00Z", "TRADE", "trade_executed", new() { ["trade_id"] = $"{tag}-3", ["asset"] = "IWM", ["action"] = "SELL", ["quantity"] = 100, ["price"] = 222 }));
        var response = await Client.PostJsonAsync(body.ToJsonString(), Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Builds a package of the period and extracts it; returns the folder and the ZIP's path.</summary>
    private async Task<(string Folder, string Zip)> BuildAsync(IReadOnlyCollection<string>? sections = null)
    {
        var user = await Portal.CreateUserAsync(UserRoles.Auditor, new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31));
        var reader = RecordReader.Auditor(new Actor(user), new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31));
        var (package, error) = await Service<PackageService>().RequestAsync(reader, From, To, sections ?? [.. PackageSections.All.Select(s => s.Name)]);
        Assert.True(package is not null, error);
        await Service<PackageBuilder>().BuildAsync(package.Id);
        var built = (await Service<PackageService>().FindAsync(package.Id))!;
        Assert.Equal(PackageStatus.Ready, built.Status);

        var folder = NewFolder();
        var zip = Path.Combine(folder, "package.zip");
        await using (var stored = (await Service<IArchiveStore>().OpenReadAsync(built.ArchiveKey!))!)
        await using (var file = File.Create(zip))
            await stored.CopyToAsync(file);
        ZipFile.ExtractToDirectory(zip, Path.Combine(folder, "package"));
        return (Path.Combine(folder, "package"), zip);
    }

    private string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cp-verify-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        _folders.Add(folder);
        return folder;
    }

    /// <summary>A copy of an extracted package to tamper with.</summary>
    private string Copy(string package)
    {
        var copy = Path.Combine(NewFolder(), "package");
        foreach (var file in Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(package, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    /// <summary>python3 verify_package.py as the package's README tells an examiner to run it.</summary>
    private static async Task<(int Exit, string Output)> VerifyAsync(string package, params string[] args)
    {
        var folder = Directory.Exists(package) ? package : Path.GetDirectoryName(package)!;
        var script = Directory.Exists(package) ? Path.Combine(package, PackageProof.VerifierScript) : ExtractScript(package);
        return await ExternalProgram.RunAsync(folder, "python3", [script, package, .. args]);
    }

    private static string ExtractScript(string zip)
    {
        var script = Path.Combine(Path.GetDirectoryName(zip)!, PackageProof.VerifierScript);
        using var archive = ZipFile.OpenRead(zip);
        archive.GetEntry(PackageProof.VerifierScript)!.ExtractToFile(script, overwrite: true);
        return script;
    }

    private static async Task AssertFailsAsync(string package, string names, params string[] args)
    {
        var (code, output) = await VerifyAsync(package, args);
        Assert.True(code == 1, $"the verifier should fail (exit 1), got {code}:\n{output}");
        var failure = output.Split('\n').SingleOrDefault(l => l.StartsWith("FAIL:", StringComparison.Ordinal));
        Assert.True(failure is not null && failure.Contains(names, StringComparison.Ordinal), $"the failure should name {names}:\n{output}");
        Assert.DoesNotContain("OK:", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// What someone holding the signing key could do after altering files: list the files' new
    /// hashes and sizes in manifest.json and sign it again. Only the ledger's own proof can then
    /// catch the change.
    /// </summary>
    private static void Reseal(string package, string signingKey, Action<JsonObject>? edit = null)
    {
        var manifestPath = Path.Combine(package, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        foreach (var file in manifest["files"]!.AsArray().Select(f => f!.AsObject()))
        {
            var bytes = File.ReadAllBytes(Path.Combine(package, file["path"]!.GetValue<string>()));
            file["sha256"] = PackageZip.Sha256(bytes);
            file["bytes"] = bytes.Length;
        }
        edit?.Invoke(manifest);
        var text = Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllBytes(manifestPath, text);
        var id = manifest["package_id"]!.GetValue<string>();
        File.WriteAllText(Path.Combine(package, "manifest.sig"), PackageProof.SignManifest(Guid.Parse(id), text, NoteSigner.Parse(signingKey)));
    }

    private static List<JsonObject> Segment(string package) =>
        [.. File.ReadAllLines(Path.Combine(package, "ledger/ledger.ndjson")).Select(l => JsonNode.Parse(l)!.AsObject())];

    private static void WriteSegment(string package, IEnumerable<JsonObject> lines) =>
        File.WriteAllText(Path.Combine(package, "ledger/ledger.ndjson"), string.Concat(lines.Select(l => l.ToJsonString() + "\n")));

    [Fact]
    public async Task FreshPackage_Verifies_AsZipAndFolder_WithThePublishedKey()
    {
        await SeedAsync("a");
        var (package, zip) = await BuildAsync();

        foreach (var target in new[] { package, zip })
        {
            var (code, output) = await VerifyAsync(target, "--key", TestSigningKey.Verifier.Encoded);
            Assert.True(code == 0, output);
            Assert.Contains("OK:", output, StringComparison.Ordinal);
        }
        var withOwnKey = await VerifyAsync(package);
        Assert.True(withOwnKey.Exit == 0, withOwnKey.Output);
        await AssertFailsAsync(package, "manifest.sig", "--key", NoteSigner.Parse(NoteSigner.Generate(TestSigningKey.Name)).Verifier.Encoded);
    }

    [Fact]
    public async Task EditedRecord_IsNamed_ByTheManifestHash_AndWhenResealed_ByTheCheckpointRoot()
    {
        await SeedAsync("a");
        var (package, _) = await BuildAsync();
        const string compliance = "compliance_logs/compliance_logs.ndjson";

        var edited = Copy(package);
        var path = Path.Combine(edited, compliance);
        File.WriteAllText(path, File.ReadAllText(path).Replace("approved", "rejected", StringComparison.Ordinal));
        await AssertFailsAsync(edited, compliance);

        // With the key: the record changed in its section and in the segment, every later chain
        // hash recomputed, the manifest rewritten and signed again.
        var resealed = Copy(package);
        path = Path.Combine(resealed, compliance);
        File.WriteAllText(path, File.ReadAllText(path).Replace("approved", "rejected", StringComparison.Ordinal));
        var lines = Segment(resealed);
        string? previous = null;
        foreach (var line in lines)
        {
            if (previous is not null) line["previous_hash"] = previous;
            if (line["canonical"]?.GetValue<string>() is { } canonical)
            {
                canonical = canonical.Replace("approved", "rejected", StringComparison.Ordinal);
                line["canonical"] = canonical;
                line["current_hash"] = PackageZip.Sha256([.. Encoding.ASCII.GetBytes(line["previous_hash"]!.GetValue<string>()), .. Encoding.UTF8.GetBytes(canonical)]);
            }
            previous = line["current_hash"]!.GetValue<string>();
        }
        WriteSegment(resealed, lines);
        Reseal(resealed, TestSigningKey.Private, m => m["ledger_segment"]!["last_current_hash"] = previous);
        await AssertFailsAsync(resealed, "ledger/ledger.ndjson");
    }

    [Fact]
    public async Task RemovedLine_SwappedManifest_AndCheckpointOfAnotherKey_AreEachNamed()
    {
        await SeedAsync("a");
        var (package, _) = await BuildAsync();

        var removed = Copy(package);
        var lines = Segment(removed);
        var gone = lines[lines.Count / 2];
        WriteSegment(removed, lines.Where(l => l != gone));
        await AssertFailsAsync(removed, "ledger/ledger.ndjson");
        Reseal(removed, TestSigningKey.Private);
        await AssertFailsAsync(removed, $"seq {gone["seq"]}");

        var (other, _) = await BuildAsync([PackageSections.RiskEvents]);
        var swapped = Copy(package);
        File.Copy(Path.Combine(other, "manifest.json"), Path.Combine(swapped, "manifest.json"), overwrite: true);
        await AssertFailsAsync(swapped, "manifest.sig");

        // The same checkpoint text signed by a key of the same name that is not the portal's.
        var forged = Copy(package);
        var stranger = NoteSigner.Parse(NoteSigner.Generate(TestSigningKey.Name));
        var checkpoint = Checkpoint.Parse(SignedNote.Split(File.ReadAllText(Path.Combine(forged, PackageProof.CheckpointFile)))!.Value.Text)!;
        File.WriteAllText(Path.Combine(forged, PackageProof.CheckpointFile), SignedNote.Sign(checkpoint.Text, stranger));
        Reseal(forged, TestSigningKey.Private);
        await AssertFailsAsync(forged, PackageProof.CheckpointFile);
    }

    [Fact]
    public async Task EarlierCheckpoint_ProvenConsistent_Passes_ForgedOrForeign_Fails()
    {
        await SeedAsync("a");
        var earlier = await Service<CheckpointWriter>().CoveringAsync((long)(await Db.ScalarAsync("SELECT seq FROM ledger_head"))!);
        await SeedAsync("b");
        var (package, _) = await BuildAsync();
        var size = JsonNode.Parse(File.ReadAllText(Path.Combine(package, "manifest.json")))!["checkpoint"]!["tree_size"]!.GetValue<long>();
        Assert.True(size > earlier.TreeSize);

        // What the examiner kept from an earlier visit, and the proof the portal's API gives.
        var kept = NewFolder();
        var note = Path.Combine(kept, "earlier.note");
        await File.WriteAllTextAsync(note, earlier.Note);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/ledger/proof/consistency?from={earlier.TreeSize}&to={size}");
        request.Headers.Add("X-Api-Key", Key);
        var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var proof = Path.Combine(kept, "proof.json");
        await File.WriteAllTextAsync(proof, await response.Content.ReadAsStringAsync());

        var (code, output) = await VerifyAsync(package, "--earlier", note, "--earlier-proof", proof);
        Assert.True(code == 0, output);

        // A checkpoint of the same size with another root, signed with the portal's own key: the
        // ledger in the package does not extend it.
        var signer = NoteSigner.Parse(TestSigningKey.Private);
        var root = (byte[])earlier.RootHash.Clone();
        root[0] ^= 0x01;
        var inconsistent = Path.Combine(kept, "inconsistent.note");
        await File.WriteAllTextAsync(inconsistent, SignedNote.Sign(new Checkpoint(signer.Name, earlier.TreeSize, root).Text, signer));
        await AssertFailsAsync(package, "inconsistent.note", "--earlier", inconsistent, "--earlier-proof", proof);

        var foreign = Path.Combine(kept, "foreign.note");
        var stranger = NoteSigner.Parse(NoteSigner.Generate(TestSigningKey.Name));
        await File.WriteAllTextAsync(foreign, SignedNote.Sign(new Checkpoint(stranger.Name, earlier.TreeSize, earlier.RootHash).Text, stranger));
        await AssertFailsAsync(package, "foreign.note", "--earlier", foreign, "--earlier-proof", proof);
    }
}

using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// A small C2SP tlog-witness on loopback, written here from the specs (tlog-witness v1,
/// tlog-cosignature v1, signed-note) and not from the portal's code: it knows one log by its
/// origin and Ed25519 key, keeps the size and root it last cosigned, checks each
/// add-checkpoint's consistency proof with its own RFC 9162 2.1.4.2 routine, and answers with a
/// tlog-cosignature/v1 signature line.
/// </summary>
public sealed class LoopbackWitness : IAsyncDisposable
{
    private readonly Ed25519PrivateKeyParameters _key = new(new SecureRandom());
    private readonly string _origin;
    private readonly byte[] _logKey;
    private readonly uint _logKeyId;
    private WebApplication _app = null!;

    public string Name { get; } = "witness.test/w" + Guid.NewGuid().ToString("N")[..6];
    public string Url { get; private set; } = "";

    /// <summary>The size and root this witness last cosigned (0 and none at first).</summary>
    public (long Size, byte[]? Root) Latest { get; set; }

    /// <summary>Every request's old size and the status answered, in order.</summary>
    public ConcurrentQueue<(long Old, int Status)> Requests { get; } = new();

    private LoopbackWitness(string logVerifierKey)
    {
        var parts = logVerifierKey.Split('+', 3);
        _origin = parts[0];
        _logKey = Convert.FromBase64String(parts[2])[1..];
        _logKeyId = uint.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    /// <summary>name+keyid+base64(0x04 ‖ public key): tlog-cosignature/v1's verifier key.</summary>
    public string VerifierKey
    {
        get
        {
            var pub = _key.GeneratePublicKey().GetEncoded();
            return $"{Name}+{KeyId(pub):x8}+{Convert.ToBase64String([0x04, .. pub])}";
        }
    }

    private uint KeyId(byte[] pub) => BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData([.. Encoding.UTF8.GetBytes(Name), 0x0A, 0x04, .. pub]));

    public static async Task<LoopbackWitness> StartAsync(string logVerifierKey)
    {
        var witness = new LoopbackWitness(logVerifierKey);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/add-checkpoint", async (HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync();
            var (old, result) = witness.AddCheckpoint(body);
            witness.Requests.Enqueue((old, result is IStatusCodeHttpResult s ? s.StatusCode ?? 200 : 200));
            return result;
        });
        await app.StartAsync();
        witness._app = app;
        witness.Url = app.Urls.First();
        return witness;
    }

    private (long Old, IResult Result) AddCheckpoint(string body)
    {
        var blank = body.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0) return (-1, Results.StatusCode(400));
        var head = body[..blank].Split('\n');
        var note = body[(blank + 2)..];
        if (!head[0].StartsWith("old ", StringComparison.Ordinal) || !long.TryParse(head[0][4..], NumberStyles.None, CultureInfo.InvariantCulture, out var old))
            return (-1, Results.StatusCode(400));
        byte[][] proof;
        try { proof = [.. head.Skip(1).Select(Convert.FromBase64String)]; }
        catch (FormatException) { return (old, Results.StatusCode(400)); }

        var end = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (end < 0) return (old, Results.StatusCode(400));
        var text = note[..(end + 1)];
        var lines = text.Split('\n');
        if (lines.Length < 4) return (old, Results.StatusCode(400));
        if (lines[0] != _origin) return (old, Results.StatusCode(404));
        if (!SignedByLog(text, note[(end + 2)..])) return (old, Results.StatusCode(403));
        var size = long.Parse(lines[1], CultureInfo.InvariantCulture);
        var root = Convert.FromBase64String(lines[2]);

        lock (this)
        {
            if (old > size) return (old, Results.StatusCode(400));
            if (old != Latest.Size) return (old, Results.Text($"{Latest.Size}\n", "text/x.tlog.size", statusCode: 409));
            var consistent = old == 0 ? proof.Length == 0
                : old == size ? proof.Length == 0 && root.AsSpan().SequenceEqual(Latest.Root)
                : Consistent(old, size, Latest.Root!, root, proof);
            if (!consistent) return (old, Results.StatusCode(422));
            Latest = (size, root);
        }
        return (old, Results.Text(Cosign(text), "text/plain; charset=utf-8"));
    }

    private bool SignedByLog(string text, string signatures)
    {
        var verifier = new Ed25519Signer();
        foreach (var line in signatures.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length != 3 || fields[0] != "\u2014" || fields[1] != _origin) continue;
            var raw = Convert.FromBase64String(fields[2]);
            if (raw.Length != 68 || BinaryPrimitives.ReadUInt32BigEndian(raw) != _logKeyId) continue;
            verifier.Init(false, new Ed25519PublicKeyParameters(_logKey));
            var message = Encoding.UTF8.GetBytes(text);
            verifier.BlockUpdate(message, 0, message.Length);
            return verifier.VerifySignature(raw[4..]);
        }
        return false;
    }

    private string Cosign(string text)
    {
        var time = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var message = Encoding.UTF8.GetBytes($"cosignature/v1\ntime {time}\n{text}");
        var signer = new Ed25519Signer();
        signer.Init(true, _key);
        signer.BlockUpdate(message, 0, message.Length);
        var stamp = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(stamp, time);
        byte[] id = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(id, KeyId(_key.GeneratePublicKey().GetEncoded()));
        return $"\u2014 {Name} {Convert.ToBase64String([.. id, .. stamp, .. signer.GenerateSignature()])}\n";
    }

    /// <summary>RFC 9162 2.1.4.2, step by step as the RFC words it.</summary>
    private static bool Consistent(long first, long second, byte[] firstRoot, byte[] secondRoot, byte[][] proof)
    {
        if (proof.Length == 0) return false;
        static byte[] Hash(byte[] l, byte[] r) => SHA256.HashData([0x01, .. l, .. r]);
        var path = (first & (first - 1)) == 0 ? [firstRoot, .. proof] : proof;
        long fn = first - 1, sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Hash(c, fr);
                sr = Hash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else sr = Hash(sr, c);
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(firstRoot) && sr.AsSpan().SequenceEqual(secondRoot);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

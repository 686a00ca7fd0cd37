using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace CompliancePortal.Core.Ledger.Checkpoints;

/// <summary>
/// A public key that checks C2SP signed notes: Ed25519 (signature type 0x01), named, with the
/// key ID SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. Its text form is the one Go's
/// golang.org/x/mod/sumdb/note and every C2SP tool read: <c>name+hex(key ID)+base64(0x01 ‖ key)</c>.
/// </summary>
public sealed class NoteVerifier
{
    private const byte Ed25519Type = 0x01;
    private readonly Ed25519PublicKeyParameters _key;

    public string Name { get; }
    public uint KeyId { get; }
    public byte[] PublicKey { get; }

    public NoteVerifier(string name, byte[] publicKey)
    {
        SignedNote.CheckKeyName(name);
        if (publicKey.Length != Ed25519PublicKeyParameters.KeySize) throw new FormatException("an Ed25519 public key is 32 bytes");
        Name = name;
        PublicKey = publicKey;
        _key = new Ed25519PublicKeyParameters(publicKey);
        KeyId = ComputeKeyId(name, publicKey);
    }

    public string Encoded => $"{Name}+{KeyId:x8}+{Convert.ToBase64String([Ed25519Type, .. PublicKey])}";

    public override string ToString() => Encoded;

    internal static uint ComputeKeyId(string name, byte[] publicKey) =>
        BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, Ed25519Type, .. publicKey]));

    public static NoteVerifier Parse(string encoded)
    {
        // The base64 key may itself hold '+'; the name and the hex ID cannot.
        var parts = encoded.Trim().Split('+', 3);
        if (parts.Length != 3) throw new FormatException("a verifier key is name+keyid+base64key");
        var raw = Base64(parts[2]);
        if (raw.Length != 33 || raw[0] != Ed25519Type) throw new FormatException("only Ed25519 verifier keys (type 0x01) are supported");
        var verifier = new NoteVerifier(parts[0], raw[1..]);
        if (!uint.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out var id) || parts[1].Length != 8 || id != verifier.KeyId)
            throw new FormatException("the verifier key's ID does not match its name and key");
        return verifier;
    }

    internal static byte[] Base64(string text)
    {
        try { return Convert.FromBase64String(text); }
        catch (FormatException) { throw new FormatException("the key is not valid base64"); }
    }

    /// <summary>Whether <paramref name="signature"/> (the 64 bytes after the key ID) signs <paramref name="text"/>.</summary>
    public bool Verify(string text, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Ed25519PrivateKeyParameters.SignatureSize) return false;
        var verifier = new Ed25519Signer();
        verifier.Init(false, _key);
        var message = Encoding.UTF8.GetBytes(text);
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature.ToArray());
    }
}

/// <summary>
/// A private key that signs C2SP signed notes (Ed25519 through BouncyCastle). Its text form is Go's
/// <c>PRIVATE+KEY+name+hex(key ID)+base64(0x01 ‖ 32-byte seed)</c>; it lives in a file or an
/// environment setting, never in the database.
/// </summary>
public sealed class NoteSigner
{
    private const string Prefix = "PRIVATE+KEY+";
    private readonly Ed25519PrivateKeyParameters _key;

    public NoteVerifier Verifier { get; }
    public string Name => Verifier.Name;

    private NoteSigner(string name, Ed25519PrivateKeyParameters key)
    {
        _key = key;
        Verifier = new NoteVerifier(name, key.GeneratePublicKey().GetEncoded());
    }

    /// <summary>A new key pair's private key text.</summary>
    public static string Generate(string name)
    {
        var key = new Ed25519PrivateKeyParameters(new SecureRandom());
        var signer = new NoteSigner(name, key);
        return $"{Prefix}{name}+{signer.Verifier.KeyId:x8}+{Convert.ToBase64String([0x01, .. key.GetEncoded()])}";
    }

    public static NoteSigner Parse(string encoded)
    {
        encoded = encoded.Trim();
        if (!encoded.StartsWith(Prefix, StringComparison.Ordinal)) throw new FormatException("a signing key starts with PRIVATE+KEY+");
        var parts = encoded[Prefix.Length..].Split('+', 3);
        if (parts.Length != 3) throw new FormatException("a signing key is PRIVATE+KEY+name+keyid+base64key");
        var raw = NoteVerifier.Base64(parts[2]);
        if (raw.Length != 33 || raw[0] != 0x01) throw new FormatException("only Ed25519 signing keys (type 0x01) are supported");
        var signer = new NoteSigner(parts[0], new Ed25519PrivateKeyParameters(raw, 1));
        if (!string.Equals(parts[1], signer.Verifier.KeyId.ToString("x8"), StringComparison.OrdinalIgnoreCase))
            throw new FormatException("the signing key's ID does not match its name and key");
        return signer;
    }

    /// <summary>The 4-byte key ID and the Ed25519 signature of <paramref name="text"/>.</summary>
    public byte[] Sign(string text)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _key);
        var message = Encoding.UTF8.GetBytes(text);
        signer.BlockUpdate(message, 0, message.Length);
        var id = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(id, Verifier.KeyId);
        return [.. id, .. signer.GenerateSignature()];
    }
}

/// <summary>
/// C2SP signed-note: a text ending in a newline, a blank line, then one line per signature:
/// em dash, space, key name, space, base64(key ID ‖ signature), newline.
/// </summary>
public static class SignedNote
{
    private const string SignaturePrefix = "\u2014 ";

    internal static void CheckKeyName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Any(c => char.IsWhiteSpace(c) || c == '+' || char.IsControl(c)))
            throw new FormatException($"'{name}' is not a key name (non-empty, no spaces, no '+')");
    }

    public static string Sign(string text, NoteSigner signer)
    {
        if (!text.EndsWith('\n') || text.Any(c => char.IsControl(c) && c != '\n'))
            throw new ArgumentException("a note's text ends in a newline and holds no other control characters", nameof(text));
        return $"{text}\n{SignatureLine(signer.Name, signer.Sign(text))}";
    }

    public static string SignatureLine(string name, byte[] signature) => $"{SignaturePrefix}{name} {Convert.ToBase64String(signature)}\n";

    /// <summary>A note's text and its signature lines (name, key ID, signature), or null when it is not a signed note.</summary>
    public static (string Text, List<(string Name, uint KeyId, byte[] Signature)> Signatures)? Split(string note)
    {
        var separator = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (separator < 0 || separator + 2 >= note.Length || !note.EndsWith('\n')) return null;
        var text = note[..(separator + 1)];
        var signatures = new List<(string, uint, byte[])>();
        foreach (var line in note[(separator + 2)..^1].Split('\n'))
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal)) return null;
            var fields = line[SignaturePrefix.Length..].Split(' ');
            if (fields.Length != 2) return null;
            byte[] raw;
            try { raw = Convert.FromBase64String(fields[1]); }
            catch (FormatException) { return null; }
            if (raw.Length < 5) return null;
            signatures.Add((fields[0], BinaryPrimitives.ReadUInt32BigEndian(raw), raw[4..]));
        }
        return signatures.Count == 0 ? null : (text, signatures);
    }

    /// <summary>The note's text when <paramref name="verifier"/>'s signature on it verifies; null otherwise.</summary>
    public static string? Open(string note, NoteVerifier verifier)
    {
        if (Split(note) is not var (text, signatures)) return null;
        var mine = signatures.Where(s => s.Name == verifier.Name && s.KeyId == verifier.KeyId).ToList();
        return mine.Count > 0 && mine.All(s => verifier.Verify(text, s.Signature)) ? text : null;
    }
}

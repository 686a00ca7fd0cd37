using System.Globalization;
using CompliancePortal.Core.Ledger.Merkle;

namespace CompliancePortal.Core.Ledger.Checkpoints;

/// <summary>
/// A C2SP tlog-checkpoint: the log's origin line, the tree size in decimal and the root hash in
/// base64, each ending in a newline. It is only ever handed out inside a signed note.
/// </summary>
public sealed record Checkpoint(string Origin, long Size, byte[] Root)
{
    public string Text => $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(Root)}\n";

    /// <summary>The checkpoint of a note's text, or null when the text is not one.</summary>
    public static Checkpoint? Parse(string text)
    {
        var lines = text.Split('\n');
        // origin, size, root, then optional extension lines; the text ends in a newline.
        if (lines.Length < 4 || lines[^1] != "" || lines[0] == "") return null;
        if (lines[1].Length == 0 || lines[1].Length > 19 || !lines[1].All(char.IsAsciiDigit) || (lines[1].Length > 1 && lines[1][0] == '0')) return null;
        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return null;
        byte[] root;
        try { root = Convert.FromBase64String(lines[2]); }
        catch (FormatException) { return null; }
        return root.Length == MerkleHash.Size ? new Checkpoint(lines[0], size, root) : null;
    }

    /// <summary>The checkpoint a note carries when <paramref name="verifier"/> signed it and its origin is the verifier's name.</summary>
    public static Checkpoint? Open(string note, NoteVerifier verifier) =>
        SignedNote.Open(note, verifier) is { } text && Parse(text) is { } checkpoint && checkpoint.Origin == verifier.Name ? checkpoint : null;
}

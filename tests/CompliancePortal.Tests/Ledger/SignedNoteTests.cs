using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Core.Ledger.Merkle;

namespace CompliancePortal.Tests.Ledger;

/// <summary>C2SP signed notes and checkpoints, checked against the Go reference implementation's published key and note.</summary>
public sealed class SignedNoteTests
{
    // golang.org/x/mod/sumdb/note's documented example.
    private const string GoSigningKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string GoVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string GoText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string GoNote = GoText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    [Fact]
    public void Sign_WithTheGoExampleKey_GivesTheGoExampleNoteByteForByte()
    {
        var signer = NoteSigner.Parse(GoSigningKey);

        Assert.Equal(GoVerifierKey, signer.Verifier.Encoded);
        Assert.Equal(GoNote, SignedNote.Sign(GoText, signer));
        Assert.Equal(GoText, SignedNote.Open(GoNote, NoteVerifier.Parse(GoVerifierKey)));
    }

    [Fact]
    public void Open_ForAChangedTextSignatureOrKey_GivesNothing()
    {
        var verifier = NoteVerifier.Parse(GoVerifierKey);

        Assert.Null(SignedNote.Open(GoNote.Replace("problem is", "problem was"), verifier));
        Assert.Null(SignedNote.Open(GoNote.Replace("x08go", "x08gp"), verifier));
        Assert.Null(SignedNote.Open(GoNote, NoteSigner.Parse(NoteSigner.Generate("PeterNeumann")).Verifier));
        Assert.Null(SignedNote.Open(GoText, verifier));
        Assert.Null(SignedNote.Open(GoNote.Replace("\u2014", "-"), verifier));
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T")]
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    public void ParseVerifier_ForAManglesKey_Refuses(string key) =>
        Assert.Throws<FormatException>(() => NoteVerifier.Parse(key));

    [Fact]
    public void Checkpoint_RoundTripsThroughASignedNoteAndRefusesAnotherOrigin()
    {
        var signer = NoteSigner.Parse(NoteSigner.Generate("example.com/ledger"));
        var checkpoint = new Checkpoint("example.com/ledger", 1234, MerkleHash.Leaf([1, 2, 3]));

        var note = SignedNote.Sign(checkpoint.Text, signer);

        Assert.StartsWith($"example.com/ledger\n1234\n{Convert.ToBase64String(checkpoint.Root)}\n\n\u2014 example.com/ledger ", note);
        var opened = Checkpoint.Open(note, signer.Verifier);
        Assert.NotNull(opened);
        Assert.Equal((checkpoint.Origin, checkpoint.Size), (opened.Origin, opened.Size));
        Assert.Equal(checkpoint.Root, opened.Root);
        var otherOrigin = SignedNote.Sign((checkpoint with { Origin = "other.example/log" }).Text, signer);
        Assert.Null(Checkpoint.Open(otherOrigin, signer.Verifier));
        Assert.Null(Checkpoint.Parse("example.com/ledger\n01\nAAAA\n"));
    }
}

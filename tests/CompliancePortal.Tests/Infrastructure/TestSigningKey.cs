using CompliancePortal.Core.Ledger.Checkpoints;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>The checkpoint signing key every test portal uses (a portal on a configured database needs one).</summary>
public static class TestSigningKey
{
    public const string Name = "test.example/ledger";

    public static string Private { get; } = NoteSigner.Generate(Name);

    public static NoteVerifier Verifier { get; } = NoteSigner.Parse(Private).Verifier;
}

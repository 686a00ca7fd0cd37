using CompliancePortal.Core.Ledger.Checkpoints;

namespace CompliancePortal.Cli;

/// <summary>checkpoint-key --name NAME: a new Ed25519 key pair for signing checkpoints.</summary>
public static class CheckpointKeyCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var at = Array.IndexOf(args, "--name");
        if (at < 0 || at + 1 >= args.Length)
        {
            error.WriteLine("usage: checkpoint-key --name <log name, e.g. compliance.example.com/ledger>");
            return 64;
        }
        string key;
        try
        {
            key = NoteSigner.Generate(args[at + 1]);
        }
        catch (FormatException ex)
        {
            error.WriteLine(ex.Message);
            return 64;
        }
        output.WriteLine($"signing key (keep secret; Checkpoints:SigningKey or the file Checkpoints:SigningKeyFile names): {key}");
        output.WriteLine($"verifier key (publish; examiners check checkpoints with it): {NoteSigner.Parse(key).Verifier.Encoded}");
        return 0;
    }
}

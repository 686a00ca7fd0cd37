using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace CompliancePortal.Core.Ledger;

/// <summary>
/// The seed's hash chain: current_hash = hex(SHA-256(previous_hash ‖ canonical bytes)), where
/// previous_hash is the 64 lowercase hex characters of the entry before (64 zeros for the first).
/// </summary>
public static class ChainHash
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string Compute(string previousHash, ReadOnlySpan<byte> canonical)
    {
        var length = 64 + canonical.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.ASCII.GetBytes(previousHash, buffer);
            canonical.CopyTo(buffer.AsSpan(64));
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(buffer.AsSpan(0, length), digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

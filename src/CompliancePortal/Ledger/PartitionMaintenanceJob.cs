using CompliancePortal.Core.Database;
using Npgsql;

namespace CompliancePortal.Ledger;

/// <summary>Creates the coming months' ledger partitions as the owner role.</summary>
public sealed class PartitionMaintenanceJob(PortalConnections connections)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connections.Owner);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT ledger_ensure_partitions(1, 3)", connection);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }
}

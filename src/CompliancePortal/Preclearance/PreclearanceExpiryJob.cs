using CompliancePortal.Core.Preclearance;

namespace CompliancePortal.Preclearance;

/// <summary>Records preclearance approvals whose time ran out as expired.</summary>
public sealed class PreclearanceExpiryJob(PreclearanceService service)
{
    public Task<int> RunAsync(CancellationToken ct) => service.ExpireDueAsync(ct);
}

using CompliancePortal.Core.Ledger.Checkpoints;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Ledger;

/// <summary>Names the first bad Checkpoints setting (an interval, a witness's URL or key) at start-up.</summary>
internal sealed class CheckpointOptionsValidation : IValidateOptions<CheckpointOptions>
{
    public ValidateOptionsResult Validate(string? name, CheckpointOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}

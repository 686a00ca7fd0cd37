using CompliancePortal.Core.Alerts;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Alerts;

/// <summary>A channel that cannot send stops start-up with a message naming it.</summary>
internal sealed class AlertChannelValidation : IValidateOptions<AlertsOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertsOptions options) =>
        options.ChannelProblem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}

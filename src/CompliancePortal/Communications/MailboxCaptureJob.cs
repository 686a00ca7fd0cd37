using CompliancePortal.Core.Communications;
using Hangfire;

namespace CompliancePortal.Communications;

/// <summary>
/// The recurring <c>imap-capture</c> job (Jobs:Schedules, every minute by default): archives the
/// journal mailbox's new messages when Communications:Imap:Host is set. One run at a time across
/// instances; the next run goes on from where the last one stopped.
/// </summary>
public sealed class MailboxCaptureJob(MailboxCapture capture)
{
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task<int> RunAsync(CancellationToken ct) => capture.CaptureAsync(ct);
}

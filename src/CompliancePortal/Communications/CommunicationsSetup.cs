using CompliancePortal.Core.Communications;

namespace CompliancePortal.Communications;

public static class CommunicationsSetup
{
    public static void AddCommunications(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EmailArchive>();
        builder.AddSettings<ImapOptions>();
        builder.Services.AddSingleton<MailboxCapture>();
        builder.Services.AddTransient<MailboxCaptureJob>();
    }
}

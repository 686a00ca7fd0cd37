using CompliancePortal;
using CompliancePortal.Cli;

// CLI verbs (verify, bench) run without the web host.
if (CommandLine.IsCommand(args)) return await CommandLine.RunAsync(args);

var app = await PortalApp.BuildAsync(args);
await app.RunAsync();
return 0;

/// <summary>Visible to the tests' WebApplicationFactory.</summary>
public partial class Program;

using CompliancePortal.Core.Accounts;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Accounts;

/// <summary>
/// Every role against every page and endpoint: allowed ones answer, refused ones are sent to the
/// access-denied page (pages) or get 403 (API), anonymous users are sent to sign in (pages) or
/// get 401 (API). The matrix is the design; change it here when a page's audience changes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RoleMatrixTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private const string E = UserRoles.Employee, P = UserRoles.PortfolioManager, C = UserRoles.ComplianceOfficer, A = UserRoles.Auditor, D = UserRoles.Admin;

    /// <summary>(method, path, roles allowed). Pages are GET; anything under /api or /hubs is a program endpoint.</summary>
    public static readonly (string Method, string Path, string[] Allowed)[] Matrix =
    [
        ("GET", "/", [E, P, C, A, D]),
        ("GET", "/preclearance", [E, P, C]),
        ("GET", "/preclearance/PCT-2026-0001", [E, P, C]),
        ("GET", "/preclearance/queue", [C]),
        ("GET", "/restricted-list", [C]),
        ("GET", "/compliance-log", [C]),
        ("GET", "/feed", [P, C, D]),
        ("GET", "/dashboard", [P, C, D]),
        ("GET", "/reports", [P, C, D]),
        ("POST", "/hubs/ledger/negotiate?negotiateVersion=1", [P, C, D]),
        ("GET", "/search", [C, A]),
        ("GET", "/events/1", [C, A]),
        ("GET", "/api/v1/search/export", [C, A]),
        ("GET", "/blotters", [C, A]),
        ("GET", "/api/v1/blotters/2026-06-01", [C, A]),
        ("GET", "/positions", [C, A]),
        ("GET", "/api/v1/positions/snapshots/2026-06-01", [C, A]),
        ("GET", "/api/v1/communications/emails/2026-06-01/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", [C, A]),
        ("GET", "/certification", [C]),
        ("GET", "/certification/2026-06-01", [C]),
        ("GET", "/api/v1/certifications/2026-06-01", [C]),
        ("GET", "/packages", [C, A]),
        ("GET", "/api/v1/packages/00000000-0000-0000-0000-000000000001", [C, A]),
        ("GET", "/api/v1/packages/00000000-0000-0000-0000-000000000001/download", [C, A]),
        ("POST", "/hubs/packages/negotiate?negotiateVersion=1", [C, A]),
        ("GET", "/admin/users", [D]),
        ("GET", "/admin/keys", [D]),
        ("GET", "/admin/jobs", [D]),
        ("GET", "/api/v1/ledger/verify", [C, D]),
        ("GET", "/api/v1/preclearance/PCT-2026-0001", [E, P, C]),
        ("GET", "/materials", [E, P, C, A]),
        ("GET", "/materials/new", [E, P, C]),
        ("GET", "/materials/1", [E, P, C, A]),
        ("GET", "/api/v1/materials/1/versions/1/file", [E, P, C, A]),
        ("POST", "/api/v1/materials/1/decision", [C]),
        ("GET", "/alerts", [C, D]),
        ("GET", "/retention", [C, D]),
        ("GET", "/api/v1/retention/holds", [C, D]),
    ];

    public static TheoryData<string> Roles() => [.. UserRoles.All.Append("anonymous")];

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EveryPageAndEndpoint_ForOneRole_IsAllowedOrRefusedAsDesigned(string role)
    {
        // One sign-in per role (password hashing is deliberately slow), then the whole matrix.
        using var client = role == "anonymous"
            ? Portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false })
            : await Portal.SignedInClientAsync(await Portal.CreateUserAsync(role,
                role == A ? new DateOnly(2026, 1, 1) : null, role == A ? new DateOnly(2026, 12, 31) : null));
        var wrong = new List<string>();
        foreach (var (method, path, allowedRoles) in Matrix)
        {
            var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            var outcome = Classify(response, path);
            var expected = allowedRoles.Contains(role) ? "allowed" : role == "anonymous" ? "sign-in" : "refused";
            if (outcome != expected)
            {
                // A server error's page says why (the factory runs in Development): keep its start for the report.
                var body = (int)response.StatusCode >= 500 ? await response.Content.ReadAsStringAsync() : "";
                wrong.Add($"{method} {path}: expected {expected}, got {outcome} ({(int)response.StatusCode} {response.Headers.Location}) {body[..Math.Min(body.Length, 3000)]}");
            }
        }
        Assert.True(wrong.Count == 0, $"{role}:\n" + string.Join("\n", wrong));
    }

    private static string Classify(HttpResponseMessage response, string path)
    {
        var program = path.StartsWith("/api", StringComparison.Ordinal) || path.StartsWith("/hubs", StringComparison.Ordinal);
        var status = (int)response.StatusCode;
        var location = response.Headers.Location?.OriginalString ?? "";
        // A missing record is an answer (404), never a refusal.
        if (status is 200 or 404) return "allowed";
        if (program) return status switch { 401 => "sign-in", 403 => "refused", _ => $"status {status}" };
        if (status == 403 && path.StartsWith("/admin/jobs", StringComparison.Ordinal)) return "refused";
        if (status == 302 && location.Contains("/account/login")) return "sign-in";
        if (status == 302 && location.Contains("/account/denied")) return "refused";
        return $"status {status}";
    }
}

using CompliancePortal.Accounts;
using Hangfire;
using Hangfire.Dashboard;

namespace CompliancePortal.Jobs;

public static class JobsEndpoints
{
    public const string DashboardPath = "/admin/jobs";

    public static void MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        // The endpoint's policy does the authorization (anonymous → sign-in, other roles → 403),
        // so Hangfire's own filter only has to let those requests through.
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [new AllowAuthorizedEndpoint()],
            AppPath = "/",
            DashboardTitle = "CompliancePortal jobs",
        }).RequireAuthorization(Policies.Admins);
    }

    private sealed class AllowAuthorizedEndpoint : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => Policies.Allows(context.GetHttpContext().User, Policies.Admins);
    }
}

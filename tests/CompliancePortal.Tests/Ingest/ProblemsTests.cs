using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CompliancePortal.Tests.Ingest;

public sealed class ProblemsTests
{
    [Theory]
    [InlineData(true, 1)]    // the writer's queue is full
    [InlineData(false, 5)]   // the database could not commit
    public void LedgerBusy_SaysTheSameDelayInTheHeaderAndTheBody(bool queueFull, int seconds)
    {
        var http = new DefaultHttpContext();

        var result = Assert.IsType<ProblemHttpResult>(Problems.LedgerBusy(http, queueFull, "Nothing was stored."));

        Assert.Equal(503, result.StatusCode);
        Assert.Equal(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), http.Response.Headers.RetryAfter.ToString());
        Assert.Equal(seconds, result.ProblemDetails.Extensions["retry_after_seconds"]);
    }
}

using CompliancePortal.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Ingest;
using Npgsql;

namespace CompliancePortal.Ledger;

public static class VerifyEndpoints
{
    /// <summary>GET /api/v1/ledger/verify for keys granted verification; GET /healthz for probes.</summary>
    public static void MapLedgerApi(this IEndpointRouteBuilder app)
    {
        // A source system with a key granted verification, or a signed-in ComplianceOfficer or Admin.
        app.MapGet("/api/v1/ledger/verify", async (HttpContext http, ApiKeyStore keys, NpgsqlDataSource db, UserActionLog log) =>
        {
            if (http.User.Identity?.IsAuthenticated == true && !http.Request.Headers.ContainsKey(ApiKeyAuthentication.Header))
            {
                if (!Policies.Allows(http.User, Policies.Verifiers))
                    return Problems.Forbidden("Your role may not run a ledger verification.");
                var byUser = await LedgerVerifier.VerifyAsync(db, http.RequestAborted);
                await log.RecordAsync(AccountSetup.ActorOf(http), "ledger_verified", new { byUser.Intact, byUser.Entries, byUser.FirstBadSeq });
                return Results.Ok(byUser);
            }
            var (key, problem) = await ApiKeyAuthentication.AuthenticateAsync(http, keys);
            if (problem is not null) return problem;
            if (!key!.CanVerify) return Problems.Forbidden("This API key is not granted ledger verification.");
            return Results.Ok(await LedgerVerifier.VerifyAsync(db, http.RequestAborted));
        }).AllowAnonymous();

        // Probes get ok or unavailable; the chain head, the queue and the database's own error
        // text (host, role, reason) are for a signed-in Admin or an API key.
        app.MapGet("/healthz", async (HttpContext http, ApiKeyStore keys, NpgsqlDataSource db, LedgerWriter writer, FullTextIndexer index, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                var head = await LedgerVerifier.ReadHeadAsync(connection, ct);
                return Results.Ok(await MaySeeHealthDetailAsync(http, keys)
                    ? new
                    {
                        status = "ok", ledger_head = head, queued_events = writer.QueuedEvents, index_lag = index.Lag, index_watermark = index.Watermark, vector_lag = index.VectorLag,
                        indexer_here = new { vectors = index.HoldsVectorsLease, gin = index.HoldsIndexLease }
                    }
                    : (object)new { status = "ok" });
            }
            catch (NpgsqlException ex)
            {
                return Results.Json(await MaySeeHealthDetailAsync(http, keys)
                    ? new { status = "unavailable", error = ex.Message }
                    : (object)new { status = "unavailable" }, statusCode: 503);
            }
        }).AllowAnonymous();
    }

    private static async Task<bool> MaySeeHealthDetailAsync(HttpContext http, ApiKeyStore keys)
    {
        if (http.User.Identity?.IsAuthenticated == true && Policies.Allows(http.User, Policies.Admins)) return true;
        if (!http.Request.Headers.ContainsKey(ApiKeyAuthentication.Header)) return false;
        try
        {
            return (await ApiKeyAuthentication.AuthenticateAsync(http, keys)).Key is not null;
        }
        catch (NpgsqlException)
        {
            return false;   // the keys are in the database: without it no key can be checked
        }
    }
}

using System.Net;
using CompliancePortal.Core;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Accounts;

/// <summary>Users, API keys and sign-ins: each change and each sign-in attempt is a ledger entry.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AdministrationTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly Actor Admin = new("root-admin");
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db);
        _ = _portal.Server; // start the host (migrations, roles)
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private async Task<Failure?> WithAdministrationAsync(Func<UserAdministration, Task<Failure?>> act)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        return await act(scope.ServiceProvider.GetRequiredService<UserAdministration>());
    }

    private Task<object?> LedgerCountAsync(string @event) =>
        _db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE log_type IN ('COMPLIANCE','SYSTEM') AND event = '{@event}'");

    [Fact]
    public async Task CreateUser_Valid_StoresUserAndWritesUserCreatedEntry()
    {
        var error = await WithAdministrationAsync(a => a.CreateAsync(Admin,
            new UserChange("ext.auditor", "External Auditor", UserRoles.Auditor, new DateOnly(2026, 1, 1), new DateOnly(2026, 3, 31), false, "Auditor-Pass-2026")));

        Assert.Null(error);
        Assert.Equal(1L, await LedgerCountAsync("user_created"));
        Assert.Equal("root-admin", await _db.ScalarAsync("SELECT user_id FROM audit_log WHERE event = 'user_created'"));
        Assert.Equal("2026-03-31", await _db.ScalarAsync("SELECT event_data->>'audit_to' FROM audit_log WHERE event = 'user_created'"));
    }

    public static TheoryData<UserChange, string> BadUsers => new()
    {
        { new UserChange("aud", "A", UserRoles.Auditor, null, null, false, "Auditor-Pass-2026"), "granted period" },
        { new UserChange("aud", "A", UserRoles.Auditor, new DateOnly(2026, 5, 1), new DateOnly(2026, 4, 1), false, "Auditor-Pass-2026"), "ends before it starts" },
        { new UserChange("pm2", "P", UserRoles.PortfolioManager, new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), false, "Manager-Pass-2026"), "Only auditors" },
        { new UserChange("x", "X", UserRoles.Employee, null, null, false, "Employee-Pass-2026"), "user name" },
        { new UserChange("Bad Name", "X", UserRoles.Employee, null, null, false, "Employee-Pass-2026"), "user name" },
        { new UserChange("emp", "E", "Superuser", null, null, false, "Employee-Pass-2026"), "roles" },
        { new UserChange("emp", " ", UserRoles.Employee, null, null, false, "Employee-Pass-2026"), "display name" },
        { new UserChange("emp", "E", UserRoles.Employee, null, null, false, "short"), "at least 12" },
    };

    [Theory]
    [MemberData(nameof(BadUsers))]
    public async Task CreateUser_Invalid_IsRefusedWithReasonAndChangesNothing(UserChange change, string reason)
    {
        var error = await WithAdministrationAsync(a => a.CreateAsync(Admin, change));

        Assert.NotNull(error);
        Assert.Contains(reason, error.Message);
        Assert.Equal(0L, await _db.ScalarAsync($"SELECT count(*) FROM \"AspNetUsers\" WHERE \"UserName\" = '{change.UserName}'"));
        Assert.Equal(0L, await LedgerCountAsync("user_created"));
    }

    [Fact]
    public async Task UpdateUser_RoleAndDisable_WritesBeforeAndAfterAndBlocksSignIn()
    {
        var name = await _portal.CreateUserAsync(UserRoles.Employee);
        var id = (string)(await _db.ScalarAsync($"SELECT \"Id\" FROM \"AspNetUsers\" WHERE \"UserName\" = '{name}'"))!;

        var error = await WithAdministrationAsync(a => a.UpdateAsync(Admin, id, new UserChange(name, "Now disabled", UserRoles.PortfolioManager, null, null, true)));

        Assert.Null(error);
        Assert.Equal("Employee", await _db.ScalarAsync("SELECT event_data->'before'->>'role' FROM audit_log WHERE event = 'user_updated'"));
        Assert.Equal("PortfolioManager", await _db.ScalarAsync("SELECT event_data->'after'->>'role' FROM audit_log WHERE event = 'user_updated'"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _portal.SignedInClientAsync(name));
    }

    [Fact]
    public async Task UpdateUser_AdminDisablingThemselves_IsRefused()
    {
        var name = await _portal.CreateUserAsync(UserRoles.Admin);
        var id = (string)(await _db.ScalarAsync($"SELECT \"Id\" FROM \"AspNetUsers\" WHERE \"UserName\" = '{name}'"))!;

        var error = await WithAdministrationAsync(a => a.UpdateAsync(new Actor(name), id, new UserChange(name, "Me", UserRoles.Admin, null, null, true)));

        Assert.Equal(FailureKind.Forbidden, error?.Kind);
        Assert.Contains("cannot disable yourself", error!.Message);
    }

    [Fact]
    public async Task SignIn_SuccessAndFailure_AreBothLedgerEntries()
    {
        var name = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await _portal.SignedInClientAsync(name);
        await Assert.ThrowsAsync<InvalidOperationException>(() => _portal.SignedInClientAsync("nobody-" + name));

        Assert.Equal(name, await _db.ScalarAsync("SELECT user_id FROM audit_log WHERE event = 'portal_sign_in'"));
        Assert.Equal("unknown user", await _db.ScalarAsync("SELECT event_data->>'reason' FROM audit_log WHERE event = 'portal_sign_in_failed'"));
    }

    [Fact]
    public async Task ApiKey_CreatedThenRevoked_WorksOnlyForGrantedTypesThenIsRefusedAtOnce()
    {
        var store = _portal.Services.GetRequiredService<ApiKeyStore>();
        var (key, plain) = await store.CreateAsync(Admin, "risk-engine", [LogTypes.Risk], canVerify: false, defaultLogType: null, CancellationToken.None);
        var client = _portal.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("""{"log_type":"RISK","event":"risk_check_passed"}""", plain)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostJsonAsync(IngestClient.Trade(1), plain)).StatusCode);
        Assert.Equal(ApiKeyStore.Hash(plain), await _db.ScalarAsync("SELECT key_hash FROM api_keys WHERE name = 'risk-engine'"));
        Assert.Equal(0L, await _db.ScalarAsync($"SELECT count(*) FROM api_keys WHERE key_hash LIKE '%{plain}%'"));

        await store.RevokeAsync(Admin, key.Id, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostJsonAsync("""{"log_type":"RISK","event":"risk_check_passed"}""", plain)).StatusCode);
        Assert.Equal(1L, await LedgerCountAsync("api_key_created"));
        Assert.Equal(1L, await LedgerCountAsync("api_key_revoked"));
    }

    [Theory]
    [InlineData("Bad Name", "TRADE", null, "lower-case")]
    [InlineData("ok-name", "", null, "at least one")]
    [InlineData("ok-name", "TRADE", "RISK", "default log type must be one the key may write (TRADE)")]
    public async Task ApiKey_InvalidRequest_IsRefusedAndStoresNothing(string name, string types, string? defaultType, string reason)
    {
        var store = _portal.Services.GetRequiredService<ApiKeyStore>();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.CreateAsync(Admin, name, types.Split(',', StringSplitOptions.RemoveEmptyEntries), false, defaultType, CancellationToken.None));

        Assert.Contains(reason, error.Message);
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM api_keys"));
    }
}

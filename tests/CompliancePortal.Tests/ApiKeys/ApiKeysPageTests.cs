using System.Net;
using Bunit;
using CompliancePortal.ApiKeys.Pages;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using MudBlazor;
using MudBlazor.Extensions;

namespace CompliancePortal.Tests.ApiKeys;

/// <summary>The API keys page over the real key store: a created key is shown once and works for its log types only; revoked, it stops.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ApiKeysPageTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private BunitContext NewContext()
    {
        var ctx = PortalPages.NewContext(Portal, "ops", UserRoles.Admin, typeof(ApiKeyStore));
        ctx.Render<MudPopoverProvider>();
        return ctx;
    }

    private static AngleSharp.Dom.IElement RowOf(IRenderedComponent<ApiKeysPage> cut, string name) =>
        cut.FindAll("[data-testid=keys-table] tbody tr").Single(r => r.QuerySelector("td")!.TextContent.Trim() == name);

    private async Task<HttpStatusCode> PostAsync(string key, string logType) =>
        (await Client.PostJsonAsync($$"""{"log_type":"{{logType}}","event":"key_check"}""", key)).StatusCode;

    [Fact]
    public async Task Create_ShowsTheKeyOnce_ListsIt_AndTheKeyWritesItsTypesOnly_UntilRevoked()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ApiKeysPage>();
        cut.WaitForAssertion(() => RowOf(cut, "trading"));

        cut.Find("[data-testid=key-name] input, input[data-testid=key-name]").Change("risk-engine");
        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<string>>().Instance.SelectedValuesChanged.InvokeAsync([LogTypes.Risk, LogTypes.System]));
        await cut.InvokeAsync(() => cut.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label == "May verify").Instance.ValueChanged.InvokeAsync(true));
        await cut.InvokeAsync(() => cut.FindComponents<MudSelect<string>>()[1].Instance.ValueChanged.InvokeAsync(LogTypes.System));
        await cut.Find("button[data-testid=create-key]").ClickAsync(new());

        var plain = cut.WaitForElement("[data-testid=new-key]").TextContent.Trim();
        Assert.Equal(["risk-engine", "RISK, SYSTEM", "SYSTEM", "yes"], RowOf(cut, "risk-engine").QuerySelectorAll("td").Take(4).Select(td => td.TextContent.Trim()));
        Assert.Equal("active", RowOf(cut, "risk-engine").QuerySelectorAll("td")[5].TextContent.Trim());
        Assert.Equal("", cut.FindComponents<MudTextField<string>>()[0].Instance.GetState(x => x.Value));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(plain, LogTypes.Risk));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(plain, LogTypes.Trade));
        // The default log type is what a CLEF record without one is given.
        var clef = await IngestClient.SendAsync(Client, """{"@t":"2026-12-03T10:00:00Z","@mt":"untyped"}""", "application/vnd.serilog.clef", plain, "/api/v1/events/clef");
        Assert.Equal(HttpStatusCode.OK, clef.StatusCode);
        Assert.Equal("SYSTEM", await Db.ScalarAsync("SELECT log_type FROM audit_log WHERE event = 'untyped'"));

        await RowOf(cut, "risk-engine").QuerySelector("button")!.ClickAsync(new());

        cut.WaitForAssertion(() => Assert.StartsWith("revoked ", RowOf(cut, "risk-engine").QuerySelectorAll("td")[5].TextContent.Trim()));
        Assert.Null(RowOf(cut, "risk-engine").QuerySelector("button"));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(plain, LogTypes.Risk));
    }

    [Theory]
    [InlineData("Risk Engine", true, "A key name is 2-64 lower-case letters, digits, '-' or '_'.")]
    [InlineData("risk-engine", false, "Grant at least one known log type.")]
    public async Task Create_Refused_ShowsTheReasonWithoutTheParameterName_AndNoKey(string name, bool withTypes, string reason)
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ApiKeysPage>();

        cut.Find("[data-testid=key-name] input, input[data-testid=key-name]").Change(name);
        if (withTypes) await cut.InvokeAsync(() => cut.FindComponent<MudSelect<string>>().Instance.SelectedValuesChanged.InvokeAsync([LogTypes.Risk]));
        await cut.Find("button[data-testid=create-key]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(reason, cut.Find("[data-testid=key-error]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=new-key]"));
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM api_keys"));   // the test's own "trading" key
    }
}

using Bunit;
using CompliancePortal.Accounts.Pages;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Accounts;

/// <summary>
/// The user form: what it hands over for what was entered (a new user, an edit, an auditor's period), and,
/// on the users page over the real administration service, a save that creates or changes the user or shows why not.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UserFormTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PortalFactory _portal = null!;
    private AsyncServiceScope _scope;

    public async Task InitializeAsync()
    {
        _portal = new PortalFactory(await postgres.CreateDatabaseAsync());
        _scope = _portal.Services.CreateAsyncScope();
    }

    public async Task DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _portal.DisposeAsync();
    }

    /// <summary>The page's own instance (its DbContext is the page's: the test never uses it itself).</summary>
    private UserAdministration Administration => _scope.ServiceProvider.GetRequiredService<UserAdministration>();

    /// <summary>The users as stored, read through a scope of the test's own.</summary>
    private async Task<IReadOnlyList<UserRow>> StoredUsersAsync()
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync();
    }

    private BunitContext NewContext()
    {
        var ctx = PortalPages.NewContext(_portal, "ops", UserRoles.Admin, s => s.AddSingleton(Administration));
        ctx.Render<MudPopoverProvider>();
        return ctx;
    }

    private static void Type(IRenderedComponent<IComponent> cut, string testId, string text) =>
        cut.Find($"[data-testid={testId}] input, input[data-testid={testId}]").Change(text);

    private static void TypePassword(IRenderedComponent<IComponent> cut, string text) =>
        cut.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == "Initial password").Find("input").Change(text);

    private static Task ChooseRoleAsync(IRenderedComponent<IComponent> cut, IRenderedComponent<UserForm> form, string role) =>
        cut.InvokeAsync(() => form.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync(role));

    private static async Task GrantAsync(IRenderedComponent<IComponent> cut, IRenderedComponent<UserForm> form, DateTime from, DateTime to)
    {
        var pickers = form.FindComponents<MudDatePicker>();
        Assert.Equal(["Granted from", "Granted to"], pickers.Select(p => p.Instance.Label));
        await cut.InvokeAsync(() => pickers[0].Instance.DateChanged.InvokeAsync(from));
        await cut.InvokeAsync(() => pickers[1].Instance.DateChanged.InvokeAsync(to));
    }

    /// <summary>The users page once its first list has loaded (an existing user is listed), so the page's own service is idle.</summary>
    private async Task<IRenderedComponent<Users>> OpenUsersAsync(BunitContext ctx, string? existing = null)
    {
        existing ??= await _portal.CreateUserAsync(UserRoles.Employee);
        var cut = ctx.Render<Users>();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=users-table] tbody tr"), r => r.TextContent.Contains(existing)));
        return cut;
    }

    [Fact]
    public async Task Form_NewAuditor_HandsOverWhatWasEntered_NameTrimmed()
    {
        await using var ctx = NewContext();
        var saved = new List<UserChange>();
        var form = ctx.Render<UserForm>(p => p.Add(f => f.OnSave, EventCallback.Factory.Create<UserChange>(new object(), saved.Add)));
        Assert.Contains("New user", form.Markup);
        Assert.Empty(form.FindComponents<MudDatePicker>());

        Type(form, "user-name", "  dana.s ");
        Type(form, "display-name", "Dana Scully");
        await ChooseRoleAsync(form, form, UserRoles.Auditor);
        await GrantAsync(form, form, new DateTime(2024, 10, 1), new DateTime(2024, 10, 31));
        TypePassword(form, PortalUsers.Password);
        await form.Find("button[data-testid=save-user]").ClickAsync(new());

        Assert.Equal(new UserChange("dana.s", "Dana Scully", UserRoles.Auditor, new DateOnly(2024, 10, 1), new DateOnly(2024, 10, 31), false, PortalUsers.Password),
            Assert.Single(saved));
    }

    [Fact]
    public async Task Form_AnAuditorTurnedEmployee_SendsNoPeriod()
    {
        await using var ctx = NewContext();
        var saved = new List<UserChange>();
        var form = ctx.Render<UserForm>(p => p.Add(f => f.OnSave, EventCallback.Factory.Create<UserChange>(new object(), saved.Add)));

        Type(form, "user-name", "eve");
        Type(form, "display-name", "Eve");
        await ChooseRoleAsync(form, form, UserRoles.Auditor);
        await GrantAsync(form, form, new DateTime(2024, 10, 1), new DateTime(2024, 10, 31));
        await ChooseRoleAsync(form, form, UserRoles.Employee);
        await form.Find("button[data-testid=save-user]").ClickAsync(new());

        var change = Assert.Single(saved);
        Assert.Equal((UserRoles.Employee, (DateOnly?)null, (DateOnly?)null, ""), (change.Role, change.AuditFrom, change.AuditTo, change.Password));
    }

    [Fact]
    public async Task Form_Editing_StartsFromTheUser_KeepsTheName_AndSendsNoPassword()
    {
        await using var ctx = NewContext();
        var saved = new List<UserChange>();
        var cancelled = 0;
        var row = new UserRow("id-1", "aud", "Old Name", UserRoles.Auditor, new DateOnly(2024, 1, 1), new DateOnly(2024, 3, 31), false);
        var form = ctx.Render<UserForm>(p => p
            .Add(f => f.Editing, row)
            .Add(f => f.Error, "The granted period ends before it starts.")
            .Add(f => f.OnSave, EventCallback.Factory.Create<UserChange>(new object(), saved.Add))
            .Add(f => f.OnCancel, EventCallback.Factory.Create(new object(), () => cancelled++)));

        Assert.Contains("Edit aud", form.Markup);
        Assert.True(form.Find("[data-testid=user-name] input, input[data-testid=user-name]").HasAttribute("disabled"));
        Assert.DoesNotContain(form.FindComponents<MudTextField<string>>(), f => f.Instance.Label == "Initial password");
        Assert.Equal("The granted period ends before it starts.", form.Find("[data-testid=user-error]").TextContent.Trim());
        Type(form, "display-name", "New Name");
        await form.InvokeAsync(() => form.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label == "Disabled").Instance.ValueChanged.InvokeAsync(true));
        await form.Find("button[data-testid=save-user]").ClickAsync(new());
        await form.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").ClickAsync(new());

        Assert.Equal(new UserChange("aud", "New Name", UserRoles.Auditor, new DateOnly(2024, 1, 1), new DateOnly(2024, 3, 31), true, null), Assert.Single(saved));
        Assert.Equal(1, cancelled);
    }

    [Fact]
    public async Task UsersPage_Save_CreatesTheUserThroughTheService_AndListsIt()
    {
        await using var ctx = NewContext();
        var cut = await OpenUsersAsync(ctx);
        var form = cut.FindComponent<UserForm>();

        Type(cut, "user-name", "dana.s");
        Type(cut, "display-name", "Dana Scully");
        await ChooseRoleAsync(cut, form, UserRoles.Auditor);
        await GrantAsync(cut, cut.FindComponent<UserForm>(), new DateTime(2024, 10, 1), new DateTime(2024, 10, 31));
        TypePassword(cut, PortalUsers.Password);
        await cut.Find("button[data-testid=save-user]").ClickAsync(new());

        var stored = (await StoredUsersAsync()).Single(u => u.UserName == "dana.s");
        Assert.Equal(("Dana Scully", UserRoles.Auditor, new DateOnly(2024, 10, 1), new DateOnly(2024, 10, 31), false),
            (stored.DisplayName, stored.Role, stored.AuditFrom!.Value, stored.AuditTo!.Value, stored.IsDisabled));
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=users-table] tbody tr"), r => r.TextContent.Contains("dana.s")));
        var listed = cut.FindAll("[data-testid=users-table] tbody tr").Single(r => r.TextContent.Contains("dana.s"));
        Assert.Equal(["dana.s", "Dana Scully", "Auditor", "2024-10-01 – 2024-10-31", "active"], listed.QuerySelectorAll("td").Take(5).Select(td => td.TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=user-error]"));
    }

    [Theory]
    [InlineData("Dana Scully", "Dana", "A user name is 2-64 lower-case letters, digits, '.', '-' or '_'.")]
    [InlineData("dana", "   ", "A display name is required.")]
    public async Task UsersPage_Save_Refused_ShowsTheServicesReason_AndStoresNothing(string userName, string displayName, string reason)
    {
        await using var ctx = NewContext();
        var cut = await OpenUsersAsync(ctx);

        Type(cut, "user-name", userName);
        Type(cut, "display-name", displayName);
        TypePassword(cut, PortalUsers.Password);
        await cut.Find("button[data-testid=save-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(reason, cut.Find("[data-testid=user-error]").TextContent.Trim()));
        Assert.DoesNotContain(await StoredUsersAsync(), u => u.UserName is "dana" or "dana scully");
    }

    [Fact]
    public async Task UsersPage_AnAuditorWithoutAPeriod_IsRefused()
    {
        await using var ctx = NewContext();
        var cut = await OpenUsersAsync(ctx);

        Type(cut, "user-name", "aud2");
        Type(cut, "display-name", "Aud Two");
        await ChooseRoleAsync(cut, cut.FindComponent<UserForm>(), UserRoles.Auditor);
        TypePassword(cut, PortalUsers.Password);
        await cut.Find("button[data-testid=save-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("An auditor needs a granted period (from and to).", cut.Find("[data-testid=user-error]").TextContent.Trim()));
    }

    [Fact]
    public async Task UsersPage_Edit_ChangesRoleAndDisables()
    {
        var name = await _portal.CreateUserAsync(UserRoles.Employee);
        await using var ctx = NewContext();
        var cut = await OpenUsersAsync(ctx, name);
        await cut.FindAll("[data-testid=users-table] tbody tr").Single(r => r.TextContent.Contains(name)).QuerySelector("button")!.ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains($"Edit {name}", cut.Markup));

        await ChooseRoleAsync(cut, cut.FindComponent<UserForm>(), UserRoles.PortfolioManager);
        await cut.InvokeAsync(() => cut.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label == "Disabled").Instance.ValueChanged.InvokeAsync(true));
        await cut.Find("button[data-testid=save-user]").ClickAsync(new());

        var stored = (await StoredUsersAsync()).Single(u => u.UserName == name);
        Assert.Equal((UserRoles.PortfolioManager, true), (stored.Role, stored.IsDisabled));
        cut.WaitForAssertion(() => Assert.Contains("New user", cut.Markup));
        var listed = cut.FindAll("[data-testid=users-table] tbody tr").Single(r => r.TextContent.Contains(name));
        Assert.Equal(["PortfolioManager", "", "disabled"], listed.QuerySelectorAll("td").Skip(2).Take(3).Select(td => td.TextContent.Trim()));
    }
}

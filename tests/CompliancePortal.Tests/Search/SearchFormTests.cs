using Bunit;
using CompliancePortal.Core.Search;
using CompliancePortal.Search.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CompliancePortal.Tests.Search;

public sealed class SearchFormTests
{
    private static IRenderedComponent<SearchForm> Render(BunitContext ctx, AuditQueryInput input, List<AuditQuery> searched)
    {
        ctx.Render<MudPopoverProvider>();
        return ctx.Render<SearchForm>(p => p
            .Add(f => f.Input, input)
            .Add(f => f.OnSearch, EventCallback.Factory.Create<AuditQuery>(new object(), q => searched.Add(q))));
    }

    [Fact]
    public async Task Submit_FromAfterTo_ShowsMessageAndDoesNotSearch()
    {
        await using var ctx = PortalBunit.NewContext();
        var searched = new List<AuditQuery>();
        var cut = Render(ctx, new AuditQueryInput { From = "2024-10-09", To = "2024-10-08" }, searched);

        await cut.Find("form").SubmitAsync();

        Assert.Contains("'From' is after 'To'.", cut.Find("[data-testid=search-errors]").TextContent);
        Assert.Empty(searched);
    }

    [Fact]
    public async Task Submit_InvalidFieldName_ShowsMessageAndDoesNotSearch()
    {
        await using var ctx = PortalBunit.NewContext();
        var searched = new List<AuditQuery>();
        var input = new AuditQueryInput { Fields = [new FieldInput { Field = "asset'; --", Value = "QQQ" }] };
        var cut = Render(ctx, input, searched);

        await cut.Find("form").SubmitAsync();

        Assert.Contains("A field name has 1 to 64 letters, digits or underscores.", cut.Markup);
        Assert.Empty(searched);
    }

    [Fact]
    public async Task Submit_ValidInput_SearchesWithTheBuiltQuery()
    {
        await using var ctx = PortalBunit.NewContext();
        var searched = new List<AuditQuery>();
        var input = AuditQueryInput.FromQueryString("type=TRADE&f=asset:QQQ&q=SPY");
        var cut = Render(ctx, input, searched);

        await cut.Find("form").SubmitAsync();

        var query = Assert.Single(searched);
        Assert.Equal("type=TRADE&f=asset%3AQQQ&q=SPY", AuditQueryInput.ToQueryString(query));
        Assert.Empty(cut.FindAll("[data-testid=search-errors]"));
    }

    [Fact]
    public async Task AddFieldFilter_Clicked_AddsNameAndValueInputs()
    {
        await using var ctx = PortalBunit.NewContext();
        var input = new AuditQueryInput();
        var cut = Render(ctx, input, []);

        cut.FindAll("button").Single(b => b.TextContent.Contains("Add field filter")).Click();

        Assert.Single(input.Fields);
        Assert.Contains("Field 1", cut.Markup);
        Assert.Contains("Value 1", cut.Markup);
    }
}

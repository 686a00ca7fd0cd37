using CompliancePortal.Core.Search;

namespace CompliancePortal.Tests.Search;

public sealed class AuditQueryInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("type=TRADE&f=asset:QQQ")]
    [InlineData("from=2024-10-01&to=2024-10-31&type=TRADE&event=trade_executed&user=jane&f=asset:QQQ&f=action:SELL_PUT&q=SPY%20assignment&order=oldest")]
    [InlineData("from=2024-10-08T10:30:00Z&to=2024-10-08T10:45:12.123456Z")]
    [InlineData("f=note:a%3Ab%26c%3Dd&q=%22exact%20phrase%22%20%7C%20!x%20(")]
    [InlineData("q=%E2%82%AC%20%F0%9F%93%88%20caf%C3%A9")]
    public void QueryString_RoundTrip_GivesEqualQuery(string url)
    {
        Assert.Empty(AuditQueryInput.FromQueryString(url).TryBuild(out var query));

        var again = AuditQueryInput.ToQueryString(query!);
        Assert.Empty(AuditQueryInput.FromQueryString("?" + again).TryBuild(out var back));

        Assert.Equal(query, back);
        Assert.Equal(again, AuditQueryInput.ToQueryString(back!));
    }

    [Fact]
    public void TryBuild_DateOnlyRange_CoversBothWholeDays()
    {
        var input = new AuditQueryInput { From = "2024-10-08", To = "2024-10-09" };

        Assert.Empty(input.TryBuild(out var query));

        Assert.Equal(new DateTimeOffset(2024, 10, 8, 0, 0, 0, TimeSpan.Zero), query!.From);
        Assert.Equal(new DateTimeOffset(2024, 10, 10, 0, 0, 0, TimeSpan.Zero).AddTicks(-10), query.To);
    }

    [Theory]
    [InlineData("2024-10-09", "2024-10-08", "range")]
    [InlineData("yesterday", null, "from")]
    [InlineData(null, "2024-13-45", "to")]
    public void TryBuild_BadTimes_NamesTheInput(string? from, string? to, string key)
    {
        var errors = new AuditQueryInput { From = from, To = to }.TryBuild(out var query);

        Assert.Null(query);
        Assert.Contains(key, errors.Keys);
    }

    [Theory]
    [InlineData("asset;DROP TABLE audit_log")]
    [InlineData("a b")]
    [InlineData("data->>'x'")]
    [InlineData("this_field_name_is_far_too_long_to_be_a_field_name_of_any_event_xx")]
    public void TryBuild_UnsafeFieldName_IsRefused(string field)
    {
        var input = new AuditQueryInput { Fields = [new FieldInput { Field = field, Value = "x" }] };

        var errors = input.TryBuild(out _);

        Assert.Equal("A field name has 1 to 64 letters, digits or underscores.", errors["field0"]);
    }

    [Fact]
    public void TryBuild_NulAndLoneSurrogate_AreMadeSendable()
    {
        var input = new AuditQueryInput { Text = "SPY\0 \ud800x", Fields = [new FieldInput { Field = "asset", Value = "Q\0QQ" }] };

        Assert.Empty(input.TryBuild(out var query));

        Assert.Equal("SPY \ufffdx", query!.Text);
        Assert.Equal("QQQ", query.Fields[0].Value);
    }

    [Fact]
    public void TryBuild_VeryLongText_IsClippedNotRefused()
    {
        var input = new AuditQueryInput { Text = new string('x', 10_000) };

        Assert.Empty(input.TryBuild(out var query));

        Assert.Equal(AuditQuery.MaxTextLength, query!.Text!.Length);
    }

    [Fact]
    public void TryBuild_UnknownLogType_IsRefused()
    {
        var errors = new AuditQueryInput { LogType = "trade'--" }.TryBuild(out _);

        Assert.Contains("type", errors.Keys);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Search;

/// <summary>The search service against the real portal and PostgreSQL, on <see cref="SearchData"/>.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditSearchTests(PostgresFixture postgres) : SearchTest(postgres)
{
    private static readonly RecordReader Officer = RecordReader.ComplianceOfficer(new Actor("cco-search-test"));

    private static AuditQuery Query(string url)
    {
        Assert.Empty(AuditQueryInput.FromQueryString(url).TryBuild(out var query));
        return query!;
    }

    private async Task<string> TagsAsync(string url, RecordReader? reader = null)
    {
        var page = await _search.SearchAsync(reader ?? Officer, Query(url));
        return string.Join(",", page.Rows.Select(r => SearchData.TagOf(r.EventData)));
    }

    // The searches themselves are COMPLIANCE entries stamped "now"; "to=2024-12-31" keeps them out of the expected rows.
    // One table (not a theory) so the cases share one portal and database.
    private static readonly (string Url, string Expected)[] FilterCases =
    [
        ("to=2024-12-31", "t12,t11,t10,t09,t08,t07,t06,t05,t04,t03,t02,t01"),
        ("to=2024-12-31&order=oldest", "t01,t02,t03,t04,t05,t06,t07,t08,t09,t10,t11,t12"),
        ("to=2024-12-31&type=TRADE", "t11,t03,t02,t01"),
        ("to=2024-12-31&event=circuit_breaker_triggered", "t12,t06"),
        ("to=2024-12-31&user=pm", "t11,t03,t02,t01"),
        ("to=2024-12-31&type=COMPLIANCE&user=cco", "t09"),
        ("to=2024-12-31&f=asset:QQQ", "t05,t02,t01"),
        ("to=2024-12-31&f=asset:QQQ&f=action:SELL_PUT", "t01"),
        ("to=2024-12-31&f=request_id:PCT-1", "t09,t08"),
        ("to=2024-12-31&f=quantity:100", "t04"),
        ("to=2024-12-31&f=asset:qqq", ""),
        ("from=2024-10-08&to=2024-10-08", "t06,t05,t04,t03,t02"),
        ("from=2024-10-08T10:30:00Z&to=2024-10-08T11:00:00Z", "t04,t03"),
        ("from=2024-10-10T16:00:00Z&to=2024-10-10T16:00:00Z", "t11,t10"),
        ("to=2024-12-31&q=SPY%20assignment", "t12,t04"),
        ("to=2024-12-31&q=%22weekly%20put%22", "t01"),
        ("to=2024-12-31&q=SPY%20-assignment", "t07,t03"),
        ("to=2024-12-31&q=IWM%20or%20QQQ", "t11,t05,t02,t01"),
        ("to=2024-12-31&q=TRD-3&type=POSITION", "t04"),
    ];

    [Fact]
    public async Task Search_EachFilter_ReturnsExactlyTheMatchingRows()
    {
        var wrong = new List<string>();
        foreach (var (url, expected) in FilterCases)
        {
            var actual = await TagsAsync(url);
            if (actual != expected) wrong.Add($"{url}: expected [{expected}], got [{actual}]");
        }
        Assert.Empty(wrong);
    }

    [Fact]
    public async Task Search_FirstPage_CountsTheWholeResult()
    {
        var page = await _search.SearchAsync(Officer, Query("to=2024-12-31&type=TRADE"));

        Assert.Equal(4, page.Total);
        Assert.False(page.TotalCapped);
        Assert.Null(page.Next);
    }

    private static readonly string[] Hostile =
    [
        "'", "\"", "\"unbalanced", "((((", ")", "a & b | c", "!", "!!!", "&", "|", "a:*", "<->", "a <-> b", "-", "--", "- -x",
        "'; DROP TABLE audit_log; --", "1' OR '1'='1", "$1", "\\", "\\\\'", "%", "_", "or", "OR OR OR", "and", "\"\"", "\" \"",
        "SPY & (assignment | !QQQ", "a:A", "x:*&y", "\0", "a\0b", "\ud800", "\udc00abc", "😀📈", "日本語 テスト", "ß ﬁ Ⅻ", "\u202e", "\t\r\n",
        new string('a', 5000), string.Join(" ", Enumerable.Repeat("x", 3000)), new string('(', 2000), string.Concat(Enumerable.Repeat("\"a\" ", 800)),
    ];

    [Fact]
    public async Task Search_HostileInputs_ReturnNormally()
    {
        foreach (var input in Hostile)
        {
            var shown = input[..Math.Min(20, input.Length)];
            var ex = await Record.ExceptionAsync(() => SearchEverywayAsync(input));
            Assert.True(ex is null, $"input '{shown}' ({input.Length} chars): {ex}");
        }
    }

    private async Task SearchEverywayAsync(string input)
    {
        // Straight to the service (no form clean-up), then through the form, in every text-like filter.
        await _search.SearchAsync(Officer, new AuditQuery { Text = input });
        await _search.SearchAsync(Officer, new AuditQuery { Event = input, UserId = input, LogType = input, Fields = [new FieldFilter("asset", input)] });
        var form = new AuditQueryInput { Text = input, Event = input, Fields = [new FieldInput { Field = "note", Value = input }] };
        Assert.Empty(form.TryBuild(out var query));
        await _search.SearchAsync(Officer, query!);
        await foreach (var _ in _search.ExportAsync(Officer, query!)) { }
    }

    [Fact]
    public async Task Export_HostileInputsOverHttp_AnswerOk()
    {
        var user = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await _portal.SignedInClientAsync(user);
        foreach (var input in Hostile)
        {
            var response = await client.GetAsync("/api/v1/search/export?q=" + Uri.EscapeDataString(input) + "&f=asset:" + Uri.EscapeDataString(input));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} for {input[..Math.Min(20, input.Length)]}");
        }
    }

    [Fact]
    public async Task Search_Always_IsRecordedInTheLedgerWithUserAndQuery()
    {
        var before = (long)(await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'audit_search'"))!;

        var page = await _search.SearchAsync(Officer, Query("type=TRADE&f=asset:QQQ&q=weekly"));

        Assert.Equal(0L, before);
        Assert.Single(page.Rows);
        Assert.Equal(1L, await _db.ScalarAsync(
            """
            SELECT count(*) FROM audit_log
            WHERE log_type = 'COMPLIANCE' AND event = 'audit_search' AND user_id = 'cco-search-test' AND source = 'user:cco-search-test'
              AND event_data->>'query' = 'type=TRADE&f=asset%3AQQQ&q=weekly'
              AND event_data->'filters'->'fields'->0->>'value' = 'QQQ' AND event_data->>'scope' = 'all'
            """));
    }

    [Fact]
    public async Task Paging_WhileEventsArrive_ReturnsEachRowOnce()
    {
        // 120 events share one timestamp (ties are broken by seq), 60 more are spread out.
        var tied = Enumerable.Range(0, 120).Select(i => Event($"tie{i:D3}", "2024-11-01T12:00:00Z"));
        var spread = Enumerable.Range(0, 60).Select(i => Event($"sp{i:D3}", $"2024-11-{1 + i % 28:D2}T{i % 24:D2}:30:00Z"));
        await SearchData.IngestAsync(_portal, [.. tied, .. spread]);
        foreach (var oldestFirst in new[] { false, true })
        {
            var query = Query("f=batch:paging" + (oldestFirst ? "&order=oldest" : ""));
            var seen = new List<long>();
            AuditCursor? cursor = null;
            var pages = 0;
            do
            {
                var page = await _search.SearchAsync(Officer, query, cursor);
                Assert.True(page.Rows.Count <= AuditQuery.PageSize);
                seen.AddRange(page.Rows.Select(r => r.Seq));
                cursor = page.Next;
                // New events between pages: on a shown page's timestamps, older and newer ones.
                if (pages++ < 3)
                    await SearchData.IngestAsync(_portal, [Event($"new{pages}a{oldestFirst}", "2024-11-01T12:00:00Z"), Event($"new{pages}b{oldestFirst}", "2024-10-01T00:00:00Z"), Event($"new{pages}c{oldestFirst}", "2024-12-01T00:00:00Z")]);
            }
            while (cursor is not null);

            Assert.Equal(seen.Count, seen.Distinct().Count());
            var original = (long)(await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event_data->>'batch' = 'paging' AND event_data->>'tag' NOT LIKE 'new%'"))!;
            var originalSeen = (long)(await _db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE seq IN ({string.Join(",", seen)}) AND event_data->>'tag' NOT LIKE 'new%'"))!;
            Assert.Equal(180L, original);
            Assert.Equal(180L, originalSeen);
            var keys = (await KeysAsync(seen)).ToList();
            Assert.Equal(oldestFirst ? keys.Order().ToList() : keys.OrderDescending().ToList(), keys);
        }
    }

    private async Task<IEnumerable<(DateTime, long)>> KeysAsync(List<long> seqs)
    {
        await using var db = _db.AppDataSource();
        await using var cmd = db.CreateCommand("SELECT \"timestamp\", seq FROM audit_log WHERE seq = ANY($1)");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter<long[]> { TypedValue = [.. seqs] });
        var byseq = new Dictionary<long, DateTime>();
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) byseq[r.GetInt64(1)] = r.GetDateTime(0);
        return seqs.Select(s => (byseq[s], s));
    }

    private static JsonObject Event(string tag, string at) => new()
    {
        ["timestamp"] = at, ["log_type"] = "TRADE", ["event"] = "trade_executed", ["event_id"] = tag, ["tag"] = tag, ["batch"] = "paging",
    };
}

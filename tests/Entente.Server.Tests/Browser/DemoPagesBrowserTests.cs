using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Entente.Election.Record;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// The demo's pages in Chromium: the ballot check and the incident timeline verify in the browser; the
/// results show the record's tally; the dashboard names the cosigners; the log browser pages and filters.
/// Each test keeps a full-page screenshot (bin/…/screenshots/*.png under the test output).
/// </summary>
[Trait("Category", "Slow")]
public partial class DemoPagesBrowserTests(DemoSiteFixture site) : IClassFixture<DemoSiteFixture>
{
    private async Task<IPage> OpenAsync(string path)
    {
        IPage page = await site.RequireBrowser().NewPageAsync();
        await page.GotoAsync(site.BaseUrl + path);
        return page;
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = DemoSiteFixture.Screenshot(name), FullPage = true });

    private static async Task<string> VerdictAsync(IPage page)
    {
        await page.WaitForSelectorAsync("#outcome[data-verdict]", new PageWaitForSelectorOptions { Timeout = 20_000 });
        return (await page.GetAttributeAsync("#outcome", "data-verdict"))!;
    }

    [SkippableFact]
    public async Task The_ballot_check_verifies_a_real_inclusion_proof_and_both_witness_cosignatures_in_the_browser()
    {
        string code = site.CastCodes[3];
        IPage page = await OpenAsync("/check?code=" + code);
        string verdict = await VerdictAsync(page);
        string text = await page.InnerTextAsync("#outcome");
        await ShotAsync(page, "ballot-check-verified");

        Assert.True(verdict == "verified", text);
        Assert.Contains("Verified", text, StringComparison.Ordinal);
        Assert.Contains(site.Result.CheckpointRoot.ToLowerInvariant(), text, StringComparison.Ordinal);
        Assert.Contains("witness.blue cosigned", text, StringComparison.Ordinal);
        Assert.Contains("witness.red cosigned", text, StringComparison.Ordinal);
        Assert.Contains("board's log key", text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_ballot_check_form_checks_a_code_typed_by_the_voter()
    {
        IPage page = await OpenAsync("/check");
        await page.GetByLabel("Confirmation code").FillAsync(site.CastCodes[0]);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Check" }).ClickAsync();
        Assert.Equal("verified", await VerdictAsync(page));
        Assert.EndsWith("/check?code=" + site.CastCodes[0], page.Url, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_ballot_check_fails_visibly_when_the_board_serves_a_tampered_inclusion_proof()
    {
        IPage page = await site.RequireBrowser().NewPageAsync();
        await page.RouteAsync("**/api/ballot-check/**", async route =>
        {
            IAPIResponse original = await route.FetchAsync();
            JsonNode body = JsonNode.Parse(await original.TextAsync())!;
            JsonArray proof = body["proof"]!.AsArray();
            string first = proof[0]!.GetValue<string>();
            proof[0] = (first[0] == '0' ? "1" : "0") + first[1..];
            await route.FulfillAsync(new RouteFulfillOptions { Response = original, Body = body.ToJsonString() });
        });
        await page.GotoAsync(site.BaseUrl + "/check?code=" + site.CastCodes[5]);
        string verdict = await VerdictAsync(page);
        string text = await page.InnerTextAsync("#outcome");
        await ShotAsync(page, "ballot-check-tampered");

        Assert.Equal("failed", verdict);
        Assert.Contains("NOT verified", text, StringComparison.Ordinal);
        Assert.Contains("inclusion proof does not lead to the checkpoint's root", text, StringComparison.Ordinal);
        Assert.Equal("bad", await page.GetAttributeAsync("#outcome", "class"));
    }

    [SkippableFact]
    public async Task An_unknown_confirmation_code_is_reported_as_not_verified()
    {
        IPage page = await OpenAsync("/check?code=" + new string('A', 64));
        Assert.Equal("failed", await VerdictAsync(page));
        Assert.Contains("No cast ballot with confirmation code", await page.InnerTextAsync("#outcome"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_results_page_shows_the_tally_of_the_record_with_a_chart_per_contest_and_each_number_links_to_its_proof()
    {
        ElectionRecord record = await RecordStore.ReadAsync(site.Result.RecordDirectory);
        IPage page = await OpenAsync("/results");
        await ShotAsync(page, "results");
        foreach (var contest in record.Tally.Contests)
        {
            IReadOnlyList<string> shown = await page.Locator($"table.tally[data-contest=\"{contest.ContestIndex}\"] td.votes").AllInnerTextsAsync();
            Assert.Equal(contest.Options.Select(o => o.Value.ToString(CultureInfo.InvariantCulture)), shown);
        }

        Assert.Equal(record.Tally.Contests.Count, await page.Locator("svg.chart[role=img]").CountAsync());
        Assert.Equal(3, await page.Locator("#verification .ok").CountAsync());

        var first = record.Tally.Contests[0].Options[1];
        ILocator link = page.Locator("table.tally[data-contest=\"1\"] td.votes a").Nth(1);
        Assert.Equal("/results/proof/1/2", await link.GetAttributeAsync("href"));
        await link.ClickAsync();
        await page.WaitForSelectorAsync("#value");
        Assert.EndsWith("/results/proof/1/2", page.Url, StringComparison.Ordinal);
        await ShotAsync(page, "results-proof");
        Assert.Equal(first.Value.ToString(CultureInfo.InvariantCulture), await page.InnerTextAsync("#value"));
        string proofPage = await page.InnerTextAsync("main");
        Assert.Contains(first.Challenge.ToHex(), proofPage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("equals the artifact hash of log entry", proofPage, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_dashboard_names_each_partys_witness_with_its_cosignature_time_and_the_overdue_request()
    {
        IPage page = await OpenAsync("/");
        await ShotAsync(page, "dashboard");
        Assert.Contains("Tallied and verified", await page.InnerTextAsync("#election-status"), StringComparison.Ordinal);
        Assert.Equal(site.Result.CheckpointRoot.ToLowerInvariant(), await page.InnerTextAsync("#checkpoint-root"));
        IReadOnlyList<string> rows = await page.Locator("#cosigners tbody tr").AllInnerTextsAsync();
        Assert.Equal(3, rows.Count);
        foreach ((string witness, string party) in new[] { ("witness.blue", "Blue"), ("witness.red", "Red") })
        {
            string row = Assert.Single(rows, r => r.Contains(witness, StringComparison.Ordinal));
            Assert.Contains(party, row, StringComparison.Ordinal);
            Assert.Matches(CosignatureTime(), row);
            Assert.Contains("valid", row, StringComparison.Ordinal);
        }

        Assert.Contains(rows, r => r.Contains("log key", StringComparison.Ordinal) && r.Contains("valid", StringComparison.Ordinal));
        string stages = await page.InnerTextAsync("#stages");
        Assert.Contains("Ballots cast\tballot.cast\t" + site.Result.BallotsCast.ToString(CultureInfo.InvariantCulture), stages, StringComparison.Ordinal);
        string overdue = await page.InnerTextAsync("#overdue");
        Assert.Contains("1 overdue request", overdue, StringComparison.Ordinal);
        Assert.Contains("Confirm the firmware hash of device-1", overdue, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_log_browser_pages_through_the_entries_and_filters_by_type_and_party()
    {
        IPage page = await OpenAsync("/log?count=10");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)), await IndexesAsync(page));
        await page.Locator("a[rel=next]").First.ClickAsync();
        await Assertions.Expect(page.Locator("#entries tbody td:first-child").First).ToHaveTextAsync("10");
        Assert.Equal(Enumerable.Range(10, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)), await IndexesAsync(page));
        await page.Locator("a[rel=prev]").First.ClickAsync();
        await Assertions.Expect(page.Locator("#entries tbody td:first-child").First).ToHaveTextAsync("0");
        Assert.Equal("0", (await IndexesAsync(page))[0]);

        await page.SelectOptionAsync("select[name=type]", "ballot.cast");
        await page.FillAsync("input[name=count]", "50");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Show" }).ClickAsync();
        await Assertions.Expect(page.Locator("#entries tbody td:nth-child(2)").First).ToHaveTextAsync("ballot.cast");
        Assert.Contains("type=ballot.cast", page.Url, StringComparison.Ordinal);
        await ShotAsync(page, "log");
        IReadOnlyList<string> types = await page.Locator("#entries tbody td:nth-child(2)").AllInnerTextsAsync();
        Assert.Equal(site.Result.BallotsCast, types.Count);
        Assert.All(types, t => Assert.Equal("ballot.cast", t));

        IPage red = await OpenAsync("/log?type=exchange.*&party=Red");
        IReadOnlyList<string> parties = await red.Locator("#entries tbody td:nth-child(3)").AllInnerTextsAsync();
        Assert.NotEmpty(parties);
        Assert.All(parties, p => Assert.Equal("Red", p));
    }

    private static async Task<IReadOnlyList<string>> IndexesAsync(IPage page) =>
        await page.Locator("#entries tbody td:first-child").AllInnerTextsAsync();

    [SkippableFact]
    public async Task The_incident_timeline_shows_every_message_verified_on_the_server_and_in_the_browser_and_each_request_status()
    {
        IPage page = await OpenAsync("/incidents");
        await page.WaitForSelectorAsync("body[data-browser-checked=done]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await ShotAsync(page, "incidents");
        ILocator messages = page.Locator("li[data-exchange-index]");
        Assert.Equal(site.Result.ExchangeMessages, await messages.CountAsync());
        for (int i = 0; i < site.Result.ExchangeMessages; i++)
        {
            Assert.Equal("verified", await messages.Nth(i).GetAttributeAsync("data-server-verdict"));
            Assert.Equal("verified", await messages.Nth(i).GetAttributeAsync("data-browser-verdict"));
        }

        Assert.Equal(["answered", "declined", "overdue"], await page.Locator("#requests [data-status]").AllInnerTextsAsync());
        Assert.Contains($"{site.Result.ExchangeMessages} of {site.Result.ExchangeMessages} messages verified", await page.InnerTextAsync("#exchange-summary"), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Please share the full packet capture of the scan" }).First.ClickAsync();
        await page.WaitForSelectorAsync("body[data-browser-checked=done]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await ShotAsync(page, "incident-request-declined");
        Assert.Equal("declined", await page.InnerTextAsync("main .lead [data-status]"));
        Assert.Contains("personal data", await page.InnerTextAsync("#response"), StringComparison.Ordinal);
        IReadOnlyList<string> steps = await page.Locator("li[data-exchange-index] > p:nth-child(2)").AllInnerTextsAsync();
        Assert.Contains(steps, s => s.StartsWith("Blue → Red: request for assistance", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.StartsWith("Red → Blue: declines", StringComparison.Ordinal));
        Assert.Equal(await page.Locator("li[data-exchange-index]").CountAsync(), await page.Locator("li[data-browser-verdict=verified]").CountAsync());

        IPage party = await OpenAsync("/incidents/party/Blue");
        await party.WaitForSelectorAsync("body[data-browser-checked=done]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await ShotAsync(party, "incidents-blue");
        Assert.Equal(3, await party.Locator("#requests tbody tr").CountAsync());
    }

    [SkippableFact]
    public async Task An_altered_exchange_message_fails_the_browser_check_visibly()
    {
        IPage page = await site.RequireBrowser().NewPageAsync();
        await page.RouteAsync("**/api/exchange/2", async route =>
        {
            IAPIResponse original = await route.FetchAsync();
            JsonNode body = JsonNode.Parse(await original.TextAsync())!;
            string envelope = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(body["envelope"]!.GetValue<string>()));
            body["envelope"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(envelope.Replace(Entente.Server.Demo.JointElectionDemo.SuspiciousAddress, "198.51.100.7", StringComparison.Ordinal)));
            await route.FulfillAsync(new RouteFulfillOptions { Response = original, Body = body.ToJsonString() });
        });
        await page.GotoAsync(site.BaseUrl + "/incidents");
        await page.WaitForSelectorAsync("body[data-browser-checked=done]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        ILocator altered = page.Locator("#message-2");
        await altered.ScrollIntoViewIfNeededAsync();
        await ShotAsync(page, "incidents-tampered");
        Assert.Equal("failed", await altered.GetAttributeAsync("data-browser-verdict"));
        Assert.Contains("NOT verified in your browser: the envelope's signature does not verify", await altered.Locator(".browser-check").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("verified", await page.Locator("#message-3").GetAttributeAsync("data-browser-verdict"));
    }

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")]
    private static partial Regex CosignatureTime();
}

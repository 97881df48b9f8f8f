using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>The demo's pages in Chromium: the ballot check verifies in the browser; the results show the tally.</summary>
[Trait("Category", "Slow")]
public class DemoPagesBrowserTests(DemoSiteFixture site) : IClassFixture<DemoSiteFixture>
{
    private async Task<IPage> OpenAsync(string path)
    {
        IPage page = await site.RequireBrowser().NewPageAsync();
        await page.GotoAsync(site.BaseUrl + path);
        return page;
    }

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
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = DemoSiteFixture.Screenshot("ballot-check-verified"), FullPage = true });

        Assert.True(verdict == "verified", text);
        Assert.Contains("Verified", text, StringComparison.Ordinal);
        Assert.Contains(site.Result.CheckpointRoot.ToLowerInvariant(), text, StringComparison.Ordinal);
        Assert.Contains("witness.blue cosigned", text, StringComparison.Ordinal);
        Assert.Contains("witness.red cosigned", text, StringComparison.Ordinal);
        Assert.Contains("board's log key", text, StringComparison.Ordinal);
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
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = DemoSiteFixture.Screenshot("ballot-check-tampered"), FullPage = true });

        Assert.Equal("failed", verdict);
        Assert.Contains("NOT verified", text, StringComparison.Ordinal);
        Assert.Contains("inclusion proof does not lead to the checkpoint's root", text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_unknown_confirmation_code_is_reported_as_not_verified()
    {
        IPage page = await OpenAsync("/check?code=" + new string('A', 64));
        Assert.Equal("failed", await VerdictAsync(page));
        Assert.Contains("No cast ballot with confirmation code", await page.InnerTextAsync("#outcome"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_results_page_shows_every_contest_total_with_a_chart_and_the_verification_report()
    {
        IPage page = await OpenAsync("/results");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = DemoSiteFixture.Screenshot("results"), FullPage = true });
        IReadOnlyList<string> cells = await page.Locator("table.tally td").AllInnerTextsAsync();
        List<string> expected = [.. site.Result.Contests.SelectMany(c => c.Options.SelectMany(o => new[] { o.Label, o.Votes.ToString(System.Globalization.CultureInfo.InvariantCulture) }))];
        Assert.Equal(expected, cells);
        Assert.Equal(site.Result.Contests.Count, await page.Locator("svg[role=img]").CountAsync());
        Assert.Contains("passed", await page.InnerTextAsync("body"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_dashboard_names_the_witnesses_of_both_parties_and_the_log_browser_filters_by_type()
    {
        IPage page = await OpenAsync("/");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = DemoSiteFixture.Screenshot("dashboard"), FullPage = true });
        string body = await page.InnerTextAsync("body");
        Assert.Contains("tallied and verified", body, StringComparison.Ordinal);
        Assert.Contains("witness.blue", body, StringComparison.Ordinal);
        Assert.Contains("witness.red", body, StringComparison.Ordinal);

        IPage log = await OpenAsync("/log?type=ballot.cast");
        await log.ScreenshotAsync(new PageScreenshotOptions { Path = DemoSiteFixture.Screenshot("log"), FullPage = true });
        Assert.Equal(site.Result.BallotsCast + 1, await log.Locator("table tr").CountAsync());
    }
}

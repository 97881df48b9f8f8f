using System.Globalization;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.Manifest;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// The pages of a LIVE board in Chromium during a tiny-group election driven through the board API: before the joint
/// key, while voting (a ballot check that verifies in the browser, a challenged ballot, a dashboard that updates as a
/// ballot arrives), and after decryption (results, the board's own verification of the record, proofs, the opening).
/// Every page is looked at 1280 px and 390 px wide and must not scroll sideways; screenshots are kept under
/// screenshots/live/ in the test output.
/// </summary>
[Trait("Category", "Slow")]
public sealed class LiveBoardPagesBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static readonly (int Width, int Height, string Name)[] Sizes = [(1280, 900, "1280"), (390, 844, "390")];

    private static readonly string[] Paths = ["/", "/results", "/check", "/log", "/log/0", "/incidents", "/audit", "/schedule", "/log?type=ballot.cast"];

    private static async Task<IPage> OpenAsync(IBrowser browser, string url, int width = 1280, int height = 900)
    {
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        await page.GotoAsync(url);
        return page;
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.Screenshot(name), FullPage = true });

    /// <summary>How far the document is wider than the viewport (0 when nothing scrolls sideways).</summary>
    private static Task<int> OverflowAsync(IPage page) =>
        page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");

    /// <summary>Every page at both widths: rendered, screenshot kept, nothing wider than the screen.</summary>
    private static async Task AllPagesFitAsync(IBrowser browser, LiveElection election, string stage)
    {
        foreach ((int width, int height, string size) in Sizes)
        {
            IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
            foreach (string path in Paths)
            {
                IResponse? response = await page.GotoAsync(election.BaseUrl + path);
                Assert.True(response?.Status == 200, $"{path}: {response?.Status}");
                string name = $"{stage}-{size}-{(path == "/" ? "dashboard" : path.Trim('/').Replace('/', '-').Replace('?', '-').Replace('=', '-'))}";
                await ShotAsync(page, name);
                Assert.True(await OverflowAsync(page) <= 0, $"{path} at {width} px scrolls sideways by {await OverflowAsync(page)} px (see {name}.png)");
                string text = await page.InnerTextAsync("body");
                Assert.DoesNotContain(election.DataDirectory, text, StringComparison.Ordinal);
                Assert.DoesNotContain(Path.GetTempPath(), text, StringComparison.Ordinal);
            }

            await page.CloseAsync();
        }
    }

    private static async Task<string> VerdictAsync(IPage page)
    {
        await page.WaitForSelectorAsync("#outcome[data-verdict]", new PageWaitForSelectorOptions { Timeout = 20_000 });
        return (await page.GetAttributeAsync("#outcome", "data-verdict"))!;
    }

    /// <summary>A confirmation code as a voter might type it: lower case, in groups of 8 separated by " - ".</summary>
    private static string Grouped(string code) =>
        string.Join(" - ", Enumerable.Range(0, code.Length / 8).Select(i => code.Substring(i * 8, 8).ToLowerInvariant()));

    [SkippableFact]
    public async Task The_pages_follow_a_live_election_from_the_key_ceremony_to_verified_results_at_desktop_and_phone_widths()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using LiveElection election = await LiveElection.StartAsync();

        // 1. Key ceremony: everything but the joint key is on the board.
        await election.SetUpAsync();
        await election.WaitForWitnessAsync();
        await AllPagesFitAsync(browser, election, "1-key-ceremony");
        IPage dashboard = await OpenAsync(browser, election.BaseUrl + "/");
        Assert.Equal("key-ceremony", await dashboard.GetAttributeAsync("#stage-list li[aria-current=step]", "data-stage"));
        Assert.Contains("Key ceremony under way", await dashboard.InnerTextAsync("#election-status"), StringComparison.Ordinal);
        Assert.Equal("3 / 2", await dashboard.InnerTextAsync("#card-guardians .value"));
        string cosigners = await dashboard.InnerTextAsync("#cosigners");
        Assert.Contains("witness.red.example", cosigners, StringComparison.Ordinal);
        Assert.Contains("red.example", cosigners, StringComparison.Ordinal);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", cosigners);
        Assert.DoesNotContain("INVALID", cosigners, StringComparison.Ordinal);
        IPage results = await OpenAsync(browser, election.BaseUrl + "/results");
        Assert.Contains("No results yet", await results.InnerTextAsync("#no-results"), StringComparison.Ordinal);
        Assert.Equal("notyet", await results.GetAttributeAsync("#verification-report", "data-phase"));

        // 2. Voting: ballots arrive; a cast ballot's code typed in groups verifies in the browser; a challenged one says so.
        await election.OpenVotingAsync();
        await election.VoteAsync(8, 3);
        await election.WaitForWitnessAsync();
        await AllPagesFitAsync(browser, election, "2-voting");
        string cast = election.Ballots[5].ConfirmationCode.ToHex();
        IPage check = await OpenAsync(browser, election.BaseUrl + "/check", 390, 844);
        await check.GetByLabel("Confirmation code").FillAsync(Grouped(cast));
        await check.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Check" }).ClickAsync();
        string verdict = await VerdictAsync(check);
        string outcome = await check.InnerTextAsync("#outcome");
        await ShotAsync(check, "2-voting-390-check-verified");
        Assert.True(verdict == "verified", outcome);
        Assert.Contains("witness.red.example cosigned", outcome, StringComparison.Ordinal);
        Assert.Contains("board's log key", outcome, StringComparison.Ordinal);
        Assert.True(await OverflowAsync(check) <= 0);

        string challengedCode = election.Ballots[3].ConfirmationCode.ToHex();
        IPage challenged = await OpenAsync(browser, election.BaseUrl + "/check?code=" + challengedCode.ToLowerInvariant());
        Assert.Equal("challenged", await VerdictAsync(challenged));
        Assert.Contains("its opening is not on the board yet", await challenged.InnerTextAsync("#outcome"), StringComparison.Ordinal);
        Assert.Contains("was challenged, not cast", await challenged.InnerTextAsync("#challenged"), StringComparison.Ordinal);

        IPage wrong = await OpenAsync(browser, election.BaseUrl + "/check?code=" + cast[..40]);
        Assert.Equal("failed", await VerdictAsync(wrong));
        Assert.Contains("a confirmation code has 64 characters", await wrong.InnerTextAsync("#outcome"), StringComparison.Ordinal);

        // Incident messages between the parties; one request is left to go overdue.
        await election.ExchangeAsync(TimeSpan.FromSeconds(2));

        // The dashboard follows the board: a new ballot shows without a manual reload.
        IPage live = await OpenAsync(browser, election.BaseUrl + "/");
        Assert.Equal("7", await live.InnerTextAsync("#card-cast .value"));
        await election.VoteAsync(1);
        await Assertions.Expect(live.Locator("#card-cast .value")).ToHaveTextAsync("8", new LocatorAssertionsToHaveTextOptions { Timeout = 15_000 });
        await ShotAsync(live, "2-voting-1280-dashboard-updated");

        // 3. Decryption: results, the board's verification of the record, the proofs, the opening.
        await election.TallyAsync();
        string seed = await election.AuditAsync();
        await election.WaitForWitnessAsync();
        IPage report = await OpenAsync(browser, election.BaseUrl + "/results");
        for (int i = 0; i < 120 && await report.GetAttributeAsync("#verification-report", "data-phase") != "done"; i++)
        {
            await Task.Delay(500);
            await report.ReloadAsync();
        }

        Assert.Equal("done", await report.GetAttributeAsync("#verification-report", "data-phase"));
        string status = await report.InnerTextAsync("#verification-status");
        Assert.Contains("Verified", status, StringComparison.Ordinal);
        string step12 = await report.InnerTextAsync("#record-steps tr[data-step='12']");
        Assert.Contains("nothing to check", step12, StringComparison.Ordinal);
        Assert.Contains("contest_data", step12, StringComparison.Ordinal);
        await AllPagesFitAsync(browser, election, "3-complete");

        DecryptedTally tally = election.Tally!;
        foreach (DecryptedContest contest in tally.Contests)
        {
            IReadOnlyList<string> shown = await report.Locator($"table.tally[data-contest=\"{contest.ContestIndex}\"] td.votes").AllInnerTextsAsync();
            Assert.Equal(contest.Options.Select(o => o.Value.ToString(CultureInfo.InvariantCulture)), shown);
            Contest definition = election.Manifest.Contests[contest.ContestIndex - 1];
            List<PlaintextBallot> holding = [.. election.CastPlaintext.Where(b => b.Selections.ContainsKey(contest.ContestIndex))];
            long undervotes = holding.Sum(b => definition.SelectionLimit - b.Selections[contest.ContestIndex].Sum());
            string section = $"section[data-contest=\"{contest.ContestIndex}\"]";
            Assert.Equal(holding.Count.ToString(CultureInfo.InvariantCulture), (await report.InnerTextAsync($"{section} dd.ballots")).Split(' ')[0]);
            Assert.StartsWith(undervotes.ToString(CultureInfo.InvariantCulture) + " ", await report.InnerTextAsync($"{section} dd.undervotes"), StringComparison.Ordinal);
            Assert.StartsWith("0 ", await report.InnerTextAsync($"{section} dd.overvotes"), StringComparison.Ordinal);
        }

        Assert.Equal(tally.Contests.Count, await report.Locator("svg.chart[role=img]").CountAsync());
        foreach (BallotStyle style in election.Manifest.BallotStyles)
        {
            int count = election.CastPlaintext.Count(b => b.StyleIndex == style.Index);
            Assert.Equal(count.ToString(CultureInfo.InvariantCulture), await report.InnerTextAsync($"#styles tr[data-style=\"{style.Index}\"] td.num"));
        }

        Assert.StartsWith("8 ballots cast", await report.InnerTextAsync("#turnout-sentence"), StringComparison.Ordinal);
        await report.Locator("table.tally[data-contest=\"1\"] td.votes a").Nth(1).ClickAsync();
        await report.WaitForSelectorAsync("#value");
        Assert.EndsWith("/results/proof/1/2", report.Url, StringComparison.Ordinal);
        Assert.Equal(tally.Contests[0].Options[1].Value.ToString(CultureInfo.InvariantCulture), await report.InnerTextAsync("#value"));
        Assert.Contains(tally.Contests[0].Options[1].Challenge.ToHex(), await report.InnerTextAsync("main"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("passed step V9", await report.InnerTextAsync("#check-outcome"), StringComparison.Ordinal);
        await ShotAsync(report, "3-complete-1280-proof");

        IPage opened = await OpenAsync(browser, election.BaseUrl + "/check?code=" + challengedCode, 390, 844);
        Assert.Equal("challenged", await VerdictAsync(opened));
        Assert.Contains("the guardians opened it", await opened.InnerTextAsync("#outcome"), StringComparison.Ordinal);
        int options = election.Manifest.BallotStyles[election.Ballots[3].StyleIndex - 1].ContestIndices.Sum(c => election.Manifest.Contests[c - 1].Options.Count);
        Assert.Equal(options, await opened.Locator("#opening tbody tr").CountAsync());
        await ShotAsync(opened, "3-complete-390-check-challenged");
        Assert.True(await OverflowAsync(opened) <= 0);

        // Incidents: every message checked on the server and again in the browser; statuses; sightings named by what they saw.
        foreach ((int width, int height, string size) in Sizes)
        {
            IPage incidents = await OpenAsync(browser, election.BaseUrl + "/incidents", width, height);
            await incidents.WaitForSelectorAsync("body[data-browser-checked=done]", new PageWaitForSelectorOptions { Timeout = 60_000 });
            await ShotAsync(incidents, $"3-complete-{size}-incidents-checked");
            ILocator messages = incidents.Locator("li[data-exchange-index]");
            Assert.Equal(6, await messages.CountAsync());
            Assert.Equal(6, await incidents.Locator("li[data-server-verdict=verified][data-browser-verdict=verified]").CountAsync());
            Assert.Equal(["answered", "overdue"], await incidents.Locator("#requests [data-status]").AllInnerTextsAsync());
            Assert.True(await incidents.Locator("#requests [data-status=overdue]").IsVisibleAsync());
            Assert.Contains(await messages.AllInnerTextsAsync(), m => m.Contains($"sighting of indicator \u201c{LiveElection.IndicatorName}\u201d, seen 3 times", StringComparison.Ordinal));
            Assert.True(await OverflowAsync(incidents) <= 0, $"incidents at {width} px scrolls sideways");
        }

        IPage overdue = await OpenAsync(browser, election.BaseUrl + "/");
        Assert.Contains(LiveElection.OverdueSubject, await overdue.InnerTextAsync("#overdue"), StringComparison.Ordinal);

        // The audit: the commitment and its reveal on the log, checked against each other; the seed recomputed.
        IPage audit = await OpenAsync(browser, election.BaseUrl + "/audit", 390, 844);
        Assert.Equal("the reveal matches the commitment", await audit.InnerTextAsync("#seed-parties tr[data-party='blue.example'] td[data-label=Check]"));
        Assert.Equal(seed, await audit.InnerTextAsync("#recomputed-seed"));
        Assert.Equal(2, await audit.Locator("#audit-entries li").CountAsync());

        // The deadlines page: every guardian holder's steps, each done (this charter sets no deadline), stacked at 390 px.
        IPage schedule = await OpenAsync(browser, election.BaseUrl + "/schedule", 390, 844);
        Assert.True(await schedule.Locator("#schedule tr[data-step='decryption.response']").CountAsync() >= 1);
        Assert.Equal(0, await schedule.Locator("#schedule tr[data-status='late'], #schedule tr[data-status='not_done'], #schedule tr[data-status='pending']").CountAsync());

        IPage charter = await OpenAsync(browser, election.BaseUrl + "/log/0", 390, 844);
        string signedBy = await charter.InnerTextAsync("#signed-by");
        Assert.Contains("blue.example's charter key and red.example's charter key", signedBy, StringComparison.Ordinal);
        Assert.Contains("signed by every party of the charter", signedBy, StringComparison.Ordinal);

        IPage missing = await browser.NewPageAsync();
        IResponse? notFound = await missing.GotoAsync(election.BaseUrl + "/log/abc");
        Assert.Equal(404, notFound!.Status);
        Assert.Contains("is not a log index", await missing.InnerTextAsync("#not-found"), StringComparison.Ordinal);
        await ShotAsync(missing, "3-complete-1280-not-found");
    }
}

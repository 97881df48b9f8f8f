using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Rolls.Results;
using Entente.Server.Log;
using Entente.Server.Tests.Browser;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Rolls;

/// <summary>
/// Unofficial results end to end (docs/results.md): the authority posts units and a correction with `entente results
/// post`; `entente results verify` and the results page (the embeddable script, in Chromium, also embedded on another
/// origin) verify the signed feed; forged feeds — numbers altered, entries signed with another key, an entry that is not
/// on the log — are refused and nothing of them is shown.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ResultsEndToEndTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [SkippableFact]
    public async Task Posted_results_verify_in_the_browser_and_the_cli_and_forged_feeds_are_refused()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using RollBoard board = await RollBoard.StartAsync();
        string url = board.Address.AbsoluteUri;
        (int code, string output, string error) = await RollBoard.CliAsync("roll", "init", "--dir", board.RollDir, "--jurisdiction", "county-12", "--precincts", "P-01,P-02,P-03", "--board", url, "--key", board.KeyFile);
        Assert.True(code == 0, error);
        string p1 = await Write(board, "p1.csv", "contest,option,votes\nmayor,alice,60\nmayor,bob,40\nmeasure-a,yes,70\nmeasure-a,no,30\n");
        string p2 = await Write(board, "p2.csv", "contest,option,votes\nmayor,alice,10\nmayor,bob,25\n");
        string p1Fixed = await Write(board, "p1-fixed.csv", "contest,option,votes\nmayor,alice,61\nmayor,bob,40\nmeasure-a,yes,70\nmeasure-a,no,30\n");
        Assert.Equal(0, (await Post(board, "P-01", "100", p1)).Code);
        Assert.Equal(0, (await Post(board, "P-02", "35", p2)).Code);
        (code, _, error) = await Post(board, "P-01", "101", p1Fixed);
        Assert.Equal(2, code);
        Assert.Contains("--correct", error, StringComparison.Ordinal);
        (code, output, error) = await Post(board, "P-01", "101", p1Fixed, "--correct");
        Assert.True(code == 0, error);
        Assert.Contains("correcting county-12:P-01:1", output, StringComparison.Ordinal);
        (code, _, error) = await Post(board, "P-09", "1", p2);
        Assert.Equal(1, code); // the board refuses a unit that is not a precinct of the roll (422)
        Assert.Contains("P-09", error, StringComparison.Ordinal);
        await WaitForWitnessAsync(board);

        string authorityKey = board.Registrar.VerifierKey;
        (code, output, error) = await RollBoard.CliAsync("results", "verify", "--board", url, "--jurisdiction", "county-12", "--policy", board.PolicyFile, "--authority-key", authorityKey);
        Assert.True(code == 0, error + output);
        Assert.Contains("Verified: 2 reporting unit(s)", output, StringComparison.Ordinal);
        Assert.Contains("P-01 v2: 101 ballots; mayor alice 61, bob 40", output, StringComparison.Ordinal);
        (code, output, _) = await RollBoard.CliAsync("results", "verify", "--board", url, "--jurisdiction", "county-12", "--policy", board.PolicyFile, "--authority-key", board.Blue.VerifierKey);
        Assert.Equal(1, code);
        Assert.Contains("no valid signature by the authority's key blue.example", output, StringComparison.Ordinal);
        (code, output, _) = await RollBoard.CliAsync("results", "list", "--board", url, "--jurisdiction", "county-12");
        Assert.Equal(0, code);
        Assert.Equal(3, output.Trim().Split('\n').Length);

        // The board's own page, verified in the browser, with the reporting progress.
        IPage page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(board.Address, "unofficial").AbsoluteUri);
        ILocator results = page.Locator("#results-county-12");
        await page.WaitForSelectorAsync("#results-county-12[data-verdict]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(await results.GetAttributeAsync("data-verdict") == "verified", await results.InnerTextAsync());
        Assert.Contains("2 of 3 reporting units", await page.InnerTextAsync(".progress"), StringComparison.Ordinal);
        Assert.Equal(["mayor", "alice", "61"], await results.Locator("table[data-unit='P-01'] tbody tr").First.Locator("td").AllInnerTextsAsync());

        // Embedded on another origin (a broadcaster's page, served by another server): fetched across origins and verified.
        string policyAttribute = System.Net.WebUtility.HtmlEncode(await File.ReadAllTextAsync(board.PolicyFile));
        string html = $"""<!DOCTYPE html><html><body><div id="r"></div><script src="{url}results-embed.js" data-board="{url}" data-jurisdiction="county-12" data-authority-key="{authorityKey}" data-policy="{policyAttribute}" data-target="r"></script></body></html>""";
        Microsoft.AspNetCore.Builder.WebApplicationBuilder newsBuilder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        Microsoft.AspNetCore.Hosting.HostingAbstractionsWebHostBuilderExtensions.UseUrls(newsBuilder.WebHost, "http://127.0.0.1:0");
        await using Microsoft.AspNetCore.Builder.WebApplication news = newsBuilder.Build();
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(news, "/news", () => Microsoft.AspNetCore.Http.Results.Content(html, "text/html"));
        await news.StartAsync();
        string newsUrl = news.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First() + "/news";
        IPage embedded = await browser.NewPageAsync();
        List<string> console = [];
        embedded.Console += (_, m) => console.Add(m.Text);
        await embedded.GotoAsync(newsUrl);
        await embedded.WaitForFunctionAsync("document.getElementById('r').dataset.verdict !== undefined", null, new PageWaitForFunctionOptions { Timeout = 30_000 }).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(await embedded.GetAttributeAsync("#r", "data-verdict") == "verified", await embedded.InnerTextAsync("#r") + " | console: " + string.Join(" | ", console));
        await news.StopAsync();

        // Forged feeds, served in place of the board's: refused, nothing shown.
        using HttpClient http = new() { BaseAddress = board.Address };
        string genuine = await http.GetStringAsync("api/results/county-12");
        Assert.Contains("county-12 2 of 3 units reporting", await http.GetStringAsync(""), StringComparison.Ordinal); // the dashboard's reporting progress
        using Ed25519NoteSigner impostor = Ed25519NoteSigner.Generate("registrar.example");
        Assert.Contains("does not commit", await ForgedAsync(browser, board, Forge(genuine, unit =>
        {
            unit["artifact"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Convert.FromBase64String((string)unit["artifact"]!)).Replace("\"votes\":61", "\"votes\":16", StringComparison.Ordinal)));
        })), StringComparison.Ordinal);
        Assert.Contains("not signed by the authority's key", await ForgedAsync(browser, board, Forge(genuine, unit =>
        {
            (LogEntry entry, _) = LogEntry.Parse(Convert.FromBase64String((string)unit["entry"]!));
            unit["entry"] = Convert.ToBase64String(entry.Sign(impostor));
        })), StringComparison.Ordinal);
        Assert.Contains("not in the witnessed log", await ForgedAsync(browser, board, Forge(genuine, unit =>
        {
            byte[] fake = new UnitResults("county-12", "P-03", 1, 50, [new ContestCount("mayor", [new OptionCount("alice", 50)])], null, DateTimeOffset.UnixEpoch).Write();
            unit["artifact"] = Convert.ToBase64String(fake);
            unit["entry"] = Convert.ToBase64String(new LogEntry(UnitResults.Type, Hash256.Compute(fake), board.Registrar.Name).Sign(board.Registrar));
        })), StringComparison.Ordinal);
        string forgedFile = await Write(board, "forged.json", Forge(genuine, unit => unit["index"] = 0));
        (code, output, _) = await RollBoard.CliAsync("results", "verify", "--board", url, "--jurisdiction", "county-12", "--policy", board.PolicyFile, "--authority-key", authorityKey, "--feed", forgedFile);
        Assert.Equal(1, code);
        Assert.Contains("not in the log", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> Post(RollBoard board, string unit, string ballots, string csv, params string[] more) =>
        RollBoard.CliAsync([.. new[] { "results", "post", "--board", board.Address.AbsoluteUri, "--key", board.KeyFile, "--jurisdiction", "county-12", "--unit", unit, "--ballots", ballots, "--csv", csv }, .. more]);

    /// <summary>The feed with its first unit altered by <paramref name="alter"/>.</summary>
    private static string Forge(string feed, Action<JsonObject> alter)
    {
        JsonObject root = JsonNode.Parse(feed)!.AsObject();
        alter(root["units"]!.AsArray()[0]!.AsObject());
        return root.ToJsonString();
    }

    private static async Task<string> ForgedAsync(IBrowser browser, RollBoard board, string feed)
    {
        IPage page = await browser.NewPageAsync();
        await page.RouteAsync("**/api/results/county-12", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = feed }));
        await page.GotoAsync(new Uri(board.Address, "unofficial").AbsoluteUri);
        await page.WaitForSelectorAsync("#results-county-12[data-verdict]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Equal("refused", await page.GetAttributeAsync("#results-county-12", "data-verdict"));
        Assert.Equal(0, await page.Locator("#results-county-12 table").CountAsync());
        return await page.InnerTextAsync("#results-county-12");
    }

    private static async Task WaitForWitnessAsync(RollBoard board)
    {
        LogService log = board.Services.GetRequiredService<LogService>();
        for (int i = 0; i < 300 && (await log.PublishedCheckpointAsync(CancellationToken.None)).Size < log.Sequencer.Head.Size; i++)
        {
            await Task.Delay(100);
        }
    }

    private static async Task<string> Write(RollBoard board, string name, string text)
    {
        string file = Path.Combine(board.Dir, name);
        await File.WriteAllTextAsync(file, text);
        return file;
    }
}

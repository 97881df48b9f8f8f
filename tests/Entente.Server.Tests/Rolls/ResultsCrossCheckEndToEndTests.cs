using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Rolls;
using Entente.Server.Log;
using Entente.Server.Tests.Browser;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Rolls;

/// <summary>
/// The cross-checks of issue #21 end to end on a real board (docs/results.md, docs/audit.md): a small roll and its
/// snapshot; a voter's check costs one inclusion proof (counted in the browser and at the board); results posted where
/// one unit counted more ballots than the snapshot registers are caught by `entente results check` (and its --json) and
/// flagged on the results page in Chromium, which shows each unit's turnout; `entente audit init --board` refuses
/// results that are not the published ones and takes the published ones, and `audit verify --board` agrees.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ResultsCrossCheckEndToEndTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [SkippableFact]
    public async Task Turnout_above_the_snapshot_is_caught_the_page_shows_turnout_and_the_audit_takes_only_the_published_results()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using RollBoard board = await RollBoard.StartAsync();
        string url = board.Address.AbsoluteUri;
        (int code, string output, string error) = await RollBoard.CliAsync("roll", "init", "--dir", board.RollDir, "--jurisdiction", "county-12", "--precincts", "P-01,P-02", "--board", url, "--key", board.KeyFile);
        Assert.True(code == 0, error);
        StringBuilder adds = new("op,voter_id,precinct,name,birth_date,address\n");
        for (int i = 1; i <= 5; i++)
        {
            adds.Append(CultureInfo.InvariantCulture, $"add,V{i:D6},{(i <= 3 ? "P-01" : "P-02")},Voter {i},1970-01-1{i},{i} Main Street\n");
        }

        (code, _, error) = await RollBoard.CliAsync("roll", "change", "--dir", board.RollDir, "--csv", await Write(board, "adds.csv", adds.ToString()), "--key", board.KeyFile);
        Assert.True(code == 0, error);
        (code, _, error) = await RollBoard.CliAsync("roll", "snapshot", "--dir", board.RollDir, "--key", board.KeyFile);
        Assert.True(code == 0, error);
        await WaitForWitnessAsync(board);

        // A voter's check costs one inclusion proof: in the browser, one request for the check document (which carries
        // one proof) and none for proofs or tiles; with the CLI, the same at the board.
        RegisteredVoter voter = RollRegistry.Open(board.RollDir).Data.Voters["V000001"];
        List<string> asked = [];
        IPage checkPage = await OpenCheckWithRequestsAsync(browser, board, voter, asked);
        Assert.Equal("registered", await checkPage.Locator("#outcome").GetAttributeAsync("data-verdict"));
        Assert.Single(asked, p => p.StartsWith("/api/roll-check/", StringComparison.Ordinal));
        Assert.DoesNotContain(asked, p => p.Contains("/proof/", StringComparison.Ordinal) || p.Contains("/tile/", StringComparison.Ordinal));
        board.Requests.Clear();
        (code, output, error) = await RollEndToEndTests.CliCheckAsync(board, voter.ToRecord(), voter.Salt);
        Assert.True(code == 0, error + output);
        string[] cliAsked = [.. board.Requests];
        Assert.Single(cliAsked, p => p.StartsWith("/api/roll-check/", StringComparison.Ordinal));
        Assert.DoesNotContain(cliAsked, p => p.Contains("/proof/", StringComparison.Ordinal) || p.Contains("/tile/", StringComparison.Ordinal));
        using (HttpClient http = new() { BaseAddress = board.Address })
        using (JsonDocument document = JsonDocument.Parse(await http.GetStringAsync(cliAsked.First(p => p.StartsWith("/api/roll-check/", StringComparison.Ordinal)).TrimStart('/'))))
        {
            Assert.Single(document.RootElement.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Array && p.Name.Contains("proof", StringComparison.OrdinalIgnoreCase));
        }

        // Results: P-01 counted 3 of its 3 voters, P-02 counted 5 where the snapshot registers 2.
        Assert.Equal(0, (await Post(board, "P-01", "3", await Write(board, "p1.csv", "contest,option,votes\nmayor,alice,2\nmayor,bob,1\n"))).Code);
        Assert.Equal(0, (await Post(board, "P-02", "5", await Write(board, "p2.csv", "contest,option,votes\nmayor,alice,4\nmayor,bob,1\n"))).Code);
        (code, output, _) = await RollBoard.CliAsync("results", "check", "--board", url);
        Assert.Equal(1, code);
        Assert.Matches(@"unit P-02 of county-12 counted 5 ballots \(results county-12:P-02:1, entry \d+\) but the roll snapshot county-12:1 \(entry \d+\) registers 2 voters there", output);
        Assert.Contains("county-12 P-01: 3 / 3 (100.0 %)", output, StringComparison.Ordinal);
        (code, output, _) = await RollBoard.CliAsync("results", "check", "--board", url, "--json");
        Assert.Equal(1, code);
        using (JsonDocument json = JsonDocument.Parse(output))
        {
            Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
            JsonElement[] turnout = [.. json.RootElement.GetProperty("turnout").EnumerateArray()];
            Assert.Equal(["P-01", "P-02"], turnout.Select(t => t.GetProperty("unit").GetString()));
            Assert.Equal(250.0m, turnout[1].GetProperty("percent").GetDecimal());
            Assert.True(turnout[1].GetProperty("exceeds").GetBoolean());
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("tallyEntry").ValueKind);
        }

        // The results page shows each unit's turnout and flags P-02.
        IPage page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(board.Address, "unofficial").AbsoluteUri);
        ILocator rows = page.Locator("#turnout-county-12 tbody tr");
        Assert.Equal(2, await rows.CountAsync());
        Assert.Equal("100.0 %", await page.InnerTextAsync("#turnout-county-12 tr[data-unit='P-01'] td[data-label='Turnout']"));
        Assert.Equal("250.0 %", await page.InnerTextAsync("#turnout-county-12 tr[data-unit='P-02'] td[data-label='Turnout']"));
        Assert.Equal("flagged", await page.GetAttributeAsync("#turnout-county-12 tr[data-unit='P-02']", "class"));
        Assert.Null(await page.GetAttributeAsync("#turnout-county-12 tr[data-unit='P-01']", "class"));
        Assert.Contains("unit P-02 of county-12 counted 5 ballots", await page.InnerTextAsync("#failed-checks"), StringComparison.Ordinal);

        // The audit takes only the published results: alice 6, bob 2 over 8 ballots.
        string manifest = await Write(board, "manifest.csv", "Tabulator,Batch,Ballots\nT1,B1,8\n");
        string wrong = await Write(board, "wrong.csv", "Contest,Choice,Votes,Ballots\nmayor,alice,7,8\nmayor,bob,1,8\n");
        string published = await Write(board, "published.csv", "Contest,Choice,Votes,Ballots\nMayor,Alice,6,8\nMayor,Bob,2,8\n");
        (code, _, error) = await AuditInit(board, "a-wrong", manifest, wrong);
        Assert.Equal(1, code);
        Assert.Contains("contest mayor, choice alice: 7 in the audit's results, 6 in the published results", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(board.Dir, "a-wrong")));
        (code, output, error) = await AuditInit(board, "a-ok", manifest, published);
        Assert.True(code == 0, error + output);
        (code, output, error) = await RollBoard.CliAsync("audit", "verify", "--board", url, "--audit-id", "rla-a-ok");
        Assert.True(code == 0, error + output);
        Assert.Contains("ok      inputs", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> AuditInit(RollBoard board, string name, string manifest, string results)
    {
        DateTimeOffset t = DateTimeOffset.UtcNow;
        return RollBoard.CliAsync("audit", "init", "--dir", Path.Combine(board.Dir, name), "--method", "bravo", "--risk-limit", "0.1", "--manifest", manifest, "--results", results,
            "--parties", "blue.example", "--commit-by", t.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", t.AddHours(2).ToString("O", CultureInfo.InvariantCulture),
            "--audit-id", "rla-" + name, "--board", board.Address.AbsoluteUri, "--key", board.BlueKeyFile);
    }

    private static async Task<IPage> OpenCheckWithRequestsAsync(IBrowser browser, RollBoard board, RegisteredVoter voter, List<string> asked)
    {
        // The check page's own load is not part of the check: requests are counted from the click on.
        IPage page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(board.Address, "roll").AbsoluteUri);
        VoterRecord record = voter.ToRecord();
        await page.GetByLabel("Jurisdiction").FillAsync(record.Jurisdiction);
        await page.GetByLabel("Voter id").FillAsync(record.VoterId);
        await page.GetByLabel("Precinct").FillAsync(record.Precinct);
        await page.GetByLabel("Name").FillAsync(record.Name);
        await page.GetByLabel("Date of birth (YYYY-MM-DD)").FillAsync(record.BirthDate);
        await page.GetByLabel("Address").FillAsync(record.Address);
        await page.GetByLabel("Salt").FillAsync(RollCommitments.FormatSalt(Convert.FromHexString(voter.Salt)));
        page.Request += (_, r) => asked.Add(new Uri(r.Url).AbsolutePath);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Check" }).ClickAsync();
        await page.WaitForSelectorAsync("#outcome[data-verdict]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        return page;
    }

    private static Task<(int Code, string Output, string Error)> Post(RollBoard board, string unit, string ballots, string csv) =>
        RollBoard.CliAsync("results", "post", "--board", board.Address.AbsoluteUri, "--key", board.KeyFile, "--jurisdiction", "county-12", "--unit", unit, "--ballots", ballots, "--csv", csv);

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

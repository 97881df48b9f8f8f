using System.Globalization;
using System.Text;
using Entente.Rolls;
using Entente.Server.Board;
using Entente.Server.Log;
using Entente.Server.Tests.Browser;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Rolls;

/// <summary>
/// A voter roll end to end (docs/rolls.md): an authority opens a roll and imports a few thousand synthetic voters with
/// `entente roll change`, then updates and removals; a messy file is refused with row and column before anything is
/// posted; the snapshot is posted; and voters check their registration in Chromium (the browser recomputes the
/// commitment and verifies the one inclusion proof) and with `entente roll check`: a registered voter is verified, a
/// logged removal is shown with its history, a record the authority changed without a log entry is caught, and a
/// logged change is shown as such.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RollEndToEndTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const int Voters = 2000;

    [SkippableFact]
    public async Task Voters_check_their_registration_in_the_browser_and_the_cli_against_the_witnessed_roll()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using RollBoard board = await RollBoard.StartAsync();
        string[] precincts = [.. Enumerable.Range(1, 8).Select(i => $"P-{i:D2}")];
        (int code, _, string error) = await RollBoard.CliAsync("roll", "init", "--dir", board.RollDir, "--jurisdiction", "county-12", "--precincts", string.Join(',', precincts),
            "--board", board.Address.AbsoluteUri, "--key", board.KeyFile);
        Assert.True(code == 0, error);

        StringBuilder adds = new("op,voter_id,precinct,name,birth_date,address\n");
        for (int i = 1; i <= Voters; i++)
        {
            string name = i == 1 ? "José Álvarez" : $"Voter {i}";
            adds.Append(CultureInfo.InvariantCulture, $"add,V{i:D6},{precincts[i % 8]},{name},19{50 + (i % 50)}-0{1 + (i % 9)}-1{i % 10},{i} Main Street\n");
        }

        string notices = Path.Combine(board.Dir, "notices.csv");
        (code, string output, error) = await RollBoard.CliAsync("roll", "change", "--dir", board.RollDir, "--csv", await Write(board, "adds.csv", adds), "--key", board.KeyFile, "--notices", notices);
        Assert.True(code == 0, error);
        Assert.Contains($"{Voters} added", output, StringComparison.Ordinal);
        Assert.Equal(Voters + 1, File.ReadAllLines(notices).Length);

        // A messy file: refused with its row and column; nothing of it is posted.
        (code, _, error) = await RollBoard.CliAsync("roll", "change", "--dir", board.RollDir, "--csv",
            await Write(board, "messy.csv", new StringBuilder("op,voter_id,reason,address\nupdate,V000010,address-change,1 New Rd\nupdate,V000011,adress-change,2 New Rd\n")), "--key", board.KeyFile);
        Assert.Equal(2, code);
        Assert.Contains("row 3", error, StringComparison.Ordinal);
        Assert.Contains("reason", error, StringComparison.Ordinal);

        // Logged changes: an update of voter 2 and removals of voters 3..22.
        StringBuilder changes = new("op,voter_id,precinct,address,reason\nupdate,V000002,P-05,77 Elm Street,address-change\n");
        for (int i = 3; i <= 22; i++)
        {
            changes.Append(CultureInfo.InvariantCulture, $"remove,V{i:D6},,,moved-out\n");
        }

        (code, output, error) = await RollBoard.CliAsync("roll", "change", "--dir", board.RollDir, "--csv", await Write(board, "changes.csv", changes), "--key", board.KeyFile);
        Assert.True(code == 0, error);
        Assert.Contains("1 updated, 20 removed", output, StringComparison.Ordinal);

        // Blue's monitor: the burst of 20 removals within minutes breaks the rule of at most 10 an hour; the alert is filed
        // on the exchange as a signed incident (the entries as evidence, a request for assistance to the authority).
        string rules = await Write(board, "rules.json", new StringBuilder("""[{"name":"bulk-removals","jurisdiction":"county-12","op":"remove","max_count":10,"window_minutes":60},{"name":"quiet","op":"update","max_count":5}]"""));
        await WaitForWitnessAsync(board);
        (code, output, error) = await RollBoard.CliAsync("roll", "alerts", "--board", board.Address.AbsoluteUri, "--rules", rules, "--server", board.Address.AbsoluteUri,
            "--party-key", board.BlueKeyFile, "--policy", board.PolicyFile, "--json");
        Assert.True(code == 1, error + output);
        using (System.Text.Json.JsonDocument alerts = System.Text.Json.JsonDocument.Parse(output))
        {
            System.Text.Json.JsonElement alert = Assert.Single(alerts.RootElement.GetProperty("alerts").EnumerateArray());
            Assert.Equal("bulk-removals", alert.GetProperty("rule").GetString());
            Assert.Equal(20, alert.GetProperty("entries").GetArrayLength());
            Assert.StartsWith("entente-assistance-request--", Assert.Single(alerts.RootElement.GetProperty("incidents").EnumerateArray()).GetString(), StringComparison.Ordinal);
        }

        (code, output, error) = await RollBoard.CliAsync("roll", "snapshot", "--dir", board.RollDir, "--key", board.KeyFile, "--json");
        Assert.True(code == 0, error);
        Assert.Contains($"\"size\":{Voters - 20}", output, StringComparison.Ordinal);
        BoardService service = board.Services.GetRequiredService<BoardService>();
        Assert.Single(await service.ReadStateAsync(s => s.Rolls.Rolls["county-12"].Snapshots, CancellationToken.None));
        Assert.Empty(service.Status().Problems);
        await WaitForWitnessAsync(board);

        RollRegistry registry = RollRegistry.Open(board.RollDir);
        RegisteredVoter jose = registry.Data.Voters["V000001"];
        Assert.Equal("verified-registered", await CheckInBrowserAsync(browser, board, jose.ToRecord(), jose.Salt, "registered"));

        IPage removed = await OpenCheckAsync(browser, board, registry.Data.Voters["V000003"].ToRecord(), registry.Data.Voters["V000003"].Salt);
        Assert.Equal("removed", await removed.Locator("#outcome").GetAttributeAsync("data-verdict"));
        Assert.Contains("moved-out", await removed.InnerTextAsync("#outcome"), StringComparison.Ordinal);
        Assert.Equal(["add", "remove"], await removed.Locator("#history tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.op)"));
        Assert.Contains("inclusion proof", await removed.InnerTextAsync("#outcome"), StringComparison.Ordinal);

        // The authority changed voter 4's record in its database without a log entry: what it now shows the voter is caught.
        RegisteredVoter silent = registry.Data.Voters["V000030"];
        VoterRecord altered = silent.ToRecord().With(address: "1 Elsewhere Road");
        IPage caught = await OpenCheckAsync(browser, board, altered, silent.Salt);
        Assert.Equal("mismatch", await caught.Locator("#outcome").GetAttributeAsync("data-verdict"));
        Assert.Contains("without a log entry", await caught.InnerTextAsync("#outcome"), StringComparison.Ordinal);

        // Voter 2 holds the details of its notice; the logged update is shown as a change, with its reason.
        RegisteredVoter updated = registry.Data.Voters["V000002"];
        VoterRecord before = updated.ToRecord().With(precinct: precincts[2], address: "2 Main Street");
        IPage changed = await OpenCheckAsync(browser, board, before, updated.Salt);
        Assert.Equal("changed", await changed.Locator("#outcome").GetAttributeAsync("data-verdict"));
        Assert.Equal(["match", "differ"], await changed.Locator("#history tbody td[data-label='Your details']").AllInnerTextsAsync());

        // The CLI check: exit 0 for a registered voter, 1 for a removed one; both print the history.
        (code, output, error) = await CliCheckAsync(board, jose.ToRecord(), jose.Salt);
        Assert.True(code == 0, error + output);
        Assert.Contains("Registered", output, StringComparison.Ordinal);
        (code, output, _) = await CliCheckAsync(board, registry.Data.Voters["V000003"].ToRecord(), registry.Data.Voters["V000003"].Salt);
        Assert.Equal(1, code);
        Assert.Contains("v2 remove", output, StringComparison.Ordinal);
    }

    internal static Task<(int, string, string)> CliCheckAsync(RollBoard board, VoterRecord r, string salt) =>
        RollBoard.CliAsync("roll", "check", "--board", board.Address.AbsoluteUri, "--policy", board.PolicyFile, "--jurisdiction", r.Jurisdiction, "--voter-id", r.VoterId,
            "--precinct", r.Precinct, "--name", r.Name, "--birth-date", r.BirthDate, "--address", r.Address, "--salt", salt);

    private static async Task<string> CheckInBrowserAsync(IBrowser browser, RollBoard board, VoterRecord record, string salt, string expected)
    {
        IPage page = await OpenCheckAsync(browser, board, record, salt);
        string verdict = (await page.Locator("#outcome").GetAttributeAsync("data-verdict"))!;
        Assert.True(verdict == expected, await page.InnerTextAsync("#outcome"));
        return "verified-" + verdict;
    }

    internal static async Task<IPage> OpenCheckAsync(IBrowser browser, RollBoard board, VoterRecord record, string salt)
    {
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync(new Uri(board.Address, "roll").AbsoluteUri);
        await page.GetByLabel("Jurisdiction").FillAsync(record.Jurisdiction);
        await page.GetByLabel("Voter id").FillAsync(record.VoterId.ToLowerInvariant());
        await page.GetByLabel("Precinct").FillAsync(record.Precinct);
        await page.GetByLabel("Name").FillAsync(record.Name.ToLowerInvariant() + "  ");
        await page.GetByLabel("Date of birth (YYYY-MM-DD)").FillAsync(record.BirthDate);
        await page.GetByLabel("Address").FillAsync(record.Address);
        await page.GetByLabel("Salt").FillAsync(RollCommitments.FormatSalt(Convert.FromHexString(salt)));
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Check" }).ClickAsync();
        await page.WaitForSelectorAsync("#outcome[data-verdict]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        return page;
    }

    private static async Task WaitForWitnessAsync(RollBoard board)
    {
        LogService log = board.Services.GetRequiredService<LogService>();
        for (int i = 0; i < 300; i++)
        {
            if ((await log.PublishedCheckpointAsync(CancellationToken.None)).Size >= log.Sequencer.Head.Size)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the witness did not cosign the head within 30 s");
    }

    private static async Task<string> Write(RollBoard board, string name, StringBuilder text)
    {
        string file = Path.Combine(board.Dir, name);
        await File.WriteAllTextAsync(file, text.ToString());
        return file;
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Server.Tests.Rolls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// The audit boards' screen in Chromium (#18, "A screen for audit boards"): a ballot-comparison audit of the Dominion CVR
/// export (tests/vectors/rla-vendor/dominion) made on a live board with the CLI, two audit boards registered with
/// <c>entente audit board add</c>, each opening its own link (one at 768 px, one at 390 px), recording readings with
/// "not found" and "not on this ballot", signed in the browser; Board 1's link revoked midway (its next post refused,
/// naming the revocation's log entry); Board 2 signing off its share with both members' names, its screen showing the round
/// still waiting for Board 1; an auditor signing off Board 1's share with the CLI (the revoked link cannot), which closes
/// the round; then <c>audit verify --board</c> naming both sign-offs.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AuditBoardScreenBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [SkippableFact]
    public async Task Two_audit_boards_record_a_comparison_audit_of_Dominion_cvrs_through_their_own_links_and_the_board_verifies_it()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        await using WebApplication server = await board.StartLogAsync();
        string url = TestBoard.Address(server);
        using (BoardClient blue = new(new Uri(url), board.Blue))
        using (HttpResponseMessage charter = await blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json")), "charter", cosigners: [board.Red]))
        {
            Assert.Equal(HttpStatusCode.Created, charter.StatusCode);
        }

        string F(string name) => Path.Combine(board.Dir, name);
        await File.WriteAllTextAsync(F("blue.key"), board.Blue.ExportSkey());
        await File.WriteAllTextAsync(F("red.key"), board.Red.ExportSkey());
        await File.WriteAllTextAsync(F("results.csv"), "Contest,Choice,Votes,Ballots,Winners,VotesAllowed\nContest 1,Choice 1-1,7,15,1,1\nContest 1,Choice 1-2,3,15,1,1\n");
        string vectors = Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor", "dominion");
        string dir = F("audit");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        await Cli("audit", "init", "--dir", dir, "--method", "comparison", "--risk-limit", "0.1", "--manifest", Path.Combine(vectors, "manifest.csv"), "--results", F("results.csv"),
            "--cvr-format", "dominion", "--cvrs", Path.Combine(vectors, "dominion-cvrs.csv"), "--parties", "blue.example,red.example",
            "--commit-by", now.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", now.AddHours(2).ToString("O", CultureInfo.InvariantCulture),
            "--board", url, "--key", F("blue.key"));
        string auditId = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "audit.json"))).RootElement.GetProperty("auditId").GetString()!;
        foreach (string step in new[] { "commit", "reveal" })
        {
            foreach (string party in new[] { "blue", "red" })
            {
                await Cli("audit", "seed", step, "--dir", dir, "--secret-file", F(party + ".secret"), "--board", url, "--key", F(party + ".key"));
            }
        }

        await Cli("audit", "sample", "--dir", dir, "--size", "8", "--board", url, "--key", F("red.key"));
        string link1 = Link(await Cli("audit", "board", "add", "--dir", dir, "--name", "Board 1", "--members", "Ada Blue,Rui Red", "--board", url, "--key", F("blue.key")));
        string link2 = Link(await Cli("audit", "board", "add", "--dir", dir, "--name", "Board 2", "--members", "Lee Green,Sam Gold", "--board", url, "--key", F("red.key")));
        Assert.StartsWith(url + "audit-board/" + Uri.EscapeDataString(auditId) + "/Board%201#k=", link1, StringComparison.Ordinal);

        IPage tablet = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 768, Height = 1024 } });
        IPage phone = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        List<string> requested = [];
        tablet.Request += (_, r) => requested.Add(r.Url);
        phone.Request += (_, r) => requested.Add(r.Url);
        await OpenAsync(tablet, link1, "Board 1");
        await OpenAsync(phone, link2, "Board 2");
        Assert.DoesNotContain(requested, r => r.Contains("#k=", StringComparison.Ordinal) || r.Contains(link1[(link1.IndexOf('#', StringComparison.Ordinal) + 3)..], StringComparison.Ordinal));
        Assert.DoesNotContain("#k=", tablet.Url, StringComparison.Ordinal); // the key left the address bar

        ILocator toRead = tablet.Locator("li.ballot[data-state=to-read]");
        int ballots = await tablet.Locator("li.ballot").CountAsync();
        Assert.True(ballots >= 3, $"round 1 holds {ballots} distinct ballot(s); the test needs 3");

        // Board 1 (tablet): the first ballot is not found; the second does not have the contest.
        B first = await KeyOf(toRead.First);
        await tablet.Locator(Ballot(first)).Locator("button.not-found").ClickAsync();
        await tablet.Locator(Ballot(first) + "[data-state=read]").WaitForAsync();
        B second = await KeyOf(toRead.First);
        await tablet.Locator(Ballot(second)).Locator("input[name=not-on-ballot]").CheckAsync();
        await tablet.Locator(Ballot(second)).Locator("button.record").ClickAsync();
        await tablet.Locator(Ballot(second) + "[data-state=read]").WaitForAsync();
        Assert.EndsWith("Contest 1: not on the ballot", await tablet.Locator(Ballot(second) + " .reading").InnerTextAsync(), StringComparison.Ordinal);
        await tablet.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.Screenshot("audit-board-768"), FullPage = true });

        // A reading that names no choice, blank or absence is not sent.
        B third = await KeyOf(toRead.First);
        await tablet.Locator(Ballot(third)).Locator("button.record").ClickAsync();
        Assert.Contains("record either the choices marked, or blank, or not on this ballot", await tablet.Locator(Ballot(third) + " .outcome").InnerTextAsync(), StringComparison.Ordinal);

        // Board 1's link is revoked: its next post is refused, naming the revocation's log entry.
        (int revokeCode, string revokeOut, _) = await RollBoard.CliAsync("audit", "board", "revoke", "--dir", dir, "--name", "Board 1", "--board", url, "--key", F("blue.key"));
        Assert.True(revokeCode == 0, revokeOut);
        long revokedAt = await IndexAsync(url, "audit-boards", auditId + ":Board 1:revoked");
        await tablet.Locator(Ballot(third)).Locator("input[name=choice][value='Choice 1-1']").CheckAsync();
        await tablet.Locator(Ballot(third)).Locator("button.record").ClickAsync();
        ILocator refusal = tablet.Locator(Ballot(third) + " .outcome .bad");
        await refusal.WaitForAsync();
        Assert.Contains($"403 Audit board key revoked", await refusal.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains($"revoked at log entry {revokedAt}", await refusal.InnerTextAsync(), StringComparison.Ordinal);
        await tablet.ReloadAsync();
        Assert.Contains($"log entry {revokedAt}", await tablet.Locator("#revoked").InnerTextAsync(), StringComparison.Ordinal);

        // Board 2 (phone) records the rest: Choice 1-1, except one blank ballot, then both members sign off.
        await phone.ReloadAsync();
        bool blank = true;
        B? blankBallot = null;
        while (await phone.Locator("li.ballot[data-state=to-read]").CountAsync() > 0)
        {
            B next = await KeyOf(phone.Locator("li.ballot[data-state=to-read]").First);
            await phone.Locator(Ballot(next)).Locator(blank ? "input[name=blank]" : "input[name=choice][value='Choice 1-1']").CheckAsync();
            blankBallot ??= next;
            blank = false;
            await phone.Locator(Ballot(next)).Locator("button.record").ClickAsync();
            await phone.Locator(Ballot(next) + "[data-state=read]").WaitForAsync();
        }

        // A correction before sign-off: the blank ballot was marked for Choice 1-2 after all.
        ILocator fix = phone.Locator(Ballot(blankBallot!.Value));
        await fix.Locator("details.correct summary").ClickAsync();
        await fix.Locator("details.correct input[name=choice][value='Choice 1-2']").CheckAsync();
        await fix.Locator("details.correct button.record").ClickAsync();
        await phone.Locator(Ballot(blankBallot.Value) + " .reading", new PageLocatorOptions { HasText = "Contest 1: Choice 1-2" }).WaitForAsync();
        Assert.True(await phone.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, "the audit board's page scrolls sideways at 390 px");
        await phone.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.Screenshot("audit-board-390"), FullPage = true });
        await phone.Locator("#sign-off input[value='Lee Green']").CheckAsync();
        await phone.Locator("#sign-off button").ClickAsync();
        Assert.Contains("Both members confirm", await phone.Locator("#sign-off .outcome").InnerTextAsync(), StringComparison.Ordinal);
        await phone.Locator("#sign-off input[value='Sam Gold']").CheckAsync();
        await phone.Locator("#sign-off button").ClickAsync();

        // Board 2 signed off its share; the round waits for the sign-off of Board 1, which read two ballots.
        await phone.Locator("#my-sign-off").WaitForAsync();
        Assert.Contains("You signed off your share of round 1 (Lee Green and Sam Gold)", await phone.Locator("#my-sign-off").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("waiting for the sign-off of Board 1", await phone.Locator("#waiting").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await phone.Locator("#signed-off").CountAsync());
        Assert.Equal(0, await phone.Locator("form.reading-form").CountAsync()); // its readings are final

        // The revoked link cannot sign off Board 1's share; an auditor does, with the CLI, naming its registered members.
        (int wrong, string wrongOut, string wrongError) = await RollBoard.CliAsync("audit", "record", "--dir", dir, "--sign-off", "Board 1", "--members", "Ada Blue,Eve Grey", "--board", url, "--key", F("blue.key"));
        Assert.True(wrong != 0, wrongOut);
        Assert.Contains("registered members are Ada Blue and Rui Red", wrongOut + wrongError, StringComparison.Ordinal);
        await Cli("audit", "record", "--dir", dir, "--sign-off", "Board 1", "--members", "Ada Blue,Rui Red", "--board", url, "--key", F("blue.key"));
        await phone.ReloadAsync();
        Assert.Contains("signed off by Board 2 (Lee Green and Sam Gold), Board 1 (Ada Blue and Rui Red)", await phone.Locator("#signed-off").InnerTextAsync(), StringComparison.Ordinal);

        (int code, string output, string error) = await RollBoard.CliAsync("audit", "verify", "--board", url, "--audit-id", auditId);
        Assert.True(code == 0, output + error);
        Assert.Contains($"ok      readings of round 1 ({ballots} ballot(s), signed off by Board 2: Lee Green and Sam Gold; Board 1: Ada Blue and Rui Red)", output, StringComparison.Ordinal);
        Assert.Contains("ok      risk after round 1: Contest 1 ", output, StringComparison.Ordinal);
        using HttpClient http = new();
        using HttpResponseMessage logged = await http.GetAsync($"{url}board/audit-readings/{Uri.EscapeDataString($"{auditId}:1:{first.Tabulator}|{first.Batch}|{first.Position}")}");
        Assert.Equal(HttpStatusCode.OK, logged.StatusCode);
        JsonElement reading = JsonDocument.Parse(await logged.Content.ReadAsStringAsync()).RootElement;
        Assert.False(reading.GetProperty("found").GetBoolean());
        Assert.Equal("Board 1", reading.GetProperty("board").GetString());
        string corrected = $"{auditId}:1:{blankBallot.Value.Tabulator}|{blankBallot.Value.Batch}|{blankBallot.Value.Position}:2";
        JsonElement correction = JsonDocument.Parse(await http.GetStringAsync($"{url}board/audit-readings/{Uri.EscapeDataString(corrected)}")).RootElement;
        Assert.Equal(1, correction.GetProperty("corrects").GetInt32());
        Assert.Equal("Choice 1-2", correction.GetProperty("contests")[0].GetProperty("choices")[0].GetString());
    }

    private readonly record struct B(string Tabulator, string Batch, string Position);

    private static string Ballot(B b) => $"li.ballot[data-tabulator='{b.Tabulator}'][data-batch='{b.Batch}'][data-position='{b.Position}']";

    private static async Task<B> KeyOf(ILocator li) =>
        new((await li.GetAttributeAsync("data-tabulator"))!, (await li.GetAttributeAsync("data-batch"))!, (await li.GetAttributeAsync("data-position"))!);

    private static async Task OpenAsync(IPage page, string link, string boardName)
    {
        IResponse? response = await page.GotoAsync(link);
        Assert.Equal(200, response?.Status);
        ILocator ok = page.Locator("#board-status .ok");
        await ok.WaitForAsync();
        Assert.StartsWith("Signing as auditboard-", await ok.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(boardName, await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, $"{boardName}'s page scrolls sideways");
    }

    private static async Task<string> Cli(params string[] args)
    {
        (int code, string output, string error) = await RollBoard.CliAsync(args);
        Assert.True(code == 0, $"entente {string.Join(' ', args.Take(3))}: {output}{error}");
        return output;
    }

    private static string Link(string output) => output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("http", StringComparison.Ordinal) && l.Contains("#k=", StringComparison.Ordinal));

    private static async Task<long> IndexAsync(string url, string collection, string id)
    {
        using HttpClient http = new();
        JsonElement page = JsonDocument.Parse(await http.GetStringAsync($"{url}board/{collection}?limit=1000")).RootElement;
        JsonElement item = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
        return item.GetProperty("index").GetInt64();
    }
}

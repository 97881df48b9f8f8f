using System.Globalization;
using System.Net;
using System.Text.Json;
using Entente.Audit.Trail;
using Entente.Client.Board;
using Entente.Server.Tests.Rolls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// A batch-comparison audit through the board with two audit boards in Chromium (#18, "a batch-comparison audit from batch
/// tallies, run through the board with two audit boards in Chromium, then audit verify --board"): the Siletz batch tallies
/// (tests/vectors/rla-vendor/more/generated-jurisdiction) audited with the CLI on a live board; Board 1 (768 px) counts the
/// batches assigned to it and signs off its share; Board 2 (390 px) counts the rest, with a correction before its sign-off;
/// a forged tally (a batch outside the manifest, a choice the contest does not have) and a count altered after Board 1's
/// sign-off are refused naming why; then <c>audit verify --board</c> recomputes the MACRO risk from the board alone.
/// </summary>
[Trait("Category", "Slow")]
public sealed class BatchAuditBoardScreenBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Contest = "Minister of Farming";
    private static readonly Dictionary<string, string[]> Reported = new()
    {
        ["Batch 1"] = ["18", "2", "0"],
        ["Batch 2"] = ["15", "2", "0"],
        ["Batch 3"] = ["8", "1", "0"],
    };

    private static readonly string[] Choices = ["Erin George", "Alex Hall", "Write-In"];

    [SkippableFact]
    public async Task Two_audit_boards_count_their_batches_on_their_screens_sign_off_and_the_board_alone_verifies_the_batch_audit()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        await using WebApplication server = await board.StartLogAsync();
        string url = TestBoard.Address(server);
        using BoardClient blue = new(new Uri(url), board.Blue);
        using (HttpResponseMessage charter = await blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json")), "charter", cosigners: [board.Red]))
        {
            Assert.Equal(HttpStatusCode.Created, charter.StatusCode);
        }

        string F(string name) => Path.Combine(board.Dir, name);
        await File.WriteAllTextAsync(F("blue.key"), board.Blue.ExportSkey());
        await File.WriteAllTextAsync(F("red.key"), board.Red.ExportSkey());
        await File.WriteAllTextAsync(F("results.csv"), $"Contest,Choice,Votes,Ballots\n{Contest},Erin George,41,57\n{Contest},Alex Hall,5,57\n{Contest},Write-In,0,57\n");
        string vectors = Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor", "siletz");
        string dir = F("audit");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        await Cli("audit", "init", "--dir", dir, "--method", "batch", "--risk-limit", "0.1", "--manifest", Path.Combine(vectors, "siletz-ballot-manifest.csv"), "--results", F("results.csv"),
            "--batch-tallies", Path.Combine(vectors, "siletz-minister-of-farming-candidate-totals-by-batch.csv"), "--parties", "blue.example,red.example",
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

        // 24 PPEB draws over 3 batches (weights about 0.45, 0.38, 0.17): at least two distinct batches but for a chance of
        // about 1 in 10^8. With 10 draws it was about 1 in 2,500, and a clean-clone CI run drew one batch ten times.
        await Cli("audit", "sample", "--dir", dir, "--size", "24", "--board", url, "--key", F("red.key"));
        string link1 = Link(await Cli("audit", "board", "add", "--dir", dir, "--name", "Board 1", "--members", "Ada Blue,Rui Red", "--board", url, "--key", F("blue.key")));
        string link2 = Link(await Cli("audit", "board", "add", "--dir", dir, "--name", "Board 2", "--members", "Lee Green,Sam Gold", "--board", url, "--key", F("red.key")));

        IPage tablet = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 768, Height = 1024 } });
        IPage phone = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await OpenAsync(tablet, link1, "Board 1");
        await OpenAsync(phone, link2, "Board 2");
        int batches = await tablet.Locator("li.batch").CountAsync();
        Assert.True(batches >= 2, $"round 1 holds {batches} distinct batch(es); the test needs 2");
        Assert.Contains($"Round 1: {batches} batch(es) to retrieve and count", await tablet.Locator("#round-heading").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await tablet.Locator("li.batch[data-assigned=yes]").CountAsync() >= 1);
        Assert.True(await phone.Locator("li.batch[data-assigned=yes]").CountAsync() >= 1);

        // A count left empty is not sent.
        ILocator firstForm = tablet.Locator("li.batch[data-assigned=yes] form.tally-form").First;
        await firstForm.Locator("button.record").ClickAsync();
        Assert.Contains("enter the votes counted", await firstForm.Locator(".outcome").InnerTextAsync(), StringComparison.Ordinal);

        // Board 1 counts the batches assigned to it, as reported, and signs off its share.
        while (await tablet.Locator("li.batch[data-assigned=yes][data-state=to-count]").CountAsync() > 0)
        {
            ILocator li = tablet.Locator("li.batch[data-assigned=yes][data-state=to-count]").First;
            string batch = (await li.GetAttributeAsync("data-batch"))!;
            await CountAsync(tablet, batch, Reported[batch]);
        }

        string board1Batch = (await tablet.Locator("li.batch[data-assigned=yes]").First.GetAttributeAsync("data-batch"))!;
        string board1Tabulator = (await tablet.Locator("li.batch[data-assigned=yes]").First.GetAttributeAsync("data-tabulator"))!;
        Assert.Contains("counted by Board 1", await tablet.Locator(Batch(board1Batch) + " .reading").InnerTextAsync(), StringComparison.Ordinal);
        await tablet.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.Screenshot("audit-board-batch-768"), FullPage = true });
        await tablet.Locator("#sign-off input[value='Ada Blue']").CheckAsync();
        await tablet.Locator("#sign-off input[value='Rui Red']").CheckAsync();
        await tablet.Locator("#sign-off button").ClickAsync();
        await tablet.Locator("#my-sign-off").WaitForAsync();
        Assert.DoesNotContain("signed-off", await tablet.ContentAsync(), StringComparison.Ordinal); // the round is still open for Board 2

        // Forged tallies and a count altered after Board 1's sign-off are refused, naming why.
        AuditTallyArtifact Tally(string? tabulator, string batch, string[] counts) =>
            new(auditId, 1, "Board 2", tabulator, batch, Contest, [.. Choices.Select((c, i) => new AuditChoiceCount(c, long.Parse(counts[i], CultureInfo.InvariantCulture)))]);
        var refused = await AuditOnBoard.RefusedAsync(blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(Tally("Tabulator Z", "Batch 9", ["1", "0", "0"])));
        Assert.Equal((422, "Tally refused"), (refused.Status, refused.Title));
        Assert.Contains("batch Tabulator Z / Batch 9 was not drawn in round 1 (it is not in the committed manifest)", refused.Detail, StringComparison.Ordinal);
        AuditTallyArtifact unknown = Tally(board1Tabulator, board1Batch, Reported[board1Batch]) with { Votes = [new("Erin George", 18), new("Alex Hall", 2), new("Mallory", 0)] };
        refused = await AuditOnBoard.RefusedAsync(blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(unknown with { Corrects = 1 }));
        Assert.Equal((409, "Tally refused"), (refused.Status, refused.Title));
        Assert.Contains($"was counted by Board 1, which signed off its share; that count is final", refused.Detail, StringComparison.Ordinal);
        AuditTallyArtifact altered = Tally(board1Tabulator, board1Batch, ["0", "30", "0"]) with { Corrects = 1 };
        refused = await AuditOnBoard.RefusedAsync(blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(altered));
        Assert.Contains("that count is final", refused.Detail, StringComparison.Ordinal);

        // Board 2 counts the rest; its first batch is first miscounted, then corrected before its sign-off.
        await phone.ReloadAsync();
        string? corrected = null;
        while (await phone.Locator("li.batch[data-state=to-count]").CountAsync() > 0)
        {
            string batch = (await phone.Locator("li.batch[data-state=to-count]").First.GetAttributeAsync("data-batch"))!;
            if (corrected is null)
            {
                string tabulator = (await phone.Locator(Batch(batch)).GetAttributeAsync("data-tabulator"))!;
                refused = await AuditOnBoard.RefusedAsync(blue, "audit-tallies", AuditTrailArtifacts.TallyType,
                    AuditTrailArtifacts.Write(Tally(tabulator, batch, Reported[batch]) with { Votes = [new("Erin George", 1), new("Alex Hall", 0), new("Mallory", 0)] }));
                Assert.Equal((422, "Tally refused"), (refused.Status, refused.Title));
                Assert.Contains($"\"Mallory\" is not a choice of \"{Contest}\"", refused.Detail, StringComparison.Ordinal);
                corrected = batch;
                await CountAsync(phone, batch, ["1", "1", "0"]);
                continue;
            }

            await CountAsync(phone, batch, Reported[batch]);
        }

        ILocator fix = phone.Locator(Batch(corrected!));
        await fix.Locator("details.correct summary").ClickAsync();
        string[] right = Reported[corrected!];
        for (int i = 0; i < Choices.Length; i++)
        {
            await fix.Locator($"details.correct input[data-choice='{Choices[i]}']").FillAsync(right[i]);
        }

        await fix.Locator("details.correct button.record").ClickAsync();
        await phone.Locator(Batch(corrected!) + " .reading", new PageLocatorOptions { HasText = $"Erin George {right[0]}, Alex Hall {right[1]}" }).WaitForAsync();
        Assert.True(await phone.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, "the batch screen scrolls sideways at 390 px");
        await phone.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.Screenshot("audit-board-batch-390"), FullPage = true });
        await phone.Locator("#sign-off input[value='Lee Green']").CheckAsync();
        await phone.Locator("#sign-off input[value='Sam Gold']").CheckAsync();
        await phone.Locator("#sign-off button").ClickAsync();
        await phone.Locator("#signed-off").WaitForAsync();
        Assert.Contains("Board 1 (Ada Blue and Rui Red), Board 2 (Lee Green and Sam Gold)", await phone.Locator("#signed-off").InnerTextAsync(), StringComparison.Ordinal);

        (int code, string output, string error) = await RollBoard.CliAsync("audit", "verify", "--board", url, "--audit-id", auditId);
        Assert.True(code == 0, output + error);
        Assert.Contains($"ok      counts of round 1 ({batches} batch(es), {batches} tally(ies), signed off by Board 1: Ada Blue and Rui Red; Board 2: Lee Green and Sam Gold)", output, StringComparison.Ordinal);
        Assert.Contains("ok      risk after round 1: MACRO ", output, StringComparison.Ordinal);
        Assert.Contains($"({Contest} confirmed)", output, StringComparison.Ordinal);

        // The audit page: each audit board's progress on the batches dealt to it, and the round signed off by both.
        // The page recomputes the whole audit from the log on the server; on a loaded machine that has taken more than
        // Playwright's 30 s, so it is given a minute, and loaded again (twice at most) if the round is still not there.
        ILocator roundOne = phone.Locator($"section.audit-trail[data-audit='{auditId}'] section.audit-round[data-round='1']");
        for (int attempt = 1; ; attempt++)
        {
            await phone.GotoAsync(url + "audit", new PageGotoOptions { Timeout = 60_000 });
            try
            {
                await roundOne.Locator(".read-count").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }

        Assert.Equal($"{batches} of {batches}", await roundOne.Locator(".read-count").InnerTextAsync());
        Assert.Contains("signed off by Board 1 (Ada Blue and Rui Red), Board 2 (Lee Green and Sam Gold)", await roundOne.Locator(".signed-off").InnerTextAsync(), StringComparison.Ordinal);
        ILocator progress1 = roundOne.Locator(".board-progress li[data-board='Board 1']");
        string assigned1 = (await progress1.GetAttributeAsync("data-assigned"))!;
        Assert.Equal(assigned1, await progress1.GetAttributeAsync("data-done"));
        Assert.Equal($"Board 1: {assigned1} of {assigned1} assigned batch(es) done · {assigned1} batch(es) counted by this board · signed off", await progress1.InnerTextAsync());
        Assert.EndsWith("counted by this board · signed off", await roundOne.Locator(".board-progress li[data-board='Board 2']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("(by Board 1)", await roundOne.Locator("td.reading").First.InnerTextAsync() + await roundOne.Locator("td.reading").Last.InnerTextAsync(), StringComparison.Ordinal);

        using HttpClient http = new();
        string id = AuditTrailArtifacts.TallyId(auditId, 1, board1Tabulator, board1Batch, Contest);
        JsonElement logged = JsonDocument.Parse(await http.GetStringAsync($"{url}board/audit-tallies/{Uri.EscapeDataString(id)}")).RootElement;
        Assert.Equal("Board 1", logged.GetProperty("board").GetString());
        Assert.Equal(long.Parse(Reported[board1Batch][0], CultureInfo.InvariantCulture), logged.GetProperty("votes")[0].GetProperty("votes").GetInt64());
    }

    private static string Batch(string batch) => $"li.batch[data-batch='{batch}']";

    private static async Task CountAsync(IPage page, string batch, string[] counts)
    {
        ILocator form = page.Locator(Batch(batch) + $" form.tally-form[data-contest='{Contest}']");
        for (int i = 0; i < Choices.Length; i++)
        {
            await form.Locator($"input[data-choice='{Choices[i]}']").FillAsync(counts[i]);
        }

        await form.Locator("button.record").ClickAsync();
        await page.Locator(Batch(batch) + "[data-state=counted]").WaitForAsync();
    }

    private static async Task OpenAsync(IPage page, string link, string boardName)
    {
        IResponse? response = await page.GotoAsync(link);
        Assert.Equal(200, response?.Status);
        ILocator ok = page.Locator("#board-status .ok");
        await ok.WaitForAsync();
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
}

using System.Net;
using System.Text.Json;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Entente.Client.Board;
using Entente.Server.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// The audit page of a live board in Chromium at 390 px (#15 item 7, #18): an audit whose inputs, seed, round, readings
/// (one ballot not found, a contest not on some ballots) and sign-off are board entries; the page shows the seed's
/// commitments and reveals with their log entries, the round's retrieval list with each reading, the audit board's
/// progress and sign-off with both names, and the risk per contest equal to the audit directory's own.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AuditPageBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static readonly DateTimeOffset T = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task The_audit_page_shows_the_seed_the_retrieval_list_the_readings_and_the_risk_per_contest_at_390_px()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        await using WebApplication server = await board.StartLogAsync();
        Uri address = new(TestBoard.Address(server));
        using BoardClient blue = new(address, board.Blue);
        using BoardClient red = new(address, board.Red);
        using (HttpResponseMessage charter = await blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json")), "charter", cosigners: [board.Red]))
        {
            Assert.Equal(HttpStatusCode.Created, charter.StatusCode);
        }

        string manifest = Path.Combine(board.Dir, "m.csv"), results = Path.Combine(board.Dir, "r.csv");
        await File.WriteAllTextAsync(manifest, "Tabulator,Batch,Ballots\nT1,B1,300\nT2,B2,200\n");
        await File.WriteAllTextAsync(results, "Contest,Choice,Votes,Ballots\nMayor,Alice,300,500\nMayor,Bob,150,500\nBond,Yes,200,300\nBond,No,90,300\n");
        using AuditDirectory audit = AuditDirectory.Init(Path.Combine(board.Dir, "audit"),
            new AuditSettings(AuditMethod.Bravo, 0.1, manifest, results, null, ["blue.example", "red.example"], T, T.AddHours(1), T.AddHours(1), "entente", null, null), TimeProvider.System);
        string id = audit.State.AuditId;

        async Task<long> Post(BoardClient client, string collection, string artifactId, string type, byte[] body)
        {
            using HttpResponseMessage posted = await client.PostAsync("board/" + collection, body, type);
            string text = await posted.Content.ReadAsStringAsync();
            Assert.True(posted.StatusCode == HttpStatusCode.Created, $"{collection}/{artifactId}: {text}");
            return JsonDocument.Parse(text).RootElement.GetProperty("index").GetInt64();
        }

        await Post(blue, "audit-inputs", id, AuditTrailArtifacts.InputsType, AuditTrailArtifacts.Write(audit.InputsArtifact()));
        byte[] blueSecret = SeedProtocol.NewSecret(), redSecret = SeedProtocol.NewSecret();
        List<SeedLogRecord> records = [];
        foreach ((BoardClient client, string party, byte[] secret) in new[] { (blue, "blue.example", blueSecret), (red, "red.example", redSecret) })
        {
            byte[] commitment = SeedProtocol.Commitment(id, party, secret);
            long index = await Post(client, "audit-commits", id, SeedArtifacts.CommitType, SeedArtifacts.Write(new SeedCommitArtifact(id, party, ["blue.example", "red.example"], false, commitment)));
            records.Add(new SeedLogRecord(id, party, SeedRecordKind.Commit, commitment, index, DateTimeOffset.UnixEpoch));
        }

        foreach ((BoardClient client, string party, byte[] secret) in new[] { (blue, "blue.example", blueSecret), (red, "red.example", redSecret) })
        {
            long index = await Post(client, "audit-reveals", id, SeedArtifacts.RevealType, SeedArtifacts.Write(new SeedRevealArtifact(id, party, secret)));
            records.Add(new SeedLogRecord(id, party, SeedRecordKind.Reveal, secret, index, DateTimeOffset.UnixEpoch));
        }

        string seed = SeedProtocol.EvaluateOnBoard(id, ["blue.example", "red.example"], false, records).Seed!;
        AuditRound round = audit.DrawRound(seed, 8);
        await Post(red, "audit-rounds", id + ":1", AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(audit.RoundArtifact(round)));
        List<AuditDraw> ballots = [.. round.Draws.DistinctBy(d => d.BallotKey)];
        foreach (AuditDraw d in ballots)
        {
            bool notFound = d == ballots[0];
            AuditReadingArtifact reading = notFound
                ? new(id, 1, "Board 1", d.Tabulator, d.Batch, d.Position, false, [])
                : new(id, 1, "Board 1", d.Tabulator, d.Batch, d.Position, true,
                    [new AuditContestReading("Mayor", true, ["Alice"]), d.Tabulator == "T1" ? new AuditContestReading("Bond", true, ["Yes"]) : new AuditContestReading("Bond", false, [])]);
            if (notFound)
            {
                audit.Record(d.Tabulator, d.Batch, d.Position, null, [], false);
            }

            foreach (AuditContestReading c in reading.Contests)
            {
                audit.Record(d.Tabulator, d.Batch, d.Position, c.Contest, c.Choices, c.OnBallot);
            }

            await Post(blue, "audit-readings", reading.Id, AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading));
        }

        audit.SignOff("Board 1");
        await Post(red, "audit-signoffs", id + ":1", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(new AuditSignOffArtifact(id, 1, "Board 1", ["Ada Blue", "Rui Red"])));
        AuditDecision expected = audit.Evaluate();

        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        IResponse? response = await page.GotoAsync(TestBoard.Address(server) + "audit");
        Assert.Equal(200, response?.Status);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.Screenshot("audit-trail-390"), FullPage = true });
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, "the audit page scrolls sideways at 390 px");

        ILocator trail = page.Locator($"section.audit-trail[data-audit='{id}']");
        Assert.Equal("ok", await trail.Locator(".verdict").GetAttributeAsync("data-verdict"));
        Assert.Equal("the reveal matches the commitment", await page.InnerTextAsync("#seed-parties tr[data-party='red.example'] td[data-label=Check]"));
        Assert.Contains($"entry {records[1].LogIndex}", await page.InnerTextAsync("#seed-parties tr[data-party='red.example'] td[data-label=Commitment]"), StringComparison.Ordinal);
        foreach (ContestRisk c in expected.Contests)
        {
            Assert.Equal(AuditTrailView.Risk(c.PValue), await trail.Locator($".risk-table tr[data-contest='{c.Contest}'] td[data-round='1']").InnerTextAsync());
            Assert.Equal(c.RiskByDraw.Count, await trail.Locator($"details.risk-by-draw[data-contest='{c.Contest}'] li").CountAsync());
        }

        ILocator roundOne = trail.Locator("section.audit-round[data-round='1']");
        Assert.Equal(ballots.Count, await roundOne.Locator("table.retrieval tbody tr").CountAsync());
        Assert.Equal($"{ballots.Count} of {ballots.Count}", await roundOne.Locator(".read-count").InnerTextAsync());
        Assert.Contains("signed off by Board 1 (Ada Blue and Rui Red)", await roundOne.Locator(".signed-off").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal($"Board 1: {ballots.Count} ballot(s) read, signed off", await roundOne.Locator(".board-progress li[data-board='Board 1']").InnerTextAsync());
        AuditDraw first = ballots[0];
        Assert.EndsWith("not found", await roundOne.Locator($"tr[data-ballot='{first.Tabulator}|{first.Batch}|{first.Position}'] td.reading").InnerTextAsync(), StringComparison.Ordinal);
        if (ballots.Skip(1).FirstOrDefault(d => d.Tabulator == "T2") is { } t2)
        {
            Assert.EndsWith("Mayor: Alice; Bond: not on the ballot", await roundOne.Locator($"tr[data-ballot='T2|{t2.Batch}|{t2.Position}'] td.reading").InnerTextAsync(), StringComparison.Ordinal);
        }
    }
}

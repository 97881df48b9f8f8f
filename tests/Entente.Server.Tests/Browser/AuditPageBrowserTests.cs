using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;
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
    [SkippableFact]
    public async Task The_audit_page_shows_the_seed_the_retrieval_list_the_readings_and_the_risk_per_contest_at_390_px()
    {
        IBrowser browser = chromium.RequireBrowser();
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        await using WebApplication server = await board.StartLogAsync();
        using AuditOnBoard a = await AuditOnBoard.StartAsync(board, new Uri(TestBoard.Address(server)));
        string id = a.Id;
        List<SeedLogRecord> records = a.SeedRecords;
        AuditRound round = await a.DrawAsync(8);
        List<AuditDraw> ballots = [.. round.Draws.DistinctBy(d => d.BallotKey)];
        foreach (AuditDraw d in ballots)
        {
            // Board 2 reads the last ballot; Board 1 the others.
            await AuditOnBoard.PostAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(a.Read(round, d, d == ballots[^1] ? "Board 2" : "Board 1")));
        }

        a.Audit.SignOff("Board 1");
        await AuditOnBoard.PostAsync(a.Red, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(new AuditSignOffArtifact(id, 1, "Board 1", ["Ada Blue", "Rui Red"])));
        AuditDecision expected = a.Audit.Evaluate();

        // Board 1 signed off its share; the round is open while Board 2, which read a ballot, has not.
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        IResponse? response = await page.GotoAsync(TestBoard.Address(server) + "audit");
        Assert.Equal(200, response?.Status);
        ILocator open = page.Locator($"section.audit-trail[data-audit='{id}'] section.audit-round[data-round='1']");
        Assert.Equal("not signed off: waiting for the sign-off of Board 2", await open.Locator(".open").InnerTextAsync());
        Assert.Equal($"Board 1: {ballots.Count - 1} ballot(s) read by this board · signed off", await open.Locator(".board-progress li[data-board='Board 1']").InnerTextAsync());
        Assert.Equal("Board 2: 1 ballot(s) read by this board · reading", await open.Locator(".board-progress li[data-board='Board 2']").InnerTextAsync());

        await AuditOnBoard.PostAsync(a.Red, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(new AuditSignOffArtifact(id, 1, "Board 2", ["Lee Green", "Sam Gold"])));
        response = await page.GotoAsync(TestBoard.Address(server) + "audit");
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
        Assert.Equal("signed off by Board 1 (Ada Blue and Rui Red), Board 2 (Lee Green and Sam Gold)", await roundOne.Locator(".signed-off").InnerTextAsync());
        Assert.Equal($"Board 1: {ballots.Count - 1} ballot(s) read by this board · signed off", await roundOne.Locator(".board-progress li[data-board='Board 1']").InnerTextAsync());
        Assert.Equal("Board 2: 1 ballot(s) read by this board · signed off", await roundOne.Locator(".board-progress li[data-board='Board 2']").InnerTextAsync());
        Assert.Equal(2, await roundOne.Locator("a[data-board]").CountAsync()); // each sign-off's log entry
        AuditDraw first = ballots[0];
        Assert.EndsWith("not found", await roundOne.Locator($"tr[data-ballot='{first.Tabulator}|{first.Batch}|{first.Position}'] td.reading").InnerTextAsync(), StringComparison.Ordinal);
        if (ballots.Skip(1).FirstOrDefault(d => d.Tabulator == "T2") is { } t2)
        {
            Assert.EndsWith("Mayor: Alice; Bond: not on the ballot", await roundOne.Locator($"tr[data-ballot='T2|{t2.Batch}|{t2.Position}'] td.reading").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal($"T2 / {t2.Batch} #{t2.Position}", await roundOne.Locator($"tr[data-ballot='T2|{t2.Batch}|{t2.Position}'] th.ballot").InnerTextAsync());
        }
    }
}

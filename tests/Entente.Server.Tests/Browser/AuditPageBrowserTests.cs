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
            await AuditOnBoard.PostAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(a.Read(round, d)));
        }

        a.Audit.SignOff("Board 1");
        await AuditOnBoard.PostAsync(a.Red, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(new AuditSignOffArtifact(id, 1, "Board 1", ["Ada Blue", "Rui Red"])));
        AuditDecision expected = a.Audit.Evaluate();

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
        Assert.Equal($"Board 1: {ballots.Count} ballot(s) read by this board · signed off", await roundOne.Locator(".board-progress li[data-board='Board 1']").InnerTextAsync());
        AuditDraw first = ballots[0];
        Assert.EndsWith("not found", await roundOne.Locator($"tr[data-ballot='{first.Tabulator}|{first.Batch}|{first.Position}'] td.reading").InnerTextAsync(), StringComparison.Ordinal);
        if (ballots.Skip(1).FirstOrDefault(d => d.Tabulator == "T2") is { } t2)
        {
            Assert.EndsWith("Mayor: Alice; Bond: not on the ballot", await roundOne.Locator($"tr[data-ballot='T2|{t2.Batch}|{t2.Position}'] td.reading").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal($"T2 / {t2.Batch} #{t2.Position}", await roundOne.Locator($"tr[data-ballot='T2|{t2.Batch}|{t2.Position}'] th.ballot").InnerTextAsync());
        }
    }
}

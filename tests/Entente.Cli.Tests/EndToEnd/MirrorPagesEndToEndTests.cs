using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Server.Tests.Browser;
using Microsoft.Playwright;
using static Entente.Cli.Tests.Election.BoardSteps;
using static Entente.Cli.Tests.EndToEnd.MirrorEndToEndTests;

namespace Entente.Cli.Tests.EndToEnd;

/// <summary>
/// The pages served from a party's mirror once the board is gone (issue #17, "the pages can read from any mirror"):
/// a board pushing to a required mirror, a ceremony and ballots on the tiny group, the board process killed, then
/// <c>entente serve --mirror mirror.json</c> serving the record from the mirror's copy, its checkpoint the mirror's
/// cosigned one, its writes refused, and a ballot's inclusion checked in Chromium against it.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class MirrorPagesEndToEndTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [SkippableFact]
    public async Task With_the_board_killed_serve_mirror_shows_the_record_from_the_mirror_and_a_ballot_check_verifies_in_Chromium()
    {
        IBrowser browser = chromium.RequireBrowser();
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1, mirrors: 1);
        string copy = $"{board.Mirrors[0].Url}{OriginHash(BoardProcess.Origin)}/";
        await CeremonyAsync(board);
        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots.json"));
        long size = await WaitPublishedAsync(board, await board.LogSizeAsync());
        string mirrored = await WaitMirroredAsync(copy, size);
        JsonElement ballots = await board.GetJsonAsync("board/ballots?limit=10");
        string code = ballots.GetProperty("items").EnumerateArray().First(b => b.GetProperty("type").GetString() == "ballot.cast").GetProperty("code").GetString()!;

        // The party pins the board's policy (which requires its mirror) in its mirror's configuration.
        string config = board.File("mirror-1/mirror.json");
        File.Copy(board.PolicyFile, board.File("mirror-1/mirror-policy.txt"));
        SetOption(config, "policy", "mirror-policy.txt");

        string boardUrl = board.Url;
        board.Server.Kill();
        int port = ServerProcess.FreePort();
        using ServerProcess pages = await ServerProcess.StartAsync("pages-from-mirror", port, "checkpoint", "serve", "--mirror", config, "--charter", Path.Combine(board.Data, "charter.json"), "--urls", $"http://127.0.0.1:{port}");
        using HttpClient http = new() { BaseAddress = new Uri(pages.Url) };

        // The checkpoint is the mirror's, byte for byte: the board's signature, the witness's and the mirror's cosignatures.
        string checkpoint = await http.GetStringAsync("checkpoint");
        Assert.Equal(mirrored, checkpoint);
        Assert.Equal(size, long.Parse(checkpoint.Split('\n')[1], CultureInfo.InvariantCulture));
        Assert.Contains("\u2014 mirror-1.example ", checkpoint, StringComparison.Ordinal);

        // The record reads as on the board: the status, the ballots, an artifact, the log page.
        using JsonDocument status = JsonDocument.Parse(await http.GetStringAsync("board"));
        Assert.Equal(size, status.RootElement.GetProperty("log_size").GetInt64());
        using JsonDocument listed = JsonDocument.Parse(await http.GetStringAsync("board/ballots?limit=10"));
        Assert.Equal(ballots.GetProperty("items").GetArrayLength(), listed.RootElement.GetProperty("items").GetArrayLength());
        Assert.Contains("ballot.cast", await http.GetStringAsync("log"), StringComparison.Ordinal);

        // Every write is refused with a ProblemDetails naming the board.
        using HttpResponseMessage refused = await http.PostAsync("board/ballots", new ByteArrayContent(Encoding.UTF8.GetBytes("{}")));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        string problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("read-only mirror of " + BoardProcess.Origin, problem, StringComparison.Ordinal);
        Assert.Contains(boardUrl, problem, StringComparison.Ordinal);

        // A voter checks a ballot in the browser against the mirror's checkpoint, under the pinned policy.
        IPage check = await browser.NewPageAsync();
        await check.GotoAsync(pages.Url + "check?code=" + code.ToLowerInvariant());
        await check.WaitForSelectorAsync("#outcome[data-verdict]", new PageWaitForSelectorOptions { Timeout = 20_000 });
        string outcome = await check.InnerTextAsync("#outcome");
        Assert.True(await check.GetAttributeAsync("#outcome", "data-verdict") == "verified", outcome);
        Assert.Contains("mirror-1.example", outcome, StringComparison.Ordinal);
        Assert.Contains("mirror-1.example", await check.TextContentAsync("#policy"), StringComparison.Ordinal);
    }

    private static void SetOption(string config, string name, string value)
    {
        Dictionary<string, JsonElement> options = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(config))!;
        options[name] = JsonSerializer.SerializeToElement(value);
        File.WriteAllText(config, JsonSerializer.Serialize(options));
    }
}

using System.Net;
using System.Text.Json;

namespace Entente.Server.Tests.Browser;

/// <summary>A finished live election on a board, for the page tests that need no browser.</summary>
public sealed class CompletedLiveBoard : IAsyncLifetime
{
    internal LiveElection Election { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Election = await LiveElection.StartAsync();
        await Election.SetUpAsync();
        await Election.OpenVotingAsync();
        await Election.VoteAsync(6, 2);
        await Election.TallyAsync();
        await Election.WaitForWitnessAsync();
    }

    public async Task DisposeAsync() => await Election.DisposeAsync();
}

/// <summary>
/// The live pages over plain HTTP: content negotiation of not-found answers (an HTML page for a browser, ProblemDetails
/// for an API client), the ballot-check document's tolerance of spacing and case, no server path on any page, and the
/// API's own answers left alone by the pages' fallback.
/// </summary>
[Trait("Category", "Slow")]
public sealed class LiveBoardPagesHttpTests(CompletedLiveBoard board) : IClassFixture<CompletedLiveBoard>
{
    private static readonly HttpClient Http = new();

    private async Task<HttpResponseMessage> GetAsync(string path, string accept)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, new Uri(board.Election.BaseUrl + path));
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await Http.SendAsync(request);
    }

    [Theory]
    [InlineData("/no/such/page", "Nothing is at /no/such/page")]
    [InlineData("/log/abc", "\"abc\" is not a log index")]
    [InlineData("/log/100000", "there is no entry 100000")]
    [InlineData("/results/proof/9/9", "no contest 9 option 9")]
    [InlineData("/incidents/request/nothing", "No request for assistance nothing")]
    public async Task A_missing_page_is_an_html_page_for_a_browser_and_problem_details_for_an_api_client(string path, string detail)
    {
        using HttpResponseMessage html = await GetAsync(path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        Assert.Equal(HttpStatusCode.NotFound, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        string page = await html.Content.ReadAsStringAsync();
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(detail), page, StringComparison.Ordinal);

        using HttpResponseMessage json = await GetAsync(path, "application/json");
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType!.MediaType);
        JsonElement problem = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ballot_check_document_accepts_a_code_with_spaces_dashes_and_lower_case_and_names_the_expected_length()
    {
        string code = board.Election.Ballots[4].ConfirmationCode.ToHex();
        string typed = string.Join(" - ", Enumerable.Range(0, 8).Select(i => code.Substring(i * 8, 8).ToLowerInvariant()));
        using HttpResponseMessage ok = await GetAsync("/api/ballot-check/" + Uri.EscapeDataString(typed), "application/json");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        JsonElement body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal("cast", body.GetProperty("state").GetString());

        using HttpResponseMessage challenged = await GetAsync("/api/ballot-check/" + board.Election.Ballots[2].ConfirmationCode.ToHex(), "application/json");
        JsonElement opened = JsonDocument.Parse(await challenged.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("challenged", opened.GetProperty("state").GetString());
        Assert.True(opened.GetProperty("opening").GetProperty("contests").GetArrayLength() > 0);

        using HttpResponseMessage shortCode = await GetAsync("/api/ballot-check/" + code[..63], "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, shortCode.StatusCode);
        Assert.Contains("has 64 characters", await shortCode.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage letter = await GetAsync("/api/ballot-check/" + code[..63] + "G", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, letter.StatusCode);
        Assert.Contains("\"G\" cannot be part", JsonDocument.Parse(await letter.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using HttpResponseMessage unknown = await GetAsync("/api/ballot-check/" + new string('A', 64), "application/json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/results")]
    [InlineData("/check?code=00")]
    [InlineData("/log")]
    [InlineData("/log/0")]
    [InlineData("/incidents")]
    [InlineData("/audit")]
    public async Task Each_page_is_a_whole_html_document_with_the_navigation_and_no_server_path(string path)
    {
        using HttpResponseMessage response = await GetAsync(path, "text/html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string html = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<main id=\"main\">", html, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(board.Election.DataDirectory, html, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), html, StringComparison.Ordinal);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
    }

    [Fact]
    public async Task The_pages_fallback_leaves_the_apis_own_answers_alone()
    {
        using HttpResponseMessage post = await Http.PostAsync(new Uri(board.Election.BaseUrl + "/checkpoint"), new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using HttpResponseMessage status = await GetAsync("/board", "application/json");
        Assert.Equal("complete", JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement.GetProperty("stage").GetString());
        using HttpResponseMessage tile = await GetAsync("/tile/9/999", "application/json");
        Assert.Equal(HttpStatusCode.NotFound, tile.StatusCode);
        Assert.Equal("application/problem+json", tile.Content.Headers.ContentType!.MediaType);
    }
}

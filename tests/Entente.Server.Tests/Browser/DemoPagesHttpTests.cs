using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// The demo's pages as a client without JavaScript sees them (plain HTTP, no browser): everything but the
/// in-browser verification is in the server-rendered HTML, and nothing is loaded from elsewhere.
/// </summary>
[Trait("Category", "Slow")]
public partial class DemoPagesHttpTests(DemoSiteFixture site) : IClassFixture<DemoSiteFixture>
{
    private static readonly HttpClient Http = new();

    private async Task<string> GetAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri(site.BaseUrl + path));
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/results")]
    [InlineData("/results/proof/2/1")]
    [InlineData("/log")]
    [InlineData("/log/0")]
    [InlineData("/check")]
    [InlineData("/incidents")]
    [InlineData("/incidents/party/Red")]
    public async Task Each_page_is_complete_html_with_a_skip_link_a_main_landmark_and_no_external_resource(string path)
    {
        string html = await GetAsync(path);
        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<a class=\"skip\" href=\"#main\">", html, StringComparison.Ordinal);
        Assert.Contains("<main id=\"main\">", html, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\"", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(ExternalResource(), html);
    }

    [Fact]
    public async Task Without_javascript_the_incident_pages_show_each_message_checked_on_the_server_and_each_request_status()
    {
        string html = await GetAsync("/incidents");
        Assert.Equal(site.Result.ExchangeMessages, Regex.Count(html, "data-server-verdict=\"verified\""));
        Assert.DoesNotContain("data-server-verdict=\"failed\"", html, StringComparison.Ordinal);
        Assert.Equal(["answered", "declined", "overdue"], StatusBadge().Matches(html).Select(m => m.Groups[1].Value).Take(3));
        foreach (var incident in site.Result.Incidents)
        {
            string request = await GetAsync("/incidents/request/" + Uri.EscapeDataString(incident.RequestId));
            Assert.Contains($"data-status=\"{incident.Status}\"", request, StringComparison.Ordinal);
            Assert.Contains(WebUtility.HtmlEncode(incident.Subject), request, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_exchange_api_serves_what_the_browser_check_needs_and_unknown_pages_are_404()
    {
        using JsonDocument message = JsonDocument.Parse(await GetAsync("/api/exchange/4"));
        JsonElement root = message.RootElement;
        Assert.Equal(4, root.GetProperty("exchange_index").GetInt64());
        string boardEntry = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(root.GetProperty("board_entry").GetString()!));
        Assert.StartsWith("entente.org/entry/v1\ntype exchange.entente-assistance-request\n", boardEntry, StringComparison.Ordinal);
        Assert.Contains("— Red ", boardEntry, StringComparison.Ordinal);
        await GetAsync("/api/exchange/999", HttpStatusCode.NotFound);
        await GetAsync("/incidents/request/entente-assistance-request--00000000-0000-4000-8000-000000000000", HttpStatusCode.NotFound);
        await GetAsync("/log/100000", HttpStatusCode.NotFound);
        await GetAsync("/results/proof/9/9", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_log_page_filters_by_type_family_and_pages_with_previous_and_next_links()
    {
        string html = await GetAsync("/log?type=guardian.*&count=10");
        Assert.Equal(10, Regex.Count(html, "<td>guardian\\."));
        Assert.Contains("rel=\"next\" href=\"/log?start=", html, StringComparison.Ordinal);
        Assert.Contains("&amp;type=guardian.%2A", html, StringComparison.Ordinal);
        string last = await GetAsync("/log?start=" + (site.Result.LogSize - 3).ToString(CultureInfo.InvariantCulture));
        Assert.DoesNotContain("rel=\"next\"", last, StringComparison.Ordinal);
        Assert.Contains("rel=\"prev\"", last, StringComparison.Ordinal);
    }

    [GeneratedRegex("(?:src|href)=\"(?:https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalResource();

    [GeneratedRegex("<span class=\"status (\\w+)\"")]
    private static partial Regex StatusBadge();
}

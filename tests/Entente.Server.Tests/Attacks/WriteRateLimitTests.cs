using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Entente.Server.Exchange;
using Entente.Server.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// Write rate limits partition by what the server verified: the signing key once its signature checked, the client
/// address otherwise; every write route is limited (issue #14, item 3).
/// </summary>
public sealed class WriteRateLimitTests
{
    private const string TaxiiMedia = "application/taxii+json;version=2.1";

    private static async Task<TestBoard> LimitedAsync(int burst, bool exchange = false)
    {
        TestBoard board = await TestBoard.CreateAsync(board: exchange);
        board.Options.RateLimit = new() { PermitsPerSecond = 1, Burst = burst };
        if (exchange)
        {
            board.Options.Exchange = new HostedExchangeOptions();
        }

        return board;
    }

    [Fact]
    public async Task Forged_requests_claiming_a_party_key_id_do_not_spend_that_party_budget()
    {
        await using TestBoard board = await LimitedAsync(burst: 3);
        await using WebApplication log = await board.StartLogAsync();
        using Ed25519NoteSigner impostor = Ed25519NoteSigner.Generate("blue.example");
        using HttpClient forger = TestBoard.Signed(log, impostor);
        List<HttpStatusCode> forged = [];
        for (int i = 0; i < 30; i++)
        {
            using HttpResponseMessage r = await forger.PostAsync("blob", new ByteArrayContent([(byte)i]));
            forged.Add(r.StatusCode);
        }

        Assert.All(forged, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));
        Assert.Contains(HttpStatusCode.TooManyRequests, forged);

        using HttpClient blue = TestBoard.Signed(log, board.Blue);
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage genuine = await blue.PostAsync("blob", new ByteArrayContent([9, (byte)i]));
            Assert.True(genuine.StatusCode == HttpStatusCode.OK, $"blue's request {i}: {(int)genuine.StatusCode} {await genuine.Content.ReadAsStringAsync()}");
        }

        // Its own budget still runs out (one permit a second comes back while the test runs).
        List<HttpStatusCode> more = [];
        for (int i = 0; i < 6; i++)
        {
            using HttpResponseMessage r = await blue.PostAsync("blob", new ByteArrayContent([8, (byte)i]));
            more.Add(r.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, more);
    }

    [Fact]
    public async Task A_flood_of_requests_each_claiming_a_fresh_key_id_or_none_is_limited_by_client_address()
    {
        await using TestBoard board = await LimitedAsync(burst: 5);
        await using WebApplication log = await board.StartLogAsync();
        List<HttpStatusCode> statuses = [];
        for (int i = 0; i < 20; i++)
        {
            using Ed25519NoteSigner fresh = Ed25519NoteSigner.Generate($"fresh{i}.example");
            using HttpClient c = TestBoard.Signed(log, fresh);
            using HttpResponseMessage r = await c.PostAsync("blob", new ByteArrayContent([(byte)i]));
            statuses.Add(r.StatusCode);
        }

        // Five fit the address's burst (a permit a second comes back while the test runs); the rest are limited.
        Assert.All(statuses.Take(5), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 10, string.Join(", ", statuses));

        // Unsigned writes from the same address share that budget.
        using HttpClient raw = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        HttpResponseMessage unsigned = await raw.PostAsync("add", new ByteArrayContent(Encoding.UTF8.GetBytes("not an entry\n")));
        if (unsigned.StatusCode != HttpStatusCode.TooManyRequests)
        {
            // A permit came back in between: the next one is over the budget.
            unsigned = await raw.PostAsync("add", new ByteArrayContent(Encoding.UTF8.GetBytes("not an entry\n")));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, unsigned.StatusCode);
        Assert.Equal("application/problem+json", unsigned.Content.Headers.ContentType!.MediaType);
        Assert.True(unsigned.Headers.RetryAfter!.Delta!.Value.TotalSeconds >= 1);

        // The parties' own budgets are untouched.
        using HttpClient blue = TestBoard.Signed(log, board.Blue);
        Assert.Equal(HttpStatusCode.OK, (await blue.PostAsync("blob", new ByteArrayContent([1]))).StatusCode);
    }

    [Fact]
    public async Task Taxii_writes_are_limited_per_verified_key()
    {
        await using TestBoard board = await LimitedAsync(burst: 3, exchange: true);
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient red = TestBoard.Signed(log, board.Red);
        List<HttpStatusCode> statuses = [];
        for (int i = 0; i < 8; i++)
        {
            using HttpRequestMessage post = new(HttpMethod.Post, $"taxii2/api/collections/{HostedExchange.DefaultCollectionId}/objects/")
            {
                Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"objects\":[]}")),
            };
            post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiMedia);
            post.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiMedia));
            using HttpResponseMessage r = await red.SendAsync(post);
            statuses.Add(r.StatusCode);
        }

        Assert.DoesNotContain(statuses.Take(3), s => s == HttpStatusCode.TooManyRequests);
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 3, string.Join(", ", statuses));
    }

    [Fact]
    public async Task Every_write_route_of_a_board_with_its_exchange_is_rate_limited()
    {
        await using TestBoard board = await LimitedAsync(burst: 3, exchange: true);
        await using WebApplication log = await board.StartLogAsync();
        List<string> writes = [];
        foreach (RouteEndpoint endpoint in log.Services.GetServices<EndpointDataSource>().SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            IReadOnlyList<string> methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            if (!methods.Any(m => m is "POST" or "PUT" or "PATCH" or "DELETE"))
            {
                continue;
            }

            writes.Add(endpoint.RoutePattern.RawText!);
            Assert.True(endpoint.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null, $"{string.Join(",", methods)} {endpoint.RoutePattern.RawText} is not rate limited");
        }

        Assert.Contains(writes, w => w.StartsWith("/taxii2/", StringComparison.Ordinal));
        Assert.Contains(writes, w => w.StartsWith("/board/", StringComparison.Ordinal));
        Assert.Contains("/add", writes);
        Assert.Contains("/blob", writes);
    }

    [Fact]
    public async Task A_taxii_401_names_the_authentication_scheme_in_www_authenticate()
    {
        await using TestBoard board = await LimitedAsync(burst: 100, exchange: true);
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient raw = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        using HttpRequestMessage get = new(HttpMethod.Get, "taxii2/api/collections/");
        get.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiMedia));
        using HttpResponseMessage r = await raw.SendAsync(get);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("Signature", r.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("ed25519", r.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        Assert.Contains("application/taxii+json", r.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        JsonElement error = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("401", error.GetProperty("http_status").GetString());
    }
}

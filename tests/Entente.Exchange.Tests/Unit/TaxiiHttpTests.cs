using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Exchange.Taxii;
using Entente.Server.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entente.Exchange.Tests.Unit;

/// <summary>The TAXII routes over real HTTP (Kestrel on a loopback port): media types, headers, codes.</summary>
public sealed class TaxiiHttpTests : IAsyncDisposable
{
    private readonly ExchangeWorld _world = new();
    private WebApplication? _app;

    private async Task<HttpClient> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new TaxiiService(_world.Service, new TaxiiServerInfo("Entente", "Exchange", "unit@example.org", "/taxii2/api/")));
        // Test authentication: the party named in a header. The server issue wires real credentials.
        builder.Services.AddSingleton(new TaxiiCallerResolver(c => c.Request.Headers["X-Test-Party"].ToString() is { Length: > 0 } p ? p : null));
        _app = builder.Build();
        _app.MapTaxiiEndpoints();
        await _app.StartAsync();
        string address = _app.Urls.First();
        HttpClient client = new() { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiService.MediaType));
        return client;
    }

    [Fact]
    public async Task Post_then_get_objects_over_http_with_taxii_media_types_and_headers()
    {
        using HttpClient client = await StartAsync();
        JsonObject envelope = JsonNode.Parse(_world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson())!.AsObject();
        using HttpRequestMessage post = new(HttpMethod.Post, $"/taxii2/api/collections/{ExchangeWorld.SharedCollection}/objects/")
        {
            Content = new StringContent(new JsonObject { ["objects"] = new JsonArray(envelope) }.ToJsonString(), Encoding.UTF8),
        };
        post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiService.MediaType);
        post.Headers.Add("X-Test-Party", ExchangeWorld.BlueId);

        using HttpResponseMessage posted = await client.SendAsync(post);
        using HttpRequestMessage get = new(HttpMethod.Get, $"/taxii2/api/collections/{ExchangeWorld.SharedCollection}/objects/?match[type]=indicator&limit=10");
        get.Headers.Add("X-Test-Party", ExchangeWorld.RedId);
        using HttpResponseMessage got = await client.SendAsync(get);
        JsonObject body = JsonNode.Parse(await got.Content.ReadAsStringAsync())!.AsObject();

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("application/taxii+json", got.Content.Headers.ContentType!.MediaType);
        Assert.Contains(got.Content.Headers.ContentType.Parameters, p => p.Name == "version" && p.Value == "2.1");
        Assert.True(got.Headers.Contains("X-TAXII-Date-Added-First"));
        Assert.Equal("indicator", body["objects"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_accept_anonymous_and_delete_get_the_taxii_error_codes()
    {
        using HttpClient client = await StartAsync();
        using HttpRequestMessage html = new(HttpMethod.Get, "/taxii2/");
        html.Headers.Accept.Clear();
        html.Headers.TryAddWithoutValidation("Accept", "text/html");
        using HttpResponseMessage notAcceptable = await new HttpClient { BaseAddress = client.BaseAddress }.SendAsync(html);
        using HttpResponseMessage anonymous = await client.GetAsync("/taxii2/api/collections/");
        using HttpRequestMessage delete = new(HttpMethod.Delete, $"/taxii2/api/collections/{ExchangeWorld.SharedCollection}/objects/indicator--00000000-0000-4000-8000-000000000000/");
        using HttpResponseMessage deleted = await client.SendAsync(delete);
        using HttpResponseMessage discovery = await client.GetAsync("/taxii2/");

        Assert.Equal(HttpStatusCode.NotAcceptable, notAcceptable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.Equal("401", JsonNode.Parse(await anonymous.Content.ReadAsStringAsync())!["http_status"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _world.Dispose();
    }
}

using System.Net;
using System.Text.Json;
using Entente.Client.Http;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// A signed request is good once, on the board it was signed for: its nonce outlives a restart of the server, and its
/// <c>@authority</c> must be covered and be one of the board's own names (issue #14, item 4).
/// </summary>
public sealed class ReplayAndAuthorityTests
{
    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {title}, got {(int)response.StatusCode} {body}");
        JsonElement problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(title, problem.GetProperty("title").GetString());
        return problem;
    }

    private static HttpRequestMessage Copy(HttpRequestMessage signed, Uri to, byte[] body)
    {
        HttpRequestMessage copy = new(signed.Method, to) { Content = new ByteArrayContent(body) };
        foreach (string h in new[] { "Content-Digest", "Signature-Input", "Signature" })
        {
            copy.Headers.TryAddWithoutValidation(h, signed.Headers.GetValues(h));
        }

        if (signed.Headers.Host is string host)
        {
            copy.Headers.Host = host;
        }

        return copy;
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_signed_request_accepted_before_a_restart_is_refused_as_a_replay_after_it(string backend)
    {
        string store = "sqlite:log.db";
        string schema = "entente";
        if (backend == "postgres")
        {
            string? cs = Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
            if (string.IsNullOrEmpty(cs))
            {
                Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "CI=true but ENTENTE_TEST_POSTGRES is not set.");
                Skip.If(true, "ENTENTE_TEST_POSTGRES is not set.");
            }

            store = "postgres:" + cs;
            schema = "replay_" + Guid.NewGuid().ToString("N")[..16];
        }

        await using TestBoard board = await TestBoard.CreateAsync(store, schema);
        string url = $"http://127.0.0.1:{TestBoard.FreePort()}";
        Uri blob = new(url + "/blob");
        byte[] body = [1, 2, 3];
        HttpRequestMessage original = new(HttpMethod.Post, blob) { Content = new ByteArrayContent(body) };
        await HttpSignatureHandler.SignAsync(original, board.Blue, DateTimeOffset.UtcNow, "restart-nonce");
        using HttpClient http = new();
        await using (WebApplication first = await ServerApp.BuildLogAsync(board.Options, url))
        {
            await first.StartAsync();
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Copy(original, blob, body))).StatusCode);
            await Problem(await http.SendAsync(Copy(original, blob, body)), HttpStatusCode.Unauthorized, "Replayed request");
            await first.StopAsync();
        }

        await using WebApplication second = await ServerApp.BuildLogAsync(board.Options, url);
        await second.StartAsync();
        JsonElement replayed = await Problem(await http.SendAsync(Copy(original, blob, body)), HttpStatusCode.Unauthorized, "Replayed request");
        Assert.Contains("restart-nonce", replayed.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A fresh signature by the same key is accepted as before.
        HttpRequestMessage fresh = new(HttpMethod.Post, blob) { Content = new ByteArrayContent(body) };
        await HttpSignatureHandler.SignAsync(fresh, board.Blue, DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(fresh)).StatusCode);
        await second.StopAsync();
    }

    [Fact]
    public async Task A_request_signed_for_another_board_or_without_covering_its_authority_is_refused()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        await using WebApplication log = await board.StartLogAsync();
        Uri blob = new(new Uri(TestBoard.Address(log)), "blob");
        using HttpClient http = new();
        byte[] body = [4, 5, 6];

        // Signed for another board (its authority), then sent here with that authority: not this board's name.
        HttpRequestMessage forOther = new(HttpMethod.Post, blob) { Content = new ByteArrayContent(body) };
        forOther.Headers.Host = "other-board.example:5080";
        await HttpSignatureHandler.SignAsync(forOther, board.Blue, DateTimeOffset.UtcNow);
        JsonElement other = await Problem(await http.SendAsync(forOther), HttpStatusCode.Unauthorized, "Wrong authority");
        Assert.Contains("other-board.example:5080", other.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A signature that does not cover @authority could be replayed to any board.
        HttpRequestMessage uncovered = new(HttpMethod.Post, blob) { Content = new ByteArrayContent(body) };
        string digest = HttpMessageSignatures.ContentDigest(body);
        uncovered.Headers.TryAddWithoutValidation("Content-Digest", digest);
        SignatureParameters parameters = new(["@method", "@path", "@query", "content-digest"],
        [
            new("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds()), new("nonce", "no-authority"), new("keyid", board.Blue.Name), new("alg", "ed25519"),
        ]);
        byte[] signatureBase = HttpMessageSignatures.SignatureBase(parameters, c => c switch
        {
            "@method" => "POST",
            "@path" => "/blob",
            "@query" => "?",
            "content-digest" => digest,
            _ => null,
        });
        (string input, string signature) = HttpMessageSignatures.Headers("sig1", parameters, board.Blue.SignRaw(signatureBase));
        uncovered.Headers.TryAddWithoutValidation("Signature-Input", input);
        uncovered.Headers.TryAddWithoutValidation("Signature", signature);
        JsonElement covers = await Problem(await http.SendAsync(uncovered), HttpStatusCode.Unauthorized, "Signature covers too little");
        Assert.Contains("@authority", covers.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Signed for this board's own address: accepted.
        using HttpClient blue = TestBoard.Signed(log, board.Blue);
        Assert.Equal(HttpStatusCode.OK, (await blue.PostAsync("blob", new ByteArrayContent(body))).StatusCode);
    }
}

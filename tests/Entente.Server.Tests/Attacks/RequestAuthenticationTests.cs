using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Server.Auth;
using Entente.Server.Board;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Server.Tests.Attacks;

/// <summary>Unsigned, forged, replayed, stale, tampered, oversized and too frequent writes are refused with ProblemDetails.</summary>
public sealed class RequestAuthenticationTests
{
    private static HttpRequestMessage Add(HttpClient client, byte[] entry) => new(HttpMethod.Post, new Uri(client.BaseAddress!, "add")) { Content = new ByteArrayContent(entry) };

    [Fact]
    public async Task Unsigned_unknown_forged_replayed_stale_and_tampered_writes_are_refused_and_nothing_is_logged()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient raw = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        byte[] entry = new LogEntry("incident.report", Hash256.Compute([7]), "blue.example", "B-7").Sign(board.Blue);
        DateTimeOffset now = DateTimeOffset.UtcNow;

        // Other writes need a request signature: 401 with a hint of what to send.
        HttpResponseMessage unsigned = await raw.PostAsync("blob", new ByteArrayContent(entry));
        await Problems.AssertAsync(unsigned, HttpStatusCode.Unauthorized, "Signature required");
        Assert.StartsWith("Signature", unsigned.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("content-digest", unsigned.Headers.GetValues("Accept-Signature").Single(), StringComparison.Ordinal);

        // An unsigned add is authenticated by the entry's own signature: a key that claims blue's name, or a party
        // the charter does not know, is refused; half a request signature is not ignored.
        using Ed25519NoteSigner impostor = Ed25519NoteSigner.Generate("blue.example");
        byte[] forgedEntry = new LogEntry("incident.report", Hash256.Compute([9]), "blue.example", "B-9").Sign(impostor);
        JsonElement badEntry = await Problems.AssertAsync(await raw.SendAsync(Add(raw, forgedEntry)), HttpStatusCode.Forbidden, "Bad signature");
        Assert.Contains("blue.example", badEntry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using Ed25519NoteSigner green = Ed25519NoteSigner.Generate("green.example");
        byte[] greenEntry = new LogEntry("incident.report", Hash256.Compute([10]), "green.example", "G-1").Sign(green);
        await Problems.AssertAsync(await raw.SendAsync(Add(raw, greenEntry)), HttpStatusCode.Forbidden, "Unknown party");
        await Problems.AssertAsync(await raw.SendAsync(Add(raw, Encoding.UTF8.GetBytes("not an entry\n"))), HttpStatusCode.BadRequest, "Malformed entry");
        HttpRequestMessage halfSigned = Add(raw, entry);
        halfSigned.Headers.TryAddWithoutValidation("Signature", "sig1=:AAAA:");
        await Problems.AssertAsync(await raw.SendAsync(halfSigned), HttpStatusCode.Unauthorized, "Signature required");

        // A key the charter does not know.
        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("green.example");
        HttpRequestMessage byStranger = Add(raw, entry);
        await HttpSignatureHandler.SignAsync(byStranger, stranger, now);
        JsonElement unknown = await Problems.AssertAsync(await raw.SendAsync(byStranger), HttpStatusCode.Unauthorized, "Unknown key");
        Assert.Contains("green.example", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A key that claims blue's name but is not blue's: the signature does not verify.
        using Ed25519NoteSigner fakeBlue = Ed25519NoteSigner.Generate("blue.example");
        HttpRequestMessage forged = Add(raw, entry);
        await HttpSignatureHandler.SignAsync(forged, fakeBlue, now);
        await Problems.AssertAsync(await raw.SendAsync(forged), HttpStatusCode.Unauthorized, "Bad signature");

        // Signed for another path, sent to /add: the base differs.
        HttpRequestMessage signedForBlob = new(HttpMethod.Post, new Uri(raw.BaseAddress!, "blob")) { Content = new ByteArrayContent(entry) };
        await HttpSignatureHandler.SignAsync(signedForBlob, board.Blue, now);
        HttpRequestMessage replayedOnAdd = new(HttpMethod.Post, new Uri(raw.BaseAddress!, "add")) { Content = new ByteArrayContent(entry) };
        foreach (string h in new[] { "Content-Digest", "Signature-Input", "Signature" })
        {
            replayedOnAdd.Headers.TryAddWithoutValidation(h, signedForBlob.Headers.GetValues(h));
        }

        await Problems.AssertAsync(await raw.SendAsync(replayedOnAdd), HttpStatusCode.Unauthorized, "Bad signature");

        // A body changed after signing: the digest no longer matches.
        HttpRequestMessage tampered = new(HttpMethod.Post, new Uri(raw.BaseAddress!, "add")) { Content = new ByteArrayContent(entry) };
        await HttpSignatureHandler.SignAsync(tampered, board.Blue, now);
        byte[] other = new LogEntry("incident.report", Hash256.Compute([8]), "blue.example", "B-8").Sign(board.Blue);
        tampered.Content = new ByteArrayContent(other);
        await Problems.AssertAsync(await raw.SendAsync(tampered), HttpStatusCode.Unauthorized, "Content digest mismatch");

        // Outside the clock-skew window, either way.
        foreach (TimeSpan skew in new[] { TimeSpan.FromMinutes(-10), TimeSpan.FromMinutes(10) })
        {
            HttpRequestMessage stale = new(HttpMethod.Post, new Uri(raw.BaseAddress!, "add")) { Content = new ByteArrayContent(entry) };
            await HttpSignatureHandler.SignAsync(stale, board.Blue, now + skew);
            await Problems.AssertAsync(await raw.SendAsync(stale), HttpStatusCode.Unauthorized, "Stale signature");
        }

        SignedCheckpoint cp = SignedCheckpoint.Open(await raw.GetByteArrayAsync("checkpoint"), board.LogKey.Verifier);
        Assert.Equal(0, cp.Checkpoint.Size);

        // The same signed request twice: the second is a replay.
        async Task<HttpResponseMessage> SendWithNonce(string nonce)
        {
            HttpRequestMessage r = new(HttpMethod.Post, new Uri(raw.BaseAddress!, "add")) { Content = new ByteArrayContent(entry) };
            await HttpSignatureHandler.SignAsync(r, board.Blue, now, nonce);
            return await raw.SendAsync(r);
        }

        Assert.Equal(HttpStatusCode.OK, (await SendWithNonce("nonce-1")).StatusCode);
        await Problems.AssertAsync(await SendWithNonce("nonce-1"), HttpStatusCode.Unauthorized, "Replayed request");
        JsonElement dup = await (await SendWithNonce("nonce-2")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(dup.GetProperty("duplicate").GetBoolean());

        // Sent again without a request signature, the same entry is still the same entry: same index, no new leaf.
        HttpResponseMessage again = await raw.SendAsync(Add(raw, entry));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        JsonElement unsignedDup = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(unsignedDup.GetProperty("duplicate").GetBoolean());
        Assert.Equal(dup.GetProperty("index").GetInt64(), unsignedDup.GetProperty("index").GetInt64());
        byte[] fresh = new LogEntry("incident.report", Hash256.Compute([11]), "blue.example", "B-11").Sign(board.Blue);
        JsonElement added = await (await raw.SendAsync(Add(raw, fresh))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(added.GetProperty("duplicate").GetBoolean());
        Assert.Equal(1, added.GetProperty("index").GetInt64());
        SignedCheckpoint after = SignedCheckpoint.Open(await raw.GetByteArrayAsync("checkpoint"), board.LogKey.Verifier);
        Assert.Equal(2, after.Checkpoint.Size);
    }

    [Fact]
    public async Task Oversized_requests_get_413_and_too_frequent_writes_get_429_with_retry_after()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        board.Options.RateLimit = new() { PermitsPerSecond = 1, Burst = 2 };
        board.Options.Limits = new() { MaxBallotBytes = 1000, MaxArtifactBytes = 2000 };
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient blue = TestBoard.Signed(log, board.Blue);
        using BoardClient device = new(new Uri(TestBoard.Address(log)), board.Device);

        JsonElement tooLarge = await Problems.AssertAsync(await blue.PostAsync("add", new ByteArrayContent(new byte[5000])), HttpStatusCode.RequestEntityTooLarge, "Request too large");
        Assert.Contains("4096", tooLarge.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Problems.AssertAsync(await device.PostAsync("board/ballots", new byte[1001], "ballot.cast"), HttpStatusCode.RequestEntityTooLarge, "Request too large");

        // blue has one request left in its bucket; the device's bucket is separate.
        Assert.Equal(HttpStatusCode.OK, (await blue.PostAsync("blob", new ByteArrayContent([1]))).StatusCode);
        HttpResponseMessage limited = await blue.PostAsync("blob", new ByteArrayContent([2]));
        await Problems.AssertAsync(limited, HttpStatusCode.TooManyRequests, "Too many requests");
        Assert.True(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds >= 1);
        await Problems.AssertAsync(await device.PostAsync("board/ballots", new byte[10], "ballot.cast"), HttpStatusCode.Conflict, "Not yet");

        // Reads are never limited.
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync("checkpoint")).StatusCode);
        }
    }

    [Fact]
    public async Task Board_writes_check_roles_entries_and_parties()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        await using WebApplication log = await board.StartLogAsync();
        Uri address = new(TestBoard.Address(log));
        using BoardClient blue = new(address, board.Blue);
        using BoardClient red = new(address, board.Red);
        byte[] charter = await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json"));

        // Missing or mismatched entry, wrong type, another party's entry, a charter that is not the server's.
        HttpResponseMessage noEntry = await blue.Http.PostAsync("board/charter", new ByteArrayContent(charter));
        await Problems.AssertAsync(noEntry, HttpStatusCode.BadRequest, "Entry required");
        await Problems.AssertAsync(await blue.PostAsync("board/charter", charter, "manifest", cosigners: [board.Red]), HttpStatusCode.UnprocessableEntity, "Entry does not match");
        // A joint artifact's entry names the party that proposed it (any party may relay it once signed): never a
        // member that is not a party, even with every party's signature.
        SignedNote byDevice = SignedNote.Parse(new LogEntry("charter", Hash256.Compute(charter), board.Device.Name).Sign(board.Device));
        byDevice = byDevice.WithSignature(board.Blue.Sign(byDevice.TextBytes)).WithSignature(board.Red.Sign(byDevice.TextBytes));
        using HttpRequestMessage asOther = new(HttpMethod.Post, "board/charter") { Content = new ByteArrayContent(charter) };
        asOther.Headers.TryAddWithoutValidation(BoardProtocol.EntryHeader, Convert.ToBase64String(byDevice.ToBytes()));
        JsonElement wrongParty = await Problems.AssertAsync(await blue.Http.SendAsync(asOther), HttpStatusCode.UnprocessableEntity, "Entry does not match");
        Assert.Contains("party", wrongParty.GetProperty("detail").GetString(), StringComparison.Ordinal);
        byte[] otherCharter = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(charter).Replace("device-1", "device-2", StringComparison.Ordinal));
        await Problems.AssertAsync(await blue.PostAsync("board/charter", otherCharter, "charter", cosigners: [board.Red]), HttpStatusCode.UnprocessableEntity, "Not this board's charter");

        // Board artifact types cannot bypass the board through the raw log.
        using HttpClient raw = TestBoard.Signed(log, board.Blue);
        byte[] ballotEntry = new LogEntry("ballot.cast", Hash256.Compute([1]), "blue.example", "X").Sign(board.Blue);
        await Problems.AssertAsync(await raw.PostAsync("add", new ByteArrayContent(ballotEntry)), HttpStatusCode.Forbidden, "Owned entry type");

        // Unknown routes and unknown artifacts are ProblemDetails too.
        await Problems.AssertAsync(await raw.GetAsync("board/ballots/ABCD"), HttpStatusCode.NotFound, "Not on the board");
        HttpResponseMessage missing = await raw.GetAsync("no/such/route");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        await Problems.AssertAsync(await raw.GetAsync("board/ballots?limit=5000"), HttpStatusCode.BadRequest, "Bad page");
    }

    [Fact]
    public async Task A_taxii_caller_is_the_stix_identity_of_the_charter_member_whose_key_signed_the_request()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        const string redOnly = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
        Entente.Exchange.ExchangeService exchange = new(
            new Entente.Exchange.Storage.MemoryExchangeStore(),
            new Entente.Exchange.Envelopes.PartyRegistry([new Entente.Exchange.Envelopes.Party("Red", TestBoard.RedIdentity, board.Red.PublicKey)]),
            [new Entente.Exchange.CollectionDefinition(redOnly, "Red notes", "Red only", new HashSet<string> { TestBoard.RedIdentity }, new HashSet<string> { TestBoard.RedIdentity }, false)],
            TimeProvider.System);
        WebApplication log = await ServerApp.BuildLogAsync(board.Options, "http://127.0.0.1:0",
            services => services.AddSingleton(new Entente.Exchange.Taxii.TaxiiService(exchange, new Entente.Exchange.Taxii.TaxiiServerInfo("Entente", "Exchange", "unit@example.org", "/taxii2/api/"))));
        await using (log)
        {
            await log.StartAsync();
            async Task<HttpResponseMessage> Collections(HttpClient client)
            {
                using HttpRequestMessage get = new(HttpMethod.Get, new Uri(client.BaseAddress!, "taxii2/api/collections/"));
                get.Headers.Accept.ParseAdd(Entente.Exchange.Taxii.TaxiiService.MediaType);
                return await client.SendAsync(get);
            }

            using HttpClient anonymous = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
            using HttpClient asRed = TestBoard.Signed(log, board.Red);
            using HttpClient asBlue = TestBoard.Signed(log, board.Blue);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Collections(anonymous)).StatusCode);
            HttpResponseMessage red = await Collections(asRed);
            Assert.Equal(HttpStatusCode.OK, red.StatusCode);
            Assert.Contains(redOnly, await red.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            // Blue is in the charter but has no STIX identity, so the exchange does not know it.
            Assert.DoesNotContain(redOnly, await (await Collections(asBlue)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using Ed25519NoteSigner fakeRed = Ed25519NoteSigner.Generate("red.example");
            using HttpClient asFakeRed = TestBoard.Signed(log, fakeRed);
            await Problems.AssertAsync(await Collections(asFakeRed), HttpStatusCode.Unauthorized, "Bad signature");
        }
    }

    [Fact]
    public async Task The_openapi_document_lists_every_route()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient http = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        JsonElement doc = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Entente board", doc.GetProperty("info").GetProperty("title").GetString());
        JsonElement paths = doc.GetProperty("paths");
        foreach (string path in new[] { "/checkpoint", "/add", "/blob", "/blob/{sha256}", "/proof/inclusion", "/proof/consistency", "/receipt/{index}", "/board", "/board/record" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        foreach (BoardKind kind in BoardKind.All)
        {
            string post = kind.Collection == "decryptions" ? "/board/decryptions/{round}" : "/board/" + kind.Collection;
            Assert.True(paths.GetProperty(post).TryGetProperty("post", out JsonElement operation), $"POST {post} is missing");
            Assert.True(operation.GetProperty("responses").TryGetProperty("201", out _));
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
            string[] headers = [.. operation.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()!)];
            Assert.Contains("Signature-Input", headers);
            Assert.Contains(BoardProtocol.EntryHeader, headers);
            Assert.True(paths.GetProperty("/board/" + kind.Collection).TryGetProperty("get", out _), $"GET /board/{kind.Collection} is missing");
            if (!kind.Singleton)
            {
                Assert.True(paths.TryGetProperty($"/board/{kind.Collection}/{{id}}", out _), $"GET /board/{kind.Collection}/{{id}} is missing");
            }
        }
    }
}

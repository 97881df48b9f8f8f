using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Client.Http;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;
using Entente.Server.Board;
using Entente.Server.Exchange;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// Confidential incident messages stay with their readers (issue #14, item 6), end to end over HTTP against a real board
/// (Kestrel on loopback, SQLite) and the real `entente` CLI: a charter of Blue, Red and Green, each with a STIX identity
/// and an encryption key signed by its charter key; one collection Blue and Red read and write, which Green cannot.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SealedExchangeTests(Browser.ChromiumFixture chromium) : IAsyncLifetime, IClassFixture<Browser.ChromiumFixture>
{
    private const string BlueIdentity = "identity--6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d";
    private const string RedIdentity = "identity--0b7f2f4a-3c34-4d6e-9a3e-2f1b6c1d8e90";
    private const string GreenIdentity = "identity--2c4e6a8b-1d3f-4a5b-8c7d-9e0f1a2b3c4d";
    private const string CollectionId = "7a1e4c2b-9d3f-4e5a-8b6c-0d1e2f3a4b5c";
    private const string TaxiiMedia = "application/taxii+json;version=2.1";

    /// <summary>The words of the TLP:AMBER report that must never be served in the clear to anyone but Blue and Red.</summary>
    private const string Secret = "Firmware of the ballot scanners at depot 7 was altered";

    private readonly string _dir = Directory.CreateTempSubdirectory("entente-sealed-").FullName;
    private readonly Ed25519NoteSigner _blue = Ed25519NoteSigner.Generate("Blue");
    private readonly Ed25519NoteSigner _red = Ed25519NoteSigner.Generate("Red");
    private readonly Ed25519NoteSigner _green = Ed25519NoteSigner.Generate("Green");
    private LogServerOptions _options = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "charter.json"), Charter(forgeGreen: false));
        await File.WriteAllTextAsync(Path.Combine(_dir, "blue.key"), _blue.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(_dir, "red.key"), _red.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(_dir, "green.key"), _green.ExportSkey());
        HostedExchangeOptions exchange = HostedExchangeOptions.Current();
        exchange.Collections.Add(new ExchangeCollectionOptions
        {
            Id = CollectionId, Title = "Blue and Red", Description = "Incidents between Blue and Red.", CanRead = ["Blue", "Red"], CanWrite = ["Blue", "Red"], Public = true,
        });
        _options = new LogServerOptions
        {
            Origin = "entente.test/board", Store = "sqlite:board.db", Key = "log.key", Charter = "charter.json", BaseDirectory = _dir, Board = true, Exchange = exchange,
        };
        _options.Save(Path.Combine(_dir, "board.json"));
        await BoardHost.PrepareAsync(_options);
    }

    /// <summary>The charter; with <paramref name="forgeGreen"/>, Green's encryption key is Blue's binding (signed by Blue for Blue's identity).</summary>
    private string Charter(bool forgeGreen)
    {
        string Member(Ed25519NoteSigner key, string identity, CharterEncryptionKey encryption) =>
            $$"""{ "name": "{{key.Name}}", "key": "{{key.VerifierKey}}", "roles": ["party"], "identity": "{{identity}}", "encryption_key": { "x25519": "{{encryption.X25519}}", "signature": "{{encryption.Signature}}" } }""";
        CharterEncryptionKey blue = HostedExchange.EncryptionKeyFor(_blue.ExportSkey(), BlueIdentity);
        CharterEncryptionKey green = forgeGreen ? blue : HostedExchange.EncryptionKeyFor(_green.ExportSkey(), GreenIdentity);
        return $$"""
            { "parties": [
              {{Member(_blue, BlueIdentity, blue)}},
              {{Member(_red, RedIdentity, HostedExchange.EncryptionKeyFor(_red.ExportSkey(), RedIdentity))}},
              {{Member(_green, GreenIdentity, green)}} ] }
            """;
    }

    public Task DisposeAsync()
    {
        _blue.Dispose();
        _red.Dispose();
        _green.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a child process may still hold the folder for a moment.
        }

        return Task.CompletedTask;
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        ProcessStartInfo start = new("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "entente.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["NO_COLOR"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    private async Task<WebApplication> StartAsync()
    {
        WebApplication app = await ServerApp.BuildLogAsync(_options, "http://127.0.0.1:0");
        await app.StartAsync();
        return app;
    }

    private static HttpClient Signed(WebApplication app, Ed25519NoteSigner key)
    {
        HttpClient client = TestBoard.Signed(app, key);
        client.DefaultRequestHeaders.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiMedia));
        return client;
    }

    private async Task<string> WriteAmberReportAsync(string name)
    {
        string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
        JsonObject report = new()
        {
            ["type"] = "report", ["spec_version"] = "2.1", ["id"] = StixId.NewV4("report").ToString(), ["created"] = now, ["modified"] = now,
            ["created_by_ref"] = BlueIdentity, ["name"] = "Depot 7 scanners", ["description"] = Secret, ["published"] = now,
            ["report_types"] = new JsonArray("attack-pattern"), ["object_refs"] = new JsonArray(BlueIdentity), ["object_marking_refs"] = new JsonArray(Tlp.Amber),
        };
        await File.WriteAllTextAsync(Path.Combine(_dir, name), report.ToJsonString());
        return report["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_TLP_AMBER_report_filed_with_the_cli_is_sealed_readable_by_its_readers_and_absent_in_the_clear_for_everyone_else()
    {
        await using WebApplication app = await StartAsync();
        string url = TestBoard.Address(app);
        string reportId = await WriteAmberReportAsync("amber-report.json");

        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--server", url, "--key", "blue.key", "--to", "Red",
            "--subject", "Altered scanners", "--priority", "high", "--evidence", "amber-report.json", "--json");
        Assert.True(filed == 0, filedErr);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();

        // The host holds the report sealed to exactly Blue and Red.
        HostedExchange exchange = app.Services.GetRequiredService<HostedExchange>();
        ExchangeEntry stored = Assert.Single(await exchange.FindAsync(reportId, default));
        Assert.True(stored.IsSealed);
        SealedEnvelope sealedEnvelope = SealedEnvelope.Parse(stored.Envelope);
        Assert.Equal([RedIdentity, BlueIdentity], sealedEnvelope.Readers.Select(r => r.IdentityRef));
        Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(stored.Envelope), StringComparison.Ordinal);

        // Red, a reader: `incident show` verifies both messages, and the report opens with Red's key from TAXII.
        (int shown, string showOut, string showErr) = Run("incident", "show", request, "--server", url, "--key", "red.key", "--json");
        Assert.True(shown == 0, showErr + showOut);
        JsonArray timeline = JsonNode.Parse(showOut)!["timeline"]!.AsArray();
        Assert.Equal(2, timeline.Count);
        Assert.All(timeline, step => Assert.True(step!["verified"]!.GetValue<bool>(), step.ToJsonString()));
        Assert.Contains(timeline, step => step!["object"]!.GetValue<string>() == reportId);
        using (HttpClient red = Signed(app, _red))
        {
            JsonArray objects = JsonNode.Parse(await red.GetStringAsync($"taxii2/api/collections/{CollectionId}/objects/"))!["objects"]!.AsArray();
            JsonNode? served = Assert.Single(objects, o => o!["envelope"]?.GetValue<string>() == SealedEnvelope.Format);
            Assert.DoesNotContain(Secret, served!.ToJsonString(), StringComparison.Ordinal);
            SealedEnvelope fromTaxii = SealedEnvelope.Parse(Encoding.UTF8.GetBytes(served.ToJsonString()));
            using PartyKey redKey = PartyKeyOf(_red);
            using EncryptionKey redEncryption = EncryptionKey.Derive(redKey);
            Assert.True(fromTaxii.TryOpen(redEncryption, RedIdentity, out SignedEnvelope? opened, out string problem), problem);
            Assert.Equal(Secret, opened.Payload.Json.GetProperty("description").GetString());
        }

        // Green, a charter party but not a reader: the CLI finds nothing; TAXII does not even name the collection; proofs are 404.
        (int greenShown, _, string greenErr) = Run("incident", "show", request, "--server", url, "--key", "green.key");
        Assert.Equal(2, greenShown);
        Assert.Contains("No request", greenErr, StringComparison.Ordinal);
        using (HttpClient green = Signed(app, _green))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await green.GetAsync($"taxii2/api/collections/{CollectionId}/objects/")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await green.GetAsync($"exchange/objects/{reportId}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await green.GetAsync($"exchange/entries/{stored.Index}")).StatusCode);
        }

        // Anyone: no route serves the report's words, its envelope or its leaf; the pages show it as sealed.
        using HttpClient anonymous = new() { BaseAddress = new Uri(url) };
        List<string> routes = ["", "incidents", "incidents/party/Blue", "incidents/party/Red", $"incidents/request/{request}", "log", "exchange/unit",
            $"exchange/objects/{reportId}", $"exchange/entries/{stored.Index}", $"taxii2/api/collections/{CollectionId}/objects/",
            $"blob/{stored.EnvelopeHash.ToHex()}", $"blob/{Hash256.Compute(stored.ToLeafBytes()).ToHex()}"];
        long count = await exchange.Service.Store.CountAsync();
        for (long i = 0; i < count; i++)
        {
            routes.Add($"api/exchange/{i}");
        }

        foreach (string route in routes)
        {
            HttpResponseMessage response = await anonymous.GetAsync(route);
            string body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(sealedEnvelope.Ciphertext), body, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"blob/{stored.EnvelopeHash.ToHex()}")).StatusCode);
        string incidents = await anonymous.GetStringAsync("incidents");
        Assert.Contains("data-confidential=\"sealed\"", incidents, StringComparison.Ordinal);
        Assert.Contains("for Blue, Red only", incidents, StringComparison.Ordinal);
        JsonElement api = JsonDocument.Parse(await anonymous.GetStringAsync($"api/exchange/{stored.Index}")).RootElement;
        Assert.Equal(JsonValueKind.Null, api.GetProperty("envelope").ValueKind);
        Assert.Equal(SealedEnvelope.Format + " signature\n", api.GetProperty("signature_context").GetString());

        // The board's log and the stores on disk: the words appear nowhere.
        LogService log = app.Services.GetRequiredService<LogService>();
        IReadOnlyList<byte[]> entries = await log.Store.ReadEntriesAsync(0, (int)log.Sequencer.Head.Size);
        Assert.All(entries, e => Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(e), StringComparison.Ordinal));
        Assert.Contains(entries, e => LogEntry.Parse(e).Entry.Type == "exchange.report");
        foreach (string file in Directory.GetFiles(_dir, "*.db*"))
        {
            byte[] bytes;
            using (FileStream f = new(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[f.Length];
                f.ReadExactly(bytes);
            }

            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Secret)) < 0, $"{file} holds the report in the clear");
        }
    }

    [Fact]
    public async Task A_TLP_AMBER_report_posted_in_the_clear_is_refused_naming_the_rule_and_nothing_is_stored()
    {
        await using WebApplication app = await StartAsync();
        using PartyKey blueKey = PartyKeyOf(_blue);
        string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
        StixObject note = StixObject.Parse(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = "note", ["spec_version"] = "2.1", ["id"] = StixId.NewV4("note").ToString(), ["created"] = now, ["modified"] = now,
            ["created_by_ref"] = BlueIdentity, ["content"] = Secret, ["object_refs"] = new JsonArray(BlueIdentity), ["object_marking_refs"] = new JsonArray(Tlp.Amber),
        }.ToJsonString()));
        SignedEnvelope clear = SignedEnvelope.Create(blueKey, BlueIdentity, CollectionId, null, DateTimeOffset.UtcNow, note);
        using HttpClient blue = Signed(app, _blue);
        StringContent body = new($$"""{ "objects": [ {{Encoding.UTF8.GetString(clear.ToCanonicalJson())}} ] }""");
        body.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiMedia);
        HttpResponseMessage response = await blue.PostAsync($"taxii2/api/collections/{CollectionId}/objects/", body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        JsonNode status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(1, status["failure_count"]!.GetValue<int>());
        string message = status["failures"]![0]!["message"]!.GetValue<string>();
        Assert.Contains("must travel sealed", message, StringComparison.Ordinal);
        Assert.Contains("TLP:AMBER", message, StringComparison.Ordinal);
        Assert.Equal(0, await app.Services.GetRequiredService<HostedExchange>().Service.Store.CountAsync());
    }

    [Fact]
    public async Task The_unit_lists_each_party_s_signed_encryption_key_and_each_collection_s_visibility_as_the_client_reads_them()
    {
        await using WebApplication app = await StartAsync();
        using Entente.Client.Exchange.ExchangeClient client = new(new Uri(TestBoard.Address(app)));
        Entente.Client.Exchange.ExchangeUnit unit = await client.GetUnitAsync();

        PartyRegistry parties = unit.ToParties();
        Assert.Equal(3, parties.All.Count);
        foreach (Party p in parties.All)
        {
            Assert.NotNull(p.EncryptionKey); // the Party constructor checked each binding against the party's key
        }

        Assert.True(parties.TryGetByIdentity(RedIdentity, out Party? red));
        using PartyKey redKey = PartyKeyOf(_red);
        using EncryptionKey derived = EncryptionKey.Derive(redKey);
        Assert.Equal(derived.PublicKey, red.EncryptionKey!.PublicKey);
        Entente.Client.Exchange.ExchangeCollectionInfo collection = Assert.Single(unit.Collections);
        Assert.True(collection.Public);
    }

    [Fact]
    public async Task A_forged_encryption_key_signature_in_the_charter_stops_entente_serve_at_start_with_one_line()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "charter.json"), Charter(forgeGreen: true));
        StringWriter output = new();
        StringWriter error = new();
        int code = await Entente.Cli.Program.BuildRootCommand().Parse(["serve", "--config", Path.Combine(_dir, "board.json"), "--urls", $"http://127.0.0.1:{TestBoard.FreePort()}"])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(2, code);
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(lines);
        Assert.StartsWith("error: charter: party Green: encryption_key", line, StringComparison.Ordinal);
        Assert.Contains("not signed by Green's charter key", line, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FormatException>(() => ServerApp.BuildLogAsync(_options, "http://127.0.0.1:0"));
    }

    [Fact]
    public async Task An_AMBER_message_an_older_server_stored_in_the_clear_is_not_served_in_the_clear_after_the_upgrade()
    {
        // The older server: no sealing settings, so TLP:AMBER was accepted in the clear, and its blobs were published.
        HostedExchangeOptions current = _options.Exchange!;
        _options.Exchange = new HostedExchangeOptions { Collections = current.Collections };
        _options.Exchange.Collections[0].Public = null;
        ExchangeEntry legacy;
        await using (WebApplication old = await StartAsync())
        {
            using PartyKey blueKey = PartyKeyOf(_blue);
            string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
            StixObject note = StixObject.Parse(Encoding.UTF8.GetBytes(new JsonObject
            {
                ["type"] = "note", ["spec_version"] = "2.1", ["id"] = StixId.NewV4("note").ToString(), ["created"] = now, ["modified"] = now,
                ["created_by_ref"] = BlueIdentity, ["content"] = Secret, ["object_refs"] = new JsonArray(BlueIdentity), ["object_marking_refs"] = new JsonArray(Tlp.Amber),
            }.ToJsonString()));
            HostedExchange hosted = old.Services.GetRequiredService<HostedExchange>();
            legacy = (await hosted.Service.SubmitAsync(SignedEnvelope.Create(blueKey, BlueIdentity, CollectionId, null, DateTimeOffset.UtcNow, note))).Entry;
            Assert.False(legacy.IsSealed);
            LogService log = old.Services.GetRequiredService<LogService>();
            await log.Blobs.PutAsync(legacy.Envelope); // what servers before sealing did for every message
            await log.Blobs.PutAsync(legacy.ToLeafBytes());
        }

        // The upgrade: the same data under a configuration that states the sealing settings.
        _options.Exchange = current;
        await using WebApplication app = await StartAsync();
        using HttpClient anonymous = new() { BaseAddress = new Uri(TestBoard.Address(app)) };
        HttpResponseMessage blob = await anonymous.GetAsync($"blob/{legacy.EnvelopeHash.ToHex()}");
        Assert.Equal(HttpStatusCode.NotFound, blob.StatusCode);
        Assert.Contains("Withheld", await blob.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"blob/{Hash256.Compute(legacy.ToLeafBytes()).ToHex()}")).StatusCode);
        foreach (string route in new[] { "incidents", "incidents/party/Blue", $"api/exchange/{legacy.Index}" })
        {
            string body = await (await anonymous.GetAsync(route)).Content.ReadAsStringAsync();
            Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        }

        Assert.Contains("data-confidential=\"withheld\"", await anonymous.GetStringAsync("incidents"), StringComparison.Ordinal);
        // Its readers still read it (nothing stored is lost): TAXII serves it to Red.
        using HttpClient red = Signed(app, _red);
        Assert.Contains(Secret, await red.GetStringAsync($"taxii2/api/collections/{CollectionId}/objects/"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_incidents_page_shows_a_sealed_message_as_sealed_and_the_browser_verifies_it_and_the_clear_request_from_the_board_s_proofs()
    {
        Microsoft.Playwright.IBrowser browser = chromium.RequireBrowser();
        await using WebApplication app = await StartAsync();
        string url = TestBoard.Address(app);
        await WriteAmberReportAsync("amber-report.json");
        (int filed, _, string filedErr) = Run("incident", "file", "--server", url, "--key", "blue.key", "--to", "Red", "--subject", "Altered scanners", "--evidence", "amber-report.json");
        Assert.True(filed == 0, filedErr);

        Microsoft.Playwright.IPage page = await browser.NewPageAsync();
        await page.GotoAsync(url + "incidents");
        await page.WaitForSelectorAsync("body[data-browser-checked=done]", new Microsoft.Playwright.PageWaitForSelectorOptions { Timeout = 60_000 });
        Assert.Equal(2, await page.Locator("li[data-server-verdict=verified][data-browser-verdict=verified]").CountAsync());
        Microsoft.Playwright.ILocator sealedMessage = page.Locator("li[data-confidential=sealed]");
        Assert.Equal(1, await sealedMessage.CountAsync());
        string shown = await sealedMessage.InnerTextAsync();
        Assert.Contains("Blue", shown, StringComparison.Ordinal);
        Assert.Contains("for Blue, Red only", shown, StringComparison.Ordinal);
        Assert.Contains("Rechecked in your browser: Sealed", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Contains("Altered scanners", await page.ContentAsync(), StringComparison.Ordinal); // the request itself is public (unmarked, public collection)
    }

    private static PartyKey PartyKeyOf(Ed25519NoteSigner signer)
    {
        byte[] blob = Convert.FromBase64String(signer.ExportSkey().Split('+', 5)[4]);
        try
        {
            return PartyKey.FromSeed(blob.AsSpan(1, PartyKey.SeedSize));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(blob);
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Client.Http;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Stix;
using Entente.Server;
using Entente.Server.Auth;
using Entente.Server.Board;
using Entente.Server.Exchange;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Exchange.Tests.Cli;

/// <summary>
/// `entente incident --server` against the exchange a real board server hosts (Kestrel on a loopback port, SQLite,
/// a charter of two parties): requests for assistance over TAXII with signed requests, proofs on the board's log.
/// </summary>
[Trait("Category", "Slow")]
public sealed class IncidentServerTests : IAsyncLifetime
{
    private const string BlueIdentity = "identity--6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d";
    private const string RedIdentity = "identity--0b7f2f4a-3c34-4d6e-9a3e-2f1b6c1d8e90";
    private const string TaxiiMedia = "application/taxii+json;version=2.1";
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-incident-server-").FullName;
    private readonly Ed25519NoteSigner _blue = Ed25519NoteSigner.Generate("Blue");
    private readonly Ed25519NoteSigner _red = Ed25519NoteSigner.Generate("Red");
    private WebApplication _app = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "charter.json"), $$"""
            { "parties": [
              { "name": "Blue", "key": "{{_blue.VerifierKey}}", "roles": ["party"], "identity": "{{BlueIdentity}}" },
              { "name": "Red", "key": "{{_red.VerifierKey}}", "roles": ["party"], "identity": "{{RedIdentity}}" } ] }
            """);
        await File.WriteAllTextAsync(Path.Combine(_dir, "blue.key"), _blue.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(_dir, "red.key"), _red.ExportSkey());
        LogServerOptions options = new()
        {
            Origin = "entente.test/board", Store = "sqlite:board.db", Key = "log.key", Charter = "charter.json",
            BaseDirectory = _dir, Board = true, Exchange = new HostedExchangeOptions(),
        };
        await BoardHost.PrepareAsync(options);
        _options = options;
        await StartAsync();
    }

    private LogServerOptions _options = null!;

    private async Task StartAsync()
    {
        _app = await ServerApp.BuildLogAsync(_options, "http://127.0.0.1:0");
        await _app.StartAsync();
        _url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";
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

    [Fact]
    public async Task Parties_file_acknowledge_answer_list_show_and_export_through_the_server_with_proofs_on_the_board()
    {
        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--server", _url, "--key", "blue.key", "--to", "Red",
            "--subject", "Scanning of the results portal", "--severity", "high", "--json");
        Assert.True(filed == 0, filedErr);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();

        (int byRequester, _, string byRequesterErr) = Run("incident", "ack", request, "--server", _url, "--key", "blue.key");
        (int acked, _, string ackErr) = Run("incident", "ack", request, "--server", _url, "--key", "red.key");
        (int listedAck, string listAckOut, _) = Run("incident", "list", "--server", _url, "--key", "blue.key", "--json");
        (int answered, _, string answerErr) = Run("incident", "answer", request, "--server", _url, "--key", "red.key", "--text", "Blocked at our border; logs attached later.");
        (int listed, string listOut, string listErr) = Run("incident", "list", "--server", _url, "--key", "blue.key", "--json");
        (int shown, string showOut, string showErr) = Run("incident", "show", request, "--server", _url, "--key", "blue.key", "--json");
        (int exported, _, string exportErr) = Run("incident", "export", "--server", _url, "--key", "red.key", "--out", "bundle.json");

        Assert.Equal(2, byRequester);
        Assert.Contains("only the addressee", byRequesterErr, StringComparison.Ordinal);
        Assert.True(acked == 0, ackErr);
        Assert.Equal(0, listedAck);
        Assert.Equal("acknowledged", JsonNode.Parse(listAckOut)![0]!["status"]!.GetValue<string>());
        Assert.True(answered == 0, answerErr);
        Assert.True(listed == 0, listErr);
        JsonNode listedCase = JsonNode.Parse(listOut)![0]!;
        Assert.Equal("answered", listedCase["status"]!.GetValue<string>());
        Assert.Equal("Red", listedCase["to"]!.GetValue<string>());
        Assert.True(shown == 0, showErr);
        JsonArray timeline = JsonNode.Parse(showOut)!["timeline"]!.AsArray();
        Assert.Equal(3, timeline.Count);
        Assert.All(timeline, step => Assert.True(step!["verified"]!.GetValue<bool>(), step.ToJsonString()));
        Assert.All(timeline, step => Assert.Contains("board entry", step!["checks"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.True(exported == 0, exportErr);
        using JsonDocument bundle = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir, "bundle.json")));
        Assert.Empty(StixValidator.ValidateBundle(bundle.RootElement));
        Assert.Empty(OasisStixChecks.Check(bundle.RootElement));
        // The extension definition and its author, then the three messages.
        Assert.Equal(5, bundle.RootElement.GetProperty("objects").GetArrayLength());
        JsonArray proofs = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "bundle.json.proofs.json")))!["entries"]!.AsArray();
        Assert.Equal(3, proofs.Count);
        Assert.All(proofs, p => Assert.True(p!["verification"]!["inclusion"]!.GetValue<bool>()));

        // The board's log holds the three messages as exchange.<type> entries, in exchange order.
        LogService log = _app.Services.GetRequiredService<LogService>();
        List<long> onBoard = await HostedExchange.ExchangeBoardIndexesAsync(log.Store, log.Sequencer.Head.Size, default);
        Assert.Equal(3, onBoard.Count);
        IReadOnlyList<byte[]> first = await log.Store.ReadEntriesAsync(onBoard[0], 1);
        Assert.Equal(BoardAnchor.BoardType("entente-assistance-request"), LogEntry.Parse(first[0]).Entry.Type);
        Assert.Equal(timeline.Select(t => t!["index"]!.GetValue<long>()), [0L, 1L, 2L]);
    }

    [Fact]
    public async Task Show_fails_verification_against_a_pinned_policy_with_another_log_key()
    {
        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--server", _url, "--key", "blue.key", "--to", "Red", "--subject", "Defacement", "--json");
        Assert.True(filed == 0, filedErr);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();
        using Ed25519NoteSigner impostor = Ed25519NoteSigner.Generate("entente.test/board");
        await File.WriteAllTextAsync(Path.Combine(_dir, "policy.txt"), $"log {impostor.VerifierKey}\nquorum none\n");

        (int shown, string showOut, _) = Run("incident", "show", request, "--server", _url, "--key", "red.key", "--policy", "policy.txt", "--json");
        (int bad, _, string badErr) = Run("incident", "list", "--server", "not a url", "--key", "red.key");

        Assert.Equal(1, shown);
        JsonNode step = JsonNode.Parse(showOut)!["timeline"]![0]!;
        Assert.False(step["verified"]!.GetValue<bool>());
        Assert.Contains("checkpoint", step["failures"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, bad);
        Assert.Contains("--server", badErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_replayed_and_wrong_party_submissions_are_refused_and_nothing_is_logged()
    {
        LogService log = _app.Services.GetRequiredService<LogService>();
        long before = log.Sequencer.Head.Size;
        string collection = HostedExchange.DefaultCollectionId;
        Uri objects = new(new Uri(_url), $"taxii2/api/collections/{collection}/objects/");

        // Blue signs an envelope claiming to be Red (its own key, Red's identity).
        byte[] seed = Convert.FromBase64String(_blue.ExportSkey().Split('+', 5)[4])[1..];
        using PartyKey blueKey = PartyKey.FromSeed(seed);
        StixObject note = StixObject.Parse(Encoding.UTF8.GetBytes($$"""
            {"type":"note","spec_version":"2.1","id":"note--{{Guid.NewGuid()}}","created":"2026-11-03T08:00:00.000Z","modified":"2026-11-03T08:00:00.000Z","content":"x","object_refs":["{{BlueIdentity}}"],"created_by_ref":"{{RedIdentity}}"}
            """));
        SignedEnvelope forged = SignedEnvelope.Create(blueKey, RedIdentity, collection, null, DateTimeOffset.UtcNow, note);
        byte[] body = Encoding.UTF8.GetBytes("{\"objects\":[" + Encoding.UTF8.GetString(forged.ToCanonicalJson()) + "]}");

        using HttpClient plain = new();
        HttpRequestMessage Post()
        {
            HttpRequestMessage m = new(HttpMethod.Post, objects) { Content = new ByteArrayContent(body) };
            m.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiMedia);
            m.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiMedia));
            return m;
        }

        using HttpResponseMessage unsigned = await plain.SendAsync(Post());

        using HttpRequestMessage signedOnce = Post();
        await HttpSignatureHandler.SignAsync(signedOnce, _blue, DateTimeOffset.UtcNow, nonce: "fixed-nonce-1");
        using HttpResponseMessage wrongParty = await plain.SendAsync(signedOnce);
        JsonNode status = JsonNode.Parse(await wrongParty.Content.ReadAsStringAsync())!;

        using HttpRequestMessage replay = Post();
        await HttpSignatureHandler.SignAsync(replay, _blue, DateTimeOffset.UtcNow, nonce: "fixed-nonce-1");
        using HttpResponseMessage replayed = await plain.SendAsync(replay);

        using HttpResponseMessage anonymousProof = await plain.GetAsync(new Uri(new Uri(_url), "exchange/entries/0"));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, wrongParty.StatusCode);
        Assert.Equal(1, status["failure_count"]!.GetValue<int>());
        Assert.Contains("authenticated as " + BlueIdentity, status["failures"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, anonymousProof.StatusCode);
        Assert.Equal(before, log.Sequencer.Head.Size);
    }

    [Fact]
    public async Task A_restarted_server_anchors_what_a_crash_left_off_the_board_and_proofs_still_verify()
    {
        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--server", _url, "--key", "blue.key", "--to", "Red", "--subject", "Phishing wave", "--json");
        Assert.True(filed == 0, filedErr);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();
        await _app.StopAsync();
        await _app.DisposeAsync();

        // A crash between the exchange store's append and the board's: Red's acknowledgement is stored but not anchored.
        global::Entente.Storage.Sqlite.Exchange.SqliteExchangeStore store = await global::Entente.Storage.Sqlite.Exchange.SqliteExchangeStore.OpenAsync(Path.Combine(_dir, "exchange.db"));
        Charter charter = Charter.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "charter.json")));
        using (ExchangeService offline = new(store, HostedExchange.Parties(charter), [new CollectionDefinition(HostedExchange.DefaultCollectionId, "t", "d", new HashSet<string>(), new HashSet<string>(), false)], TimeProvider.System))
        {
            using PartyKey redKey = PartyKey.FromSeed(Convert.FromBase64String(_red.ExportSkey().Split('+', 5)[4]).AsSpan(1));
            string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
            StixObject ack = StixObject.Parse(Encoding.UTF8.GetBytes($$"""
                {"type":"entente-assistance-ack","spec_version":"2.1","id":"entente-assistance-ack--{{Guid.NewGuid()}}","created":"{{now}}","modified":"{{now}}","created_by_ref":"{{RedIdentity}}","request_ref":"{{request}}"}
                """));
            await offline.SubmitAsync(SignedEnvelope.Create(redKey, RedIdentity, HostedExchange.DefaultCollectionId, BlueIdentity, DateTimeOffset.UtcNow, ack));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await StartAsync();
        (int listed, string listOut, string listErr) = Run("incident", "list", "--server", _url, "--key", "blue.key", "--json");
        (int shown, string showOut, string showErr) = Run("incident", "show", request, "--server", _url, "--key", "blue.key", "--json");

        LogService log = _app.Services.GetRequiredService<LogService>();
        Assert.Equal(2, (await HostedExchange.ExchangeBoardIndexesAsync(log.Store, log.Sequencer.Head.Size, default)).Count);
        Assert.True(listed == 0, listErr);
        Assert.Equal("acknowledged", JsonNode.Parse(listOut)![0]!["status"]!.GetValue<string>());
        Assert.True(shown == 0, showErr + showOut);
        Assert.All(JsonNode.Parse(showOut)!["timeline"]!.AsArray(), step => Assert.True(step!["verified"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task With_a_witness_show_verifies_against_the_cosigned_checkpoint_and_a_pinned_policy()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        using Ed25519NoteSigner logKey = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(Path.Combine(_dir, "log.key"))).Trim());
        using Ed25519NoteSigner witnessKey = Ed25519NoteSigner.Generate("witness.test");
        await File.WriteAllTextAsync(Path.Combine(_dir, "witness.key"), witnessKey.ExportSkey());
        WitnessServerOptions w = new()
        {
            Key = "witness.key", Store = "sqlite:witness.db", BaseDirectory = _dir,
            Logs = [new WitnessedLogRef { Origin = _options.Origin, Keys = [logKey.VerifierKey] }],
        };
        await using WebApplication witness = await ServerApp.BuildWitnessAsync(w, "http://127.0.0.1:0");
        await witness.StartAsync();
        string witnessUrl = witness.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";
        _options.Witnesses = [new WitnessRef { Key = witnessKey.CosignerVerifierKey, Url = witnessUrl }];
        _options.Quorum = 1;
        _options.WitnessIntervalMs = 200;
        await StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_dir, "policy.txt"), $"log {logKey.VerifierKey}\nwitness w {witnessKey.CosignerVerifierKey}\nquorum w\n");

        (int filed, string filedOut, string filedErr) = Run("incident", "file", "--server", _url, "--key", "blue.key", "--to", "Red", "--subject", "Ransomware at the count centre", "--json");
        Assert.True(filed == 0, filedErr);
        string request = JsonNode.Parse(filedOut)!["object"]!.GetValue<string>();
        (int shown, string showOut, string showErr) = Run("incident", "show", request, "--server", _url, "--key", "red.key", "--policy", "policy.txt", "--json");

        Assert.True(shown == 0, showErr + showOut);
        JsonNode step = JsonNode.Parse(showOut)!["timeline"]![0]!;
        Assert.True(step["verified"]!.GetValue<bool>());
        Assert.Equal("signature, board entry 0, inclusion, witnessed checkpoint", step["checks"]!.GetValue<string>());
        await _app.StopAsync();
        await witness.StopAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _blue.Dispose();
        _red.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

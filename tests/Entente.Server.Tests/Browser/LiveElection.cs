using System.Net;
using System.Text;
using Entente.Audit.Seed;
using Entente.Client.Board;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;
using Entente.Server.Exchange;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// A live board (the real <c>entente serve</c> host: board API, hosted exchange, pages) with one witness cosigning its
/// checkpoints, and a tiny-group election driven through the board API stage by stage, as the parties and a device
/// would: setup and key ceremony, the joint key, ballots, then the encrypted tally, the guardians' decryption rounds,
/// the decrypted tally and the opening of the challenged ballot. Tests look at the pages between stages.
/// </summary>
internal sealed class LiveElection : IAsyncDisposable
{
    /// <summary>The demo's manifest: two contests (Mayor, one vote of three; Harbour bond, yes or no) and two styles.</summary>
    public const string ManifestJson = """
        {"label":"Entente live board test","contests":[
          {"label":"Mayor","contest_options":[{"label":"Ada Lovelace"},{"label":"Alan Turing"},{"label":"Grace Hopper"}]},
          {"label":"Harbour bond","contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"city","contests":[1,2]},{"label":"mayor only","contests":[1]}]}
        """;

    /// <summary>Blue's STIX identity in the live board's charter.</summary>
    public const string BlueIdentity = "identity--6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d";

    /// <summary>The subject of the request left to go overdue.</summary>
    public const string OverdueSubject = "Confirm the firmware hash of device-1";

    /// <summary>The name of the indicator Blue sighted.</summary>
    public const string IndicatorName = "Scanner of ballot-device endpoints 203.0.113.9";

    private readonly TestBoard _board;
    private readonly WebApplication _witness;
    private readonly Random _voters = new(20261206);
    private readonly List<PlaintextBallot> _plain = [];
    private BoardClient _blue = null!;
    private BoardClient _red = null!;
    private BoardClient _device = null!;
    private GuardianSecrets[] _secrets = [];
    private List<KeyCeremonyMessage> _messages = [];
    private BallotEncryptor? _encryptor;
    private EncryptionDevice? _machine;

    private LiveElection(TestBoard board, WebApplication witness)
    {
        _board = board;
        _witness = witness;
    }

    public WebApplication Server { get; private set; } = null!;

    /// <summary>The board's address, without the trailing slash.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The board's data folder (a path no page may show).</summary>
    public string DataDirectory => _board.Dir;

    public ElectionManifest Manifest { get; } = ManifestReader.Parse(Encoding.UTF8.GetBytes(ManifestJson), "manifest");

    public ElectionContext Context { get; private set; } = null!;

    /// <summary>Every ballot posted, in order.</summary>
    public List<EncryptedBallot> Ballots { get; } = [];

    public EncryptedTally? EncryptedTally { get; private set; }

    public DecryptedTally? Tally { get; private set; }

    /// <summary>The plaintext of the cast ballots (for the expected undervotes).</summary>
    public IEnumerable<PlaintextBallot> CastPlaintext => _plain.Where((_, i) => Ballots[i].State == BallotState.Cast);

    /// <summary>Starts a witness and the board (pages included) on loopback ports.</summary>
    public static async Task<LiveElection> StartAsync()
    {
        TestBoard board = await TestBoard.CreateAsync(board: true);
        // Blue takes part in the incident exchange too: its STIX identity goes into the charter before the board starts.
        string charterFile = Path.Combine(board.Dir, "charter.json");
        string charter = await File.ReadAllTextAsync(charterFile);
        await File.WriteAllTextAsync(charterFile, charter.Replace("\"guardians\": [1] }", $"\"guardians\": [1], \"identity\": \"{BlueIdentity}\" }}", StringComparison.Ordinal));
        WebApplication witness = await board.StartWitnessAsync();
        board.Options.Witnesses = [new WitnessRef { Key = board.WitnessKey.CosignerVerifierKey, Url = TestBoard.Address(witness) }];
        board.Options.Quorum = 1;
        board.Options.WitnessIntervalMs = 100;
        board.Options.Exchange = new HostedExchangeOptions();
        LiveElection election = new(board, witness);
        election.Server = await board.StartLogAsync();
        election.BaseUrl = TestBoard.Address(election.Server).TrimEnd('/');
        Uri address = new(TestBoard.Address(election.Server));
        election._blue = new BoardClient(address, board.Blue);
        election._red = new BoardClient(address, board.Red);
        election._device = new BoardClient(address, board.Device);
        return election;
    }

    private static async Task Created(HttpResponseMessage response, string what)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{what}: {(int)response.StatusCode} {body}");
    }

    private BoardClient Holder(int guardian) => guardian == 1 ? _blue : _red;

    /// <summary>Charter, manifest, parameters (n = 3, k = 2) and every key-ceremony message, but not yet the joint key.</summary>
    public async Task SetUpAsync()
    {
        Ed25519NoteSigner[] withRed = [_board.Red];
        await Created(await _blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(_board.Dir, "charter.json")), "charter", cosigners: withRed), "charter");
        await Created(await _blue.PostAsync("board/manifest", BoardArtifacts.Manifest(Manifest), "manifest", cosigners: withRed), "manifest");
        ElectionParameters parameters = ElectionParameters.Create(Group.Tiny, Manifest, 3, 2);
        await Created(await _blue.PostAsync("board/parameters", BoardArtifacts.Parameters(parameters), "election.parameters", cosigners: withRed), "parameters");
        (Context, _secrets) = ElectionSimulator.RunKeyCeremony(parameters, observer: _messages.Add);
        foreach (KeyCeremonyMessage message in _messages)
        {
            HttpResponseMessage sent = message switch
            {
                GuardianCommitted c => await Holder(c.Sender).PostAsync("board/guardians", BoardArtifacts.Guardian(c.Key), "guardian.commitment"),
                ShareSent s => await Holder(s.Sender).PostAsync("board/shares", BoardArtifacts.Share(s.Share), "guardian.share"),
                SharesApproved a => await Holder(a.Sender).PostAsync("board/approvals", BoardArtifacts.Approval(new Approval(a.Sender, Context.GuardianRecordHash, [])), "guardian.approval"),
                _ => throw new InvalidOperationException(),
            };
            await Created(sent, message.GetType().Name);
        }
    }

    /// <summary>The joint key: voting opens.</summary>
    public async Task OpenVotingAsync()
    {
        await Created(await _blue.PostAsync("board/election", BoardArtifacts.Election(Context), "election.key", cosigners: [_board.Red]), "election");
        _encryptor = new BallotEncryptor(Context);
        _machine = new EncryptionDevice(Context, "device-1", "test device");
    }

    /// <summary>The test board (its keys and folder).</summary>
    public TestBoard Board => _board;

    /// <summary>The device's board client (charter member device-1).</summary>
    public BoardClient DeviceClient => _device;

    /// <summary>Encrypts and seals <paramref name="count"/> cast ballots on the device without posting them (a device's backlog).</summary>
    public EncryptedBallot[] Seal(int count) =>
        [.. Enumerable.Range(0, count).Select(i => _machine!.Seal(_encryptor!.Encrypt(ElectionSimulator.RandomBallot(Manifest, _voters), $"backlog {i}"), DateTimeOffset.UtcNow))];

    /// <summary>Encrypts and posts <paramref name="count"/> ballots; those whose number is in <paramref name="challenge"/> are challenged.</summary>
    public async Task VoteAsync(int count, params int[] challenge)
    {
        for (int i = 0; i < count; i++)
        {
            PlaintextBallot plain = ElectionSimulator.RandomBallot(Manifest, _voters);
            EncryptedBallot ballot = _machine!.Seal(_encryptor!.Encrypt(plain, $"ballot {Ballots.Count}"), DateTimeOffset.UtcNow, challenge.Contains(Ballots.Count) ? BallotState.Challenged : BallotState.Cast);
            await Created(await _device.PostBallotAsync(ballot), "ballot");
            Ballots.Add(ballot);
            _plain.Add(plain);
        }
    }

    /// <summary>Device record, encrypted tally (closes voting), each guardian's rounds, the decrypted tally; optionally the challenged ballots' openings.</summary>
    public async Task TallyAsync(bool open = true)
    {
        Ed25519NoteSigner[] withRed = [_board.Red];
        DeviceRecord record = new(_machine!.Name, _machine.DeviceInformation, _machine.DeviceHash, _machine.ChainingMode, [.. _machine.Ballots], _machine.ClosingHash());
        await Created(await _device.PostAsync("board/devices", BoardArtifacts.Device(record), "device.record"), "device");
        EncryptedTally = Entente.Election.Tally.EncryptedTally.Aggregate(Context, Ballots);
        await Created(await _blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(EncryptedTally), "tally.encrypted", cosigners: withRed), "encrypted tally");

        int[] u = [1, 2];
        DecryptionItem[] items = [.. EncryptedTally.Contests.SelectMany(c => c.Options.Select(o => new DecryptionItem(c.ContestIndex, o.OptionIndex, o.Ciphertext)))];
        List<EncryptedBallot> challenged = [.. Ballots.Where(b => b.State == BallotState.Challenged)];
        DecryptionGuardian[] rounds = [.. u.Select(i => new DecryptionGuardian(Context, _secrets[i - 1]))];
        PartialDecryptionCommitment[] commitments = [.. rounds.Select(g => g.Commit(items, u))];
        PartialDecryptionReveal[] reveals = [.. rounds.Select(g => g.Reveal(commitments))];
        for (int n = 0; n < rounds.Length; n++)
        {
            string nonces = string.Join(",", challenged.Select(b => $"{{\"id\":\"{b.Id.ToHex()}\",\"m\":\"{Hex(rounds[n].DecryptDataShare(b.BallotNonce.C0))}\"}}"));
            string commit = $"{{\"i\":{u[n]},\"guardians\":[1,2],\"tally\":[{string.Join(",", commitments[n].Shares.Select((m, j) => $"{{\"m\":\"{Hex(m)}\",\"d\":\"{commitments[n].Commitments[j].ToHex()}\"}}"))}],\"ballot_nonces\":[{nonces}]}}";
            await Created(await Holder(u[n]).PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(commit), "decryption.commit"), "commit");
        }

        for (int n = 0; n < rounds.Length; n++)
        {
            string reveal = $"{{\"i\":{u[n]},\"a\":[{string.Join(",", reveals[n].A.Select(x => $"\"{Hex(x)}\""))}],\"b\":[{string.Join(",", reveals[n].B.Select(x => $"\"{Hex(x)}\""))}]}}";
            await Created(await Holder(u[n]).PostAsync("board/decryptions/reveal", Encoding.UTF8.GetBytes(reveal), "decryption.reveal"), "reveal");
        }

        PartialDecryptionVerifier verifier = new(Context, u);
        ElementModQ[] challenges = [.. items.Select((item, n) => verifier.Challenge(item, [.. commitments.Select(c => c.Shares[n])], [.. reveals.Select(r => r.A[n])], [.. reveals.Select(r => r.B[n])]))];
        PartialDecryptionResponse[] responses = [.. rounds.Select(g => g.Respond(challenges))];
        for (int n = 0; n < rounds.Length; n++)
        {
            string response = $"{{\"i\":{u[n]},\"v\":[{string.Join(",", responses[n].Responses.Select(x => $"\"{Convert.ToHexString(x.Encode())}\""))}]}}";
            await Created(await Holder(u[n]).PostAsync("board/decryptions/response", Encoding.UTF8.GetBytes(response), "decryption.response"), "response");
        }

        DecryptionGuardian[] decrypting = [.. u.Select(i => new DecryptionGuardian(Context, _secrets[i - 1]))];
        DecryptedTally plain = TallyDecryption.Decrypt(Context, EncryptedTally, decrypting);
        long[] values = [.. plain.Contests.SelectMany(c => c.Options.Select(o => o.Value))];
        int at = 0;
        Tally = new(u, [.. EncryptedTally.Contests.Select(c => new DecryptedContest(c.ContestIndex, [.. c.Options.Select(o =>
        {
            int n = at++;
            return new DecryptedOption(o.OptionIndex, values[n], challenges[n], responses[0].Responses[n] + responses[1].Responses[n]);
        })]))]);
        await Created(await _blue.PostAsync("board/tally", BoardArtifacts.Tally(Tally, Manifest), "tally.decrypted", cosigners: withRed), "tally");
        if (open)
        {
            await OpenChallengedAsync();
        }
    }

    /// <summary>Posts the opening of every challenged ballot.</summary>
    public async Task OpenChallengedAsync()
    {
        DecryptionGuardian[] decrypting = [.. new[] { 1, 2 }.Select(i => new DecryptionGuardian(Context, _secrets[i - 1]))];
        foreach (EncryptedBallot b in Ballots.Where(b => b.State == BallotState.Challenged))
        {
            OpenedBallot opened = ChallengedBallotOpener.Open(Context, b, decrypting);
            await Created(await _blue.PostAsync("board/challenged", BoardArtifacts.Opened(opened, Manifest), "ballot.opened", b.Id.ToHex(), cosigners: [_board.Red]), "opening");
        }
    }

    /// <summary>
    /// Incident messages through the hosted exchange (signed envelopes, each anchored on the board): Red's indicator, Red's
    /// request to Blue with Blue's acknowledgement, sighting and answer, and Blue's request to Red that goes overdue
    /// after <paramref name="overdueAfter"/>.
    /// </summary>
    public async Task ExchangeAsync(TimeSpan overdueAfter)
    {
        HostedExchange exchange = Server.Services.GetRequiredService<HostedExchange>();
        using PartyKey blue = PartyKey.FromSeed(Convert.FromBase64String(_board.Blue.ExportSkey().Split('+', 5)[4]).AsSpan(1));
        using PartyKey red = PartyKey.FromSeed(Convert.FromBase64String(_board.Red.ExportSkey().Split('+', 5)[4]).AsSpan(1));
        async Task<string> Send(PartyKey key, string sender, string? to, string type, string fields)
        {
            string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
            string id = StixId.NewV4(type).ToString();
            StixObject o = StixObject.Parse(Encoding.UTF8.GetBytes($$"""
                {"type":"{{type}}","spec_version":"2.1","id":"{{id}}","created":"{{now}}","modified":"{{now}}","created_by_ref":"{{sender}}",{{fields}}}
                """));
            await exchange.Service.SubmitAsync(SignedEnvelope.Create(key, sender, HostedExchange.DefaultCollectionId, to, DateTimeOffset.UtcNow, o));
            return id;
        }

        string Deadlines(TimeSpan ack, TimeSpan answer) =>
            $"\"ack_deadline\":\"{StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow + ack)}\",\"answer_deadline\":\"{StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow + answer)}\"";
        string redId = TestBoard.RedIdentity;
        string indicator = await Send(red, redId, null, "indicator",
            $"\"name\":\"{IndicatorName}\",\"indicator_types\":[\"anomalous-activity\"],\"pattern\":\"[ipv4-addr:value = '203.0.113.9']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00.000Z\"");
        string request = await Send(red, redId, BlueIdentity, AssistanceTypes.Request,
            $"\"subject\":\"Is the scanner known to Blue?\",\"severity\":\"high\",\"recipient_ref\":\"{BlueIdentity}\",{Deadlines(TimeSpan.FromHours(1), TimeSpan.FromHours(24))},\"evidence_refs\":[\"{indicator}\"]");
        await Send(blue, BlueIdentity, redId, AssistanceTypes.Acknowledgement, $"\"request_ref\":\"{request}\"");
        string sighting = await Send(blue, BlueIdentity, null, "sighting", $"\"sighting_of_ref\":\"{indicator}\",\"where_sighted_refs\":[\"{BlueIdentity}\"],\"count\":3");
        await Send(blue, BlueIdentity, redId, AssistanceTypes.Response, $"\"request_ref\":\"{request}\",\"outcome\":\"answered\",\"content\":\"Not ours; seen 3 times and blocked.\",\"evidence_refs\":[\"{sighting}\"]");
        await Send(blue, BlueIdentity, redId, AssistanceTypes.Request,
            $"\"subject\":\"{OverdueSubject}\",\"severity\":\"low\",\"recipient_ref\":\"{redId}\",{Deadlines(overdueAfter, overdueAfter + TimeSpan.FromSeconds(1))}");
    }

    /// <summary>
    /// The audit seed on the log as raw entries (POST /blob, then POST /add with blue.example's signed entry): a
    /// commitment, its reveal, and a plan stating the seed. Returns the seed.
    /// </summary>
    public async Task<string> AuditAsync()
    {
        const string audit = "audit-live-test";
        async Task<long> Post(string collection, string type, byte[] artifact)
        {
            using HttpResponseMessage posted = await _blue.PostAsync("board/" + collection, artifact, type);
            string body = await posted.Content.ReadAsStringAsync();
            Assert.True(posted.IsSuccessStatusCode, body);
            return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("index").GetInt64();
        }

        // The seed made on the board (docs/audit.md, "The seed on a board"): blue's commitment, then its reveal.
        byte[] secret = SeedProtocol.NewSecret();
        byte[] commitment = SeedProtocol.Commitment(audit, "blue.example", secret);
        long commitIndex = await Post("audit-commits", SeedArtifacts.CommitType, SeedArtifacts.Write(new SeedCommitArtifact(audit, "blue.example", ["blue.example"], false, commitment)));
        long revealIndex = await Post("audit-reveals", SeedArtifacts.RevealType, SeedArtifacts.Write(new SeedRevealArtifact(audit, "blue.example", secret)));
        DateTimeOffset At(long index) => DateTimeOffset.UnixEpoch.AddSeconds(index);
        SeedSchedule schedule = new(audit, ["blue.example"], At(revealIndex), At(revealIndex + 1), At(revealIndex + 1));
        return SeedProtocol.Evaluate(schedule,
            [new SeedLogRecord(audit, "blue.example", SeedRecordKind.Commit, commitment, commitIndex, At(commitIndex)), new SeedLogRecord(audit, "blue.example", SeedRecordKind.Reveal, secret, revealIndex, At(revealIndex))],
            At(revealIndex + 2)).Seed!;
    }

    /// <summary>Waits until the published (cosigned) checkpoint covers the whole log.</summary>
    public async Task WaitForWitnessAsync()
    {
        using HttpClient http = new();
        for (int i = 0; i < 200; i++)
        {
            string note = await http.GetStringAsync(new Uri(BaseUrl + "/checkpoint"));
            long size = long.Parse(note.Split('\n')[1], System.Globalization.CultureInfo.InvariantCulture);
            string status = await http.GetStringAsync(new Uri(BaseUrl + "/board"));
            long head = System.Text.Json.JsonDocument.Parse(status).RootElement.GetProperty("log_size").GetInt64();
            if (size >= head && note.Contains("— " + _board.WitnessKey.Name + " ", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the witness did not cosign the head within 20 s");
    }

    private static string Hex(ElementModP p) => Convert.ToHexString(p.Encode());

    public async ValueTask DisposeAsync()
    {
        _blue?.Dispose();
        _red?.Dispose();
        _device?.Dispose();
        foreach (GuardianSecrets s in _secrets)
        {
            s.Dispose();
        }

        if (Server is not null)
        {
            await Server.StopAsync();
            await Server.DisposeAsync();
        }

        await _witness.StopAsync();
        await _witness.DisposeAsync();
        await _board.DisposeAsync();
    }
}

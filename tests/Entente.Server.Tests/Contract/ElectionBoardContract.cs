using System.Text;
using Entente.Client.Election;
using Entente.Client.Http;
using Entente.Cryptography;
using Entente.Election;
using Entente.Election.Board;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Contract;

/// <summary>
/// The contract of <see cref="IElectionBoard"/> (the election's shared place), one suite run against every
/// implementation: the ceremony folder and the board over HTTP. The places hold the same roles: blue holds guardian 1,
/// red guardians 2 and 3, device-1 encrypts; joint documents are published by blue, then red.
/// </summary>
public abstract class ElectionBoardContract : IAsyncLifetime
{
    /// <summary>Two contests, the second with contest data.</summary>
    protected const string ManifestJson = """
        {"label":"Contract","contests":[
          {"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"}]},
          {"label":"Council","selection_limit":2,"contest_options":[{"label":"D"},{"label":"E"},{"label":"F"}],"contest_data_blocks":1}],
         "ballot_styles":[{"label":"all","contests":[1,2]}]}
        """;

    private const string BallotsJson = """
        {"ballots":[
          {"style":"all","selections":{"Mayor":{"B":1},"Council":{"D":1,"F":1}}},
          {"style":"all","selections":{"Mayor":{"B":1},"Council":{"E":1}}},
          {"style":"all","selections":{"Mayor":{"C":1}}},
          {"style":"all","selections":{"Mayor":{"A":1},"Council":{"D":1}},"challenge":true}
        ]}
        """;

    private readonly string _secrets = Directory.CreateTempSubdirectory("entente-contract-").FullName;

    /// <summary>The place as seen by blue (party; holds guardian 1).</summary>
    protected IElectionBoard Blue { get; set; } = null!;

    /// <summary>The place as seen by red (party; holds guardians 2 and 3).</summary>
    protected IElectionBoard Red { get; set; } = null!;

    /// <summary>The place as seen by the encryption device "device-1".</summary>
    protected IElectionBoard Device { get; set; } = null!;

    /// <summary>True when a joint document is complete only once every party published it (a board with signatures).</summary>
    protected abstract bool SignedByEachParty { get; }

    /// <summary>Creates the place and sets <see cref="Blue"/>, <see cref="Red"/> and <see cref="Device"/>.</summary>
    public abstract Task InitializeAsync();

    /// <inheritdoc/>
    public virtual Task DisposeAsync()
    {
        Directory.Delete(_secrets, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The holder's view of guardian <paramref name="i"/>.</summary>
    protected IElectionBoard Holder(int i) => i == 1 ? Blue : Red;

    /// <summary>Guardian i's secret file (plaintext, tests only).</summary>
    protected GuardianSecretAccess Secret(int i) => new(Path.Combine(_secrets, $"g{i}.secret.json"), null, AllowPlaintext: true);

    /// <summary>The parameters of the contract's election (tiny group, n = 3, k = 2).</summary>
    protected static ElectionParameters Parameters() =>
        ElectionParameters.Create(Group.Tiny, ManifestReader.Parse(Encoding.UTF8.GetBytes(ManifestJson), "manifest"), 3, 2);

    /// <summary>Publishes a joint document from blue then red, checking each publication as the implementation promises.</summary>
    protected async Task JointlyAsync(Func<IElectionBoard, Task<Publication>> publish)
    {
        Publication first = await publish(Blue);
        Assert.Equal(SignedByEachParty ? PublicationState.AwaitingSignatures : PublicationState.Published, first.State);
        if (SignedByEachParty)
        {
            Assert.Equal(["blue.example"], first.SignedBy);
            Assert.Equal(["red.example"], first.AwaitingFrom);
        }

        Publication second = await publish(Red);
        Assert.Equal(SignedByEachParty ? PublicationState.Published : PublicationState.AlreadyPublished, second.State);
    }

    /// <summary>Init and the whole key ceremony; returns the context.</summary>
    protected async Task<ElectionContext> CeremonyAsync()
    {
        ElectionParameters parameters = Parameters();
        await JointlyAsync(async place => (await KeyCeremonySteps.InitializeAsync(place, parameters)).Parameters);
        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(PublicationState.Published, (await KeyCeremonySteps.KeygenAsync(Holder(i), i, $"G{i}", Secret(i))).Publication.State);
        }

        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(2, await KeyCeremonySteps.ShareAsync(Holder(i), i, Secret(i)));
        }

        for (int i = 1; i <= 3; i++)
        {
            Assert.Empty(await KeyCeremonySteps.ReceiveAsync(Holder(i), i, Secret(i)));
        }

        Assert.Null((await KeyCeremonySteps.ApproveAsync(Holder(1), 1, Secret(1))).ElectionKey);
        Assert.Null((await KeyCeremonySteps.ApproveAsync(Holder(2), 2, Secret(2))).ElectionKey);
        Publication? key = (await KeyCeremonySteps.ApproveAsync(Holder(3), 3, Secret(3))).ElectionKey; // red completes the approvals
        Assert.Equal(SignedByEachParty ? PublicationState.AwaitingSignatures : PublicationState.Published, key!.State);
        Publication blueKey = (await KeyCeremonySteps.PublishElectionKeyAsync(Blue)).Publication;
        Assert.Equal(SignedByEachParty ? PublicationState.Published : PublicationState.AlreadyPublished, blueKey.State);
        return await Blue.LoadContextAsync();
    }

    [Fact]
    public async Task A_whole_election_runs_step_by_step_through_the_place_and_combines_into_a_record_that_checks()
    {
        ElectionContext context = await CeremonyAsync();
        Assert.Equal(context.ExtendedBaseHash, (await Red.LoadContextAsync()).ExtendedBaseHash);

        IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse("ballots.json", Encoding.UTF8.GetBytes(BallotsJson), context.Parameters.Manifest);
        IReadOnlyList<EncryptedBallot> sealedBallots = await EncryptionSteps.EncryptAsync(Device, entries, "device-1", "Booth 1", TimeProvider.System);
        Assert.Equal(4, sealedBallots.Count);
        Assert.Equal(sealedBallots.Select(b => b.Id.ToHex()).Order(StringComparer.Ordinal), (await Blue.ListAsync(ElectionDocumentKind.Ballot)).Select(d => d.Id));
        Assert.Equal(["device-1"], (await Red.ListAsync(ElectionDocumentKind.Device)).Select(d => d.Id));

        await JointlyAsync(async place => (await TallySteps.TallyAsync(place)).Publication);

        int[] u = [1, 3];
        foreach (int i in u)
        {
            Assert.Equal(PublicationState.Published, (await DecryptionExchange.CommitAsync(Holder(i), i, u, Secret(i))).State);
        }

        foreach (int i in u)
        {
            await DecryptionExchange.RevealAsync(Holder(i), i, Secret(i));
        }

        foreach (int i in u)
        {
            await DecryptionExchange.RespondAsync(Holder(i), i, Secret(i));
        }

        Assert.Equal([1, 3], (await Blue.ListAsync(ElectionDocumentKind.DecryptionResponse)).Select(d => d.Guardian));
        string recordFolder = Path.Combine(_secrets, "record");
        DecryptionExchange.CombineResult blue = await DecryptionExchange.CombineAsync(Blue, recordFolder);
        Assert.Equal(!SignedByEachParty, blue.IsComplete);
        DecryptionExchange.CombineResult red = await DecryptionExchange.CombineAsync(Red, null);
        Assert.True(red.IsComplete);
        Assert.Equal(2, red.Publications.Count); // the tally and one opening

        ElectionRecord record = await RecordStore.ReadAsync(recordFolder);
        Assert.Empty(RecordSelfCheck.Check(record));
        Assert.Equal(new long[] { 0, 2, 1 }, record.Tally.Contests[0].Options.Select(o => o.Value));
        Assert.Equal(new long[] { 1, 1, 1 }, record.Tally.Contests[1].Options.Select(o => o.Value));
        Assert.Equal(RecordFormat.WriteTally(record.Tally, context.Parameters.Manifest), await Red.ReadAsync(ElectionDocument.Tally));
        OpenedBallot opened = Assert.Single(record.Challenged);
        Assert.NotNull(await Blue.ReadAsync(ElectionDocument.Opening(opened.Id)));
    }

    [Fact]
    public async Task Every_step_run_again_after_it_succeeded_changes_nothing_and_says_so()
    {
        ElectionContext context = await CeremonyAsync();
        ElectionParameters parameters = context.Parameters;
        (Publication manifest, Publication again) = await KeyCeremonySteps.InitializeAsync(Red, parameters);
        Assert.Equal([PublicationState.AlreadyPublished, PublicationState.AlreadyPublished], [manifest.State, again.State]);
        Assert.Equal(PublicationState.AlreadyPublished, (await KeyCeremonySteps.KeygenAsync(Blue, 1, "G1", Secret(1))).Publication.State);
        Assert.Equal(0, await KeyCeremonySteps.ShareAsync(Red, 2, Secret(2)));
        Assert.Empty(await KeyCeremonySteps.ReceiveAsync(Red, 3, Secret(3)));
        Assert.Equal(PublicationState.AlreadyPublished, (await KeyCeremonySteps.ApproveAsync(Blue, 1, Secret(1))).Approval.State);
        Assert.Equal(PublicationState.AlreadyPublished, (await KeyCeremonySteps.PublishElectionKeyAsync(Red)).Publication.State);
        Assert.Equal(context.ExtendedBaseHash, (await Red.LoadContextAsync()).ExtendedBaseHash);
    }

    [Fact]
    public async Task Different_bytes_where_a_document_is_published_are_refused_as_a_conflict_and_nothing_changes()
    {
        ElectionParameters parameters = Parameters();
        await JointlyAsync(async place => (await KeyCeremonySteps.InitializeAsync(place, parameters)).Parameters);
        await KeyCeremonySteps.KeygenAsync(Blue, 1, "G1", Secret(1));
        byte[] published = (await Blue.ReadAsync(ElectionDocument.GuardianKey(1)))!;

        // Guardian 1 again with a fresh key: the step refuses before anything is generated.
        ElectionFormatException twice = await Assert.ThrowsAsync<ElectionFormatException>(() =>
            KeyCeremonySteps.KeygenAsync(Blue, 1, "G1", new GuardianSecretAccess(Path.Combine(_secrets, "other.json"), null, true)));
        Assert.Contains("already generated keys", twice.Problem, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_secrets, "other.json")));

        // The same document with other bytes, published directly: refused as a conflict.
        (GuardianSecrets secrets, GuardianPublicKey other) = KeyCeremonyGuardian.Generate(parameters, 1, "G1");
        secrets.Dispose();
        ElectionBoardException conflict = await Assert.ThrowsAsync<ElectionBoardException>(() => Blue.PublishAsync(ElectionDocument.GuardianKey(1), RecordFormat.WriteGuardian(other)));
        Assert.Equal(BoardRefusalReason.Conflict, conflict.Reason);
        Assert.Equal(published, await Red.ReadAsync(ElectionDocument.GuardianKey(1)));
    }

    [Fact]
    public async Task Missing_documents_read_as_null_and_steps_name_what_is_missing_and_who_publishes_it()
    {
        Assert.Null(await Blue.ReadAsync(ElectionDocument.Manifest));
        Assert.Empty(await Blue.ListAsync(ElectionDocumentKind.Ballot));
        ElectionFormatException notInitialised = await Assert.ThrowsAsync<ElectionFormatException>(() => Blue.LoadParametersAsync());
        Assert.Contains("entente election init", notInitialised.Problem, StringComparison.Ordinal);

        ElectionParameters parameters = Parameters();
        await JointlyAsync(async place => (await KeyCeremonySteps.InitializeAsync(place, parameters)).Parameters);
        await KeyCeremonySteps.KeygenAsync(Blue, 1, "G1", Secret(1));
        ElectionFormatException early = await Assert.ThrowsAsync<ElectionFormatException>(() => KeyCeremonySteps.ShareAsync(Blue, 1, Secret(1)));
        Assert.Contains("guardian 2 has not published its keys yet", early.Problem, StringComparison.Ordinal);
        Assert.Equal(Blue.Describe(ElectionDocument.GuardianKey(2)), early.File);
        Assert.Equal(["1"], (await Red.ListAsync(ElectionDocumentKind.GuardianKey)).Select(d => d.Id));
        Assert.Null(await Red.ReadAsync(ElectionDocument.Commit(1)));
    }
}

/// <summary>The contract on a ceremony folder.</summary>
public sealed class FolderElectionBoardContractTests : ElectionBoardContract
{
    private readonly string _folder = Directory.CreateTempSubdirectory("entente-ceremony-").FullName;

    /// <inheritdoc/>
    protected override bool SignedByEachParty => false;

    /// <inheritdoc/>
    public override Task InitializeAsync()
    {
        FolderElectionBoard folder = new(_folder);
        Blue = folder;
        Red = folder;
        Device = folder;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Documents_live_at_the_paths_of_the_ceremony_folder_layout()
    {
        await KeyCeremonySteps.InitializeAsync(Blue, Parameters());
        await KeyCeremonySteps.KeygenAsync(Blue, 1, "G1", Secret(1));
        FolderElectionBoard folder = (FolderElectionBoard)Blue;
        Assert.True(File.Exists(folder.PathOf("manifest.json")));
        Assert.True(File.Exists(folder.PathOf("parameters.json")));
        Assert.True(File.Exists(folder.PathOf("public/guardian-1.json")));
        Assert.Equal(folder.PathOf("public/guardian-1.json"), folder.Describe(ElectionDocument.GuardianKey(1)));
    }
}

/// <summary>The contract on a real board over loopback HTTP (the server in process, the clients through HTTP).</summary>
public sealed class HttpElectionBoardContractTests : ElectionBoardContract
{
    private TestBoard _board = null!;
    private WebApplication _server = null!;

    /// <inheritdoc/>
    protected override bool SignedByEachParty => true;

    /// <inheritdoc/>
    public override async Task InitializeAsync()
    {
        _board = await TestBoard.CreateAsync(board: true);
        _server = await _board.StartLogAsync();
        Uri address = new(TestBoard.Address(_server));
        Blue = new HttpElectionBoard(address, _board.Blue, RetryPolicy.None);
        Red = new HttpElectionBoard(address, _board.Red, RetryPolicy.None);
        Device = new HttpElectionBoard(address, _board.Device, RetryPolicy.None);
    }

    /// <inheritdoc/>
    public override async Task DisposeAsync()
    {
        ((IDisposable)Blue).Dispose();
        ((IDisposable)Red).Dispose();
        ((IDisposable)Device).Dispose();
        await _server.DisposeAsync();
        await _board.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task The_board_refuses_a_round_out_of_order_with_its_reason()
    {
        ElectionContext context = await CeremonyAsync();
        IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse("ballots.json", Encoding.UTF8.GetBytes("""{"ballots":[{"style":"all","selections":{"Mayor":{"A":1}}}]}"""), context.Parameters.Manifest);
        await EncryptionSteps.EncryptAsync(Device, entries, "device-1", "Booth 1", TimeProvider.System);
        await JointlyAsync(async place => (await TallySteps.TallyAsync(place)).Publication);
        await DecryptionExchange.CommitAsync(Blue, 1, [1, 2], Secret(1));

        // Guardian 1 reveals before guardian 2 committed: the step itself stops first (it reads every commit of U) …
        ElectionFormatException early = await Assert.ThrowsAsync<ElectionFormatException>(() => DecryptionExchange.RevealAsync(Blue, 1, Secret(1)));
        Assert.Contains("guardian 2 has not committed yet", early.Problem, StringComparison.Ordinal);

        // … and a reveal posted anyway is refused by the board: 409 Not yet, naming the missing commit.
        DecryptionReveal premature = new(1, [.. Enumerable.Repeat(context.Group.Generator, 6)], [.. Enumerable.Repeat(context.Group.Generator, 6)], [], []);
        ElectionBoardException refused = await Assert.ThrowsAsync<ElectionBoardException>(() => Blue.PublishAsync(ElectionDocument.Reveal(1), DecryptionRoundFormat.WriteReveal(premature)));
        Assert.Equal(BoardRefusalReason.Conflict, refused.Reason);
        Assert.Equal(409, refused.Status);
        Assert.Equal("Not yet", refused.Title);
        Assert.Contains("Guardian 2", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_joint_artifact_that_differs_from_the_pending_proposal_is_refused_naming_the_first_difference()
    {
        ElectionParameters parameters = Parameters();
        Assert.Equal(PublicationState.AwaitingSignatures, (await Blue.PublishAsync(ElectionDocument.Manifest, parameters.Manifest.CanonicalBytes)).State);
        ElectionManifest other = ManifestReader.Parse(Encoding.UTF8.GetBytes(ManifestJson.Replace("\"Contract\"", "\"Kontract\"", StringComparison.Ordinal)), "manifest");
        ElectionBoardException refused = await Assert.ThrowsAsync<ElectionBoardException>(() => Red.PublishAsync(ElectionDocument.Manifest, other.CanonicalBytes));
        Assert.Equal(BoardRefusalReason.Conflict, refused.Reason);
        Assert.Equal("Different proposal pending", refused.Title);
        Assert.Contains("first at $.label", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(PublicationState.Published, (await Red.PublishAsync(ElectionDocument.Manifest, parameters.Manifest.CanonicalBytes)).State);
    }

    [Fact]
    public async Task A_pending_tally_that_ballots_made_stale_gives_way_to_the_new_one_and_is_logged_once_both_sign_it()
    {
        ElectionContext context = await CeremonyAsync();
        ElectionManifest manifest = context.Parameters.Manifest;
        await EncryptionSteps.EncryptAsync(Device, PlaintextBallotReader.Parse("b.json", Encoding.UTF8.GetBytes(BallotsOf(2)), manifest), "device-1", "Booth 1", TimeProvider.System);
        Assert.Equal(PublicationState.AwaitingSignatures, (await TallySteps.TallyAsync(Blue)).Publication.State);

        // A ballot arrives while blue's proposal waits (a proposal does not close voting): red's tally counts it.
        EncryptionDevice machine = new(context, "device-1", "Booth 1, second session");
        PlaintextBallotEntry late = PlaintextBallotReader.Parse("c.json", Encoding.UTF8.GetBytes(BallotsOf(1)), manifest)[0];
        EncryptedBallot ballot = machine.Seal(new BallotEncryptor(context).Encrypt(late.Ballot), DateTimeOffset.UtcNow);
        Assert.Equal(PublicationState.Published, (await Device.PublishAsync(ElectionDocument.Ballot(ballot), RecordFormat.WriteBallot(ballot))).State);
        (EncryptedTally tally, Publication red) = await TallySteps.TallyAsync(Red);
        Assert.Equal(PublicationState.AwaitingSignatures, red.State);
        Assert.Equal(["red.example"], red.SignedBy);
        (_, Publication blue) = await TallySteps.TallyAsync(Blue);
        Assert.Equal(PublicationState.Published, blue.State);
        Assert.Equal(RecordFormat.WriteEncryptedTally(tally), await Blue.ReadAsync(ElectionDocument.EncryptedTally));
    }

    [Fact]
    public async Task A_post_whose_answer_was_lost_is_retried_and_is_on_the_board_once()
    {
        ElectionParameters parameters = Parameters();
        await JointlyAsync(async place => (await KeyCeremonySteps.InitializeAsync(place, parameters)).Parameters);
        LoseOneAnswer lossy = new("/board/guardians");
        RetryPolicy quick = new() { MaxAttempts = 3, FirstDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) };
        using (HttpElectionBoard flaky = new(new Uri(TestBoard.Address(_server)), _board.Blue, quick, lossy))
        {
            // The first attempt lands but its answer is lost; the retry is answered "Already on the board" with the same SHA-256.
            Assert.Equal(PublicationState.AlreadyPublished, (await KeyCeremonySteps.KeygenAsync(flaky, 1, "G1", Secret(1))).Publication.State);
        }

        Assert.Equal(1, lossy.Lost);
        Assert.Equal(["1"], (await Red.ListAsync(ElectionDocumentKind.GuardianKey)).Select(d => d.Id));
        Assert.Equal(File.ReadAllBytes(Secret(1).PublicCopyPath), await Red.ReadAsync(ElectionDocument.GuardianKey(1)));
    }

    [Fact]
    public async Task An_artifact_whose_bytes_do_not_match_its_entry_is_refused_as_corrupt()
    {
        ElectionParameters parameters = Parameters();
        await JointlyAsync(async place => (await KeyCeremonySteps.InitializeAsync(place, parameters)).Parameters);
        using HttpElectionBoard tampered = new(new Uri(TestBoard.Address(_server)), _board.Red, RetryPolicy.None, new AlterAnswers("/board/manifest"));
        ElectionBoardException corrupt = await Assert.ThrowsAsync<ElectionBoardException>(() => tampered.ReadAsync(ElectionDocument.Manifest));
        Assert.Equal(BoardRefusalReason.Corrupt, corrupt.Reason);
        Assert.Contains("commits to", corrupt.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_board_stops_after_the_retry_bound_with_a_clear_message()
    {
        RetryPolicy quick = new() { MaxAttempts = 2, FirstDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) };
        using HttpElectionBoard nowhere = new(new Uri($"http://127.0.0.1:{TestBoard.FreePort()}/"), _board.Blue, quick);
        ElectionBoardException unreachable = await Assert.ThrowsAsync<ElectionBoardException>(() => nowhere.LoadParametersAsync());
        Assert.Equal(BoardRefusalReason.Unavailable, unreachable.Reason);
        Assert.Contains("2 attempt(s)", unreachable.Detail, StringComparison.Ordinal);
    }

    /// <summary>Sends requests on, but loses the answer of the first POST to <paramref name="path"/> after it reached the board.</summary>
    private sealed class LoseOneAnswer(string path) : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Lost { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == path && Lost == 0)
            {
                Lost++;
                response.Dispose();
                throw new HttpRequestException("connection reset (test)");
            }

            return response;
        }
    }

    /// <summary>A board (or a path to it) that alters the artifacts it serves at <paramref name="path"/>.</summary>
    private sealed class AlterAnswers(string path) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath == path && response.IsSuccessStatusCode)
            {
                byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                bytes[^2] ^= 1;
                ByteArrayContent altered = new(bytes);
                altered.Headers.ContentType = response.Content.Headers.ContentType;
                response.Content = altered;
            }

            return response;
        }
    }

    private static string BallotsOf(int count) =>
        "{\"ballots\":[" + string.Join(",", Enumerable.Repeat("{\"style\":\"all\",\"selections\":{\"Mayor\":{\"A\":1}}}", count)) + "]}";
}

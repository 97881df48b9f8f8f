using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Client.Election;
using Entente.Client.Http;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Server.Tests.Browser;

namespace Entente.Server.Tests.Contract;

/// <summary>A board open for voting (tiny group) that the batch tests share; each test posts its own ballots.</summary>
public sealed class VotingBoardFixture : IAsyncLifetime
{
    internal LiveElection Election { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Election = await LiveElection.StartAsync();
        await Election.SetUpAsync();
        await Election.OpenVotingAsync();
    }

    public async Task DisposeAsync() => await Election.DisposeAsync();
}

/// <summary>
/// <c>POST /board/ballots/batch</c> over real HTTP (docs/http-api.md, "Ballots in a batch"): one signed device request
/// carrying several ballots, each with its own signed entry, each validated and sequenced as a single post would be.
/// </summary>
public sealed class BallotBatchHttpTests(VotingBoardFixture fixture) : IClassFixture<VotingBoardFixture>
{
    private LiveElection Election => fixture.Election;

    private BoardClient Device => Election.DeviceClient;

    private static string Type(EncryptedBallot b) => b.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged";

    private byte[] EntryOf(EncryptedBallot ballot, byte[]? bytes = null) =>
        Device.Entry(Type(ballot), bytes ?? BoardArtifacts.Ballot(ballot), ballot.Id.ToHex(), ballot.ConfirmationCode.ToHex());

    private static byte[] Body(params (byte[] Entry, byte[] Ballot)[] items) => Encoding.UTF8.GetBytes(
        "{\"ballots\":[" + string.Join(",", items.Select(i => $"{{\"entry\":\"{Convert.ToBase64String(i.Entry)}\",\"ballot\":\"{Convert.ToBase64String(i.Ballot)}\"}}")) + "]}");

    private async Task<HttpResponseMessage> PostRawAsync(byte[] body)
    {
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new("application/json");
        return await Device.Http.PostAsync(BoardProtocol.BallotBatchPath, content);
    }

    private static async Task<BoardBatchItem[]> ResultsAsync(HttpResponseMessage response, int count)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        BoardBatchItem[] results = [.. JsonSerializer.Deserialize(text, BoardJsonContext.Default.BoardBatchResult)!.Results];
        Assert.Equal(count, results.Length);
        return results;
    }

    private static void AssertRefused(BoardBatchItem item, int status, string title, string detailPart)
    {
        Assert.Equal(status, item.Status);
        Assert.Equal(title, item.Title);
        Assert.False(string.IsNullOrEmpty(item.Type));
        Assert.Contains(detailPart, item.Detail, StringComparison.Ordinal);
    }

    private async Task AssertOnBoardAsync(EncryptedBallot ballot, long index)
    {
        using HttpResponseMessage served = await Device.Http.GetAsync($"board/ballots/{ballot.Id.ToHex()}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(BoardArtifacts.Ballot(ballot), await served.Content.ReadAsByteArrayAsync());
        Assert.Equal(index.ToString(System.Globalization.CultureInfo.InvariantCulture), served.Headers.GetValues("Entente-Log-Index").Single());
    }

    [Fact]
    public async Task A_batch_of_ballots_is_logged_at_consecutive_indices_in_its_order_and_each_ballot_is_found_at_its_index()
    {
        EncryptedBallot[] ballots = Election.Seal(5);
        IReadOnlyList<BoardBatchItem> results = await Device.PostBallotsAsync(ballots);

        Assert.All(results, r => Assert.True(r.Logged, $"{r.Status} {r.Title}: {r.Detail}"));
        long first = results[0].Index!.Value;
        Assert.Equal(Enumerable.Range(0, 5).Select(i => first + i), results.Select(r => r.Index!.Value));
        for (int i = 0; i < ballots.Length; i++)
        {
            Assert.Equal(ballots[i].Id.ToHex(), results[i].Ballot);
            Assert.Equal($"/board/ballots/{ballots[i].Id.ToHex()}", results[i].Href);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BoardArtifacts.Ballot(ballots[i]))), results[i].Sha256);
            await AssertOnBoardAsync(ballots[i], results[i].Index!.Value);
        }
    }

    [Fact]
    public async Task A_forged_ballot_in_a_batch_is_refused_with_its_item_index_and_the_others_are_logged()
    {
        EncryptedBallot[] ballots = Election.Seal(4);
        EncryptedBallot forged = ballots[1] with { Contests = ballots[3].Contests }; // another ballot's contests under this one's id
        using HttpResponseMessage alone = await Device.PostBallotAsync(forged);
        JsonElement single = await Problems.AssertAsync(alone, HttpStatusCode.UnprocessableEntity, (await alone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString()!);
        IReadOnlyList<BoardBatchItem> results = await Device.PostBallotsAsync([ballots[0], forged, ballots[2]]);

        Assert.True(results[0].Logged && results[2].Logged, $"{results[0].Detail} / {results[2].Detail}");
        AssertRefused(results[1], 422, single.GetProperty("title").GetString()!, "ballots[1]: " + single.GetProperty("detail").GetString());
        Assert.Equal(forged.Id.ToHex(), results[1].Ballot);
        Assert.Null(results[1].Index);
        await AssertOnBoardAsync(ballots[0], results[0].Index!.Value);
        await AssertOnBoardAsync(ballots[2], results[2].Index!.Value);
        Assert.Equal(HttpStatusCode.NotFound, (await Device.Http.GetAsync($"board/ballots/{forged.Id.ToHex()}")).StatusCode);
    }

    [Fact]
    public async Task A_ballot_already_on_the_board_or_twice_in_a_batch_is_a_duplicate_naming_its_index_and_a_whole_batch_sent_again_doubles_nothing()
    {
        EncryptedBallot[] ballots = Election.Seal(3);
        using HttpResponseMessage single = await Device.PostBallotAsync(ballots[0]);
        Assert.Equal(HttpStatusCode.Created, single.StatusCode);
        long firstIndex = (await single.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("index").GetInt64();

        IReadOnlyList<BoardBatchItem> results = await Device.PostBallotsAsync([ballots[0], ballots[1], ballots[2], ballots[1]]);
        AssertRefused(results[0], 409, "Duplicate ballot", "ballots[0]: ballot.id");
        Assert.Equal(firstIndex, results[0].Index);
        Assert.True(results[1].Logged && results[2].Logged);
        AssertRefused(results[3], 409, "Duplicate ballot", "ballots[3]: ballot.id");
        Assert.Equal(results[1].Index, results[3].Index);
        Assert.Equal(results[1].Sha256, results[3].Sha256);

        // The device did not hear the answer and sends the whole batch again: every ballot is a duplicate at its index.
        long size = (await Device.Http.GetFromJsonAsync<JsonElement>("board")).GetProperty("log_size").GetInt64();
        IReadOnlyList<BoardBatchItem> again = await Device.PostBallotsAsync([ballots[0], ballots[1], ballots[2]]);
        Assert.Equal([firstIndex, results[1].Index, results[2].Index], again.Select(r => r.Index));
        Assert.All(again, r => Assert.Equal("Duplicate ballot", r.Title));
        Assert.Equal(size, (await Device.Http.GetFromJsonAsync<JsonElement>("board")).GetProperty("log_size").GetInt64());

        // Through the device's publishing client: already published, each.
        using HttpElectionBoard board = new(new Uri(Election.BaseUrl + "/"), Election.Board.Device);
        Assert.All(await board.PublishBallotsAsync(ballots), p => Assert.Equal(PublicationState.AlreadyPublished, p.State));
    }

    [Fact]
    public async Task An_entry_that_does_not_commit_to_its_items_ballot_is_refused_for_that_item()
    {
        EncryptedBallot[] ballots = Election.Seal(3);
        byte[][] bytes = [.. ballots.Select(BoardArtifacts.Ballot)];
        using HttpResponseMessage response = await PostRawAsync(Body((EntryOf(ballots[0]), bytes[0]), (EntryOf(ballots[2]), bytes[1]), (EntryOf(ballots[2]), bytes[2])));
        BoardBatchItem[] results = await ResultsAsync(response, 3);

        Assert.True(results[0].Logged && results[2].Logged);
        AssertRefused(results[1], 422, "Entry does not match", "ballots[1].entry: field \"sha256\"");
        Assert.Equal(HttpStatusCode.NotFound, (await Device.Http.GetAsync($"board/ballots/{ballots[1].Id.ToHex()}")).StatusCode);
    }

    [Fact]
    public async Task A_malformed_batch_is_refused_400_naming_the_item_and_the_problem_and_nothing_is_logged()
    {
        EncryptedBallot ballot = Election.Seal(1)[0];
        byte[] bytes = BoardArtifacts.Ballot(ballot);
        string good = $"{{\"entry\":\"{Convert.ToBase64String(EntryOf(ballot))}\",\"ballot\":\"{Convert.ToBase64String(bytes)}\"}}";
        long size = (await Device.Http.GetFromJsonAsync<JsonElement>("board")).GetProperty("log_size").GetInt64();
        (string Body, string Names)[] cases =
        [
            ($"{{\"ballots\":[{good},{{\"entry\":\"@@@\",\"ballot\":\"AAAA\"}}]}}", "ballots[1].entry: not base64"),
            ($"{{\"ballots\":[{good},{{\"ballot\":\"AAAA\"}}]}}", "ballots[1]: member \"entry\" is missing"),
            ($"{{\"ballots\":[{good},{{\"entry\":\"AAAA\",\"ballot\":\"AAAA\",\"note\":1}}]}}", "ballots[1]: unknown member \"note\""),
            ($"{{\"ballots\":[{good},{good[..^1]},\"ballot\":\"AAAA\"}}]}}", "ballots[1]: member \"ballot\" appears twice"),
            ($"{{\"ballots\":[{good},7]}}", "ballots[1]: not an object"),
            ("{\"ballots\":[]}", "the batch is empty"),
            ("{\"items\":[]}", "unknown member \"items\""),
            ($"{{\"ballots\":[{good}", "not JSON"),
        ];
        foreach ((string body, string names) in cases)
        {
            JsonElement problem = await Problems.AssertAsync(await PostRawAsync(Encoding.UTF8.GetBytes(body)), HttpStatusCode.BadRequest, "Malformed batch");
            Assert.Contains(names, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(size, (await Device.Http.GetFromJsonAsync<JsonElement>("board")).GetProperty("log_size").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await Device.Http.GetAsync($"board/ballots/{ballot.Id.ToHex()}")).StatusCode);
    }

    [Fact]
    public async Task A_batch_of_more_ballots_than_limits_max_batch_ballots_is_refused_413_before_any_is_checked()
    {
        EncryptedBallot ballot = Election.Seal(1)[0];
        byte[] bytes = BoardArtifacts.Ballot(ballot);
        (byte[], byte[]) item = (EntryOf(ballot, bytes), bytes);
        JsonElement problem = await Problems.AssertAsync(await PostRawAsync(Body([.. Enumerable.Repeat(item, 257)])), HttpStatusCode.RequestEntityTooLarge, "Too many ballots");
        Assert.Contains("more than 256 ballots", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Device.Http.GetAsync($"board/ballots/{ballot.Id.ToHex()}")).StatusCode);
    }

    [Fact]
    public async Task A_batch_request_sent_again_with_the_same_signature_and_nonce_is_refused_as_replayed()
    {
        EncryptedBallot[] ballots = Election.Seal(2);
        Uri target = new(new Uri(Election.BaseUrl + "/"), BoardProtocol.BallotBatchPath);
        HttpRequestMessage original = Device.BallotBatchRequest(ballots);
        original.RequestUri = target;
        await HttpSignatureHandler.SignAsync(original, Election.Board.Device, DateTimeOffset.UtcNow);
        byte[] body = await original.Content!.ReadAsByteArrayAsync();
        using HttpClient http = new();
        Assert.All(await ResultsAsync(await http.SendAsync(original), 2), r => Assert.True(r.Logged));

        HttpRequestMessage replay = new(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
        replay.Content.Headers.ContentType = new("application/json");
        foreach (string h in new[] { "Content-Digest", "Signature-Input", "Signature" })
        {
            replay.Headers.TryAddWithoutValidation(h, original.Headers.GetValues(h));
        }

        await Problems.AssertAsync(await http.SendAsync(replay), HttpStatusCode.Unauthorized, "Replayed request");
    }

    [Fact]
    public async Task A_party_that_is_not_a_device_cannot_post_a_batch_of_ballots()
    {
        EncryptedBallot ballot = Election.Seal(1)[0];
        byte[] bytes = BoardArtifacts.Ballot(ballot);
        using BoardClient blue = new(new Uri(Election.BaseUrl + "/"), Election.Board.Blue);
        using ByteArrayContent content = new(Body((EntryOf(ballot, bytes), bytes)));
        content.Headers.ContentType = new("application/json");
        await Problems.AssertAsync(await blue.Http.PostAsync(BoardProtocol.BallotBatchPath, content), HttpStatusCode.Forbidden, "Role not allowed");
    }
}

/// <summary>A device with a backlog (ballots journaled while it could not reach the board) uploads it in batches.</summary>
public sealed class DeviceBacklogTests
{
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int BatchPosts;
        public int SinglePosts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/board/ballots/batch", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref BatchPosts);
            }
            else if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/board/ballots", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref SinglePosts);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task A_device_that_resumes_with_a_backlog_uploads_it_in_batches_and_every_ballot_is_in_the_log_exactly_once()
    {
        await using LiveElection election = await LiveElection.StartAsync();
        await election.SetUpAsync();
        await election.OpenVotingAsync();
        Random voters = new(20261207);
        PlaintextBallotEntry[] entries = [.. Enumerable.Range(0, 40).Select(_ => new PlaintextBallotEntry(ElectionSimulator.RandomBallot(election.Manifest, voters), false))];
        byte[] ballotsFile = Encoding.UTF8.GetBytes("the polling place's ballots file");
        string journalPath = Path.Combine(election.Board.Dir, "device-1.journal");

        // Offline: the device encrypts and journals 30 ballots; 5 reached the board before the link went down.
        EncryptionDevice machine = new(election.Context, "device-1", "backlog device");
        BallotEncryptor encryptor = new(election.Context);
        using (DeviceJournal journal = await DeviceJournal.OpenAsync(journalPath, "device-1", "backlog device", election.Context, ballotsFile))
        {
            for (int b = 0; b < 30; b++)
            {
                EncryptedBallot sealedBallot = machine.Seal(encryptor.Encrypt(entries[b].Ballot, $"ballot {b}"), DateTimeOffset.UtcNow);
                await journal.AppendAsync(sealedBallot);
                if (b < 5)
                {
                    using HttpResponseMessage posted = await election.DeviceClient.PostBallotAsync(sealedBallot);
                    Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
                }
            }
        }

        // Back online: the device resumes its journal (the 25 unpublished and the 5 published ballots), then the last 10.
        CountingHandler counting = new();
        using HttpElectionBoard board = new(new Uri(election.BaseUrl + "/"), election.Board.Device, inner: counting);
        IReadOnlyList<EncryptedBallot> sealedBallots;
        using (DeviceJournal journal = await DeviceJournal.OpenAsync(journalPath, "device-1", "backlog device", election.Context, ballotsFile))
        {
            Assert.Equal(30, journal.Sealed.Count);
            sealedBallots = await EncryptionSteps.EncryptAsync(board, entries, "device-1", "backlog device", TimeProvider.System, journal);
        }

        Assert.Equal(40, sealedBallots.Count);
        Assert.InRange(counting.BatchPosts, 1, 11); // the backlog of 30 in one request; the 10 new ballots alone or together
        Assert.True(counting.SinglePosts + counting.BatchPosts < 30 + 10, $"{counting.SinglePosts} single posts and {counting.BatchPosts} batches for 40 ballots");
        Assert.True(counting.SinglePosts <= 10, $"{counting.SinglePosts} single posts: the backlog went one by one");

        JsonElement page = await election.DeviceClient.Http.GetFromJsonAsync<JsonElement>("board/ballots?limit=1000");
        string[] onBoard = [.. page.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("id").GetString()!)];
        Assert.Equal(onBoard.Length, onBoard.Distinct().Count());
        Assert.Equal(sealedBallots.Select(b => b.Id.ToHex()).Order(StringComparer.Ordinal), onBoard.Order(StringComparer.Ordinal));
        foreach (EncryptedBallot ballot in sealedBallots)
        {
            Assert.Equal(RecordFormat.WriteBallot(ballot), await election.DeviceClient.Http.GetByteArrayAsync($"board/ballots/{ballot.Id.ToHex()}"));
        }
    }
}

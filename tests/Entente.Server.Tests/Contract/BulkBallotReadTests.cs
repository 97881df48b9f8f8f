using System.Buffers.Binary;
using System.Security.Cryptography;
using Entente.Client.Election;
using Entente.Client.Http;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Server.Tests.Browser;

namespace Entente.Server.Tests.Contract;

/// <summary>A board with 150 ballots on it (3 challenged): more than two <c>GET /blobs</c> answers of 64.</summary>
public sealed class BallotsOnBoardFixture : IAsyncLifetime
{
    internal const int Count = 150;

    internal LiveElection Election { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Election = await LiveElection.StartAsync();
        await Election.SetUpAsync();
        await Election.OpenVotingAsync();
        await Election.VoteAsync(Count, 7, 70, 140);
    }

    public async Task DisposeAsync() => await Election.DisposeAsync();
}

/// <summary>
/// The election board's bulk read over real HTTP (<see cref="HttpElectionBoard.ReadManyAsync"/>, <c>GET /blobs</c>):
/// the ballots it reads are those read one by one; every artifact is re-hashed against the SHA-256 its listing gave,
/// so bytes altered on the way are refused naming the document; those an answer leaves out are read alone.
/// </summary>
public sealed class BulkBallotReadTests(BallotsOnBoardFixture fixture) : IClassFixture<BallotsOnBoardFixture>
{
    private LiveElection Election => fixture.Election;

    private Uri Address => new(Election.BaseUrl + "/");

    private static readonly RetryPolicy Quick = new() { MaxAttempts = 2, FirstDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) };

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task Ballots_read_in_bulk_equal_those_read_one_by_one_and_take_one_blobs_request_per_64()
    {
        Counting counting = new();
        using HttpElectionBoard board = new(Address, Election.Board.Blue, Quick, counting);
        IReadOnlyList<ElectionDocument> documents = await board.ListAsync(ElectionDocumentKind.Ballot);
        Assert.Equal(BallotsOnBoardFixture.Count, documents.Count);

        counting.Reset();
        IReadOnlyList<byte[]?> bulk = await board.ReadManyAsync(documents);
        Assert.Equal((BallotsOnBoardFixture.Count + 63) / 64, counting.Blobs);
        Assert.Equal(0, counting.Singles);

        Dictionary<string, EncryptedBallot> posted = Election.Ballots.ToDictionary(b => b.Id.ToHex());
        for (int i = 0; i < documents.Count; i++)
        {
            byte[]? alone = await board.ReadAsync(documents[i]);
            Assert.NotNull(alone);
            Assert.Equal(alone, bulk[i]);
            Assert.Equal(RecordFormat.WriteBallot(posted[documents[i].Id]), bulk[i]);
        }

        // The whole read of a step: the same ballots, parsed, whether the place reads them in bulk or one by one.
        (_, IReadOnlyList<EncryptedBallot> inBulk) = await board.LoadBallotsAsync(Election.Context);
        (_, IReadOnlyList<EncryptedBallot> oneByOne) = await new OneByOne(board).LoadBallotsAsync(Election.Context);
        Assert.Equal(oneByOne.Select(RecordFormat.WriteBallot), inBulk.Select(RecordFormat.WriteBallot));
        Assert.Equal(Election.Ballots.Select(b => b.Id.ToHex()).Order(StringComparer.Ordinal), inBulk.Select(b => b.Id.ToHex()));
    }

    [Fact]
    public async Task A_blob_whose_bytes_do_not_hash_to_the_listed_sha256_is_refused_as_corrupt_naming_the_document()
    {
        using HttpElectionBoard honest = new(Address, Election.Board.Blue, Quick);
        IReadOnlyList<ElectionDocument> documents = await honest.ListAsync(ElectionDocumentKind.Ballot);
        ElectionDocument victim = documents[100];
        byte[] original = (await honest.ReadAsync(victim))!;

        // The answer keeps the SHA-256 it names for the victim but alters one byte of its bytes.
        AlterBlobs altering = new(Sha256(original), drop: false);
        using HttpElectionBoard board = new(Address, Election.Board.Blue, Quick, altering);
        IReadOnlyList<ElectionDocument> listed = await board.ListAsync(ElectionDocumentKind.Ballot);
        ElectionBoardException corrupt = await Assert.ThrowsAsync<ElectionBoardException>(() => board.ReadManyAsync(listed));
        Assert.Equal(1, altering.Altered);
        Assert.Equal(BoardRefusalReason.Corrupt, corrupt.Reason);
        Assert.Equal(board.Describe(victim), corrupt.Where);
        Assert.EndsWith("/board/ballots/" + victim.Id, corrupt.Where, StringComparison.Ordinal);
        Assert.Contains($"commits to {Sha256(original)}", corrupt.Detail, StringComparison.Ordinal);

        // A step reading the ballots stops on it the same way.
        ElectionBoardException step = await Assert.ThrowsAsync<ElectionBoardException>(() => board.LoadBallotsAsync(Election.Context));
        Assert.Equal(BoardRefusalReason.Corrupt, step.Reason);
        Assert.Equal(board.Describe(victim), step.Where);
    }

    [Fact]
    public async Task Ballots_a_blobs_answer_leaves_out_are_read_alone_and_checked_against_the_listed_sha256_not_the_etag()
    {
        using HttpElectionBoard honest = new(Address, Election.Board.Blue, Quick);
        IReadOnlyList<ElectionDocument> documents = await honest.ListAsync(ElectionDocumentKind.Ballot);
        IReadOnlyList<byte[]?> expected = await honest.ReadManyAsync(documents);
        HashSet<string> left = [.. expected.Where((_, i) => i % 10 == 3).Select(b => Sha256(b!))];

        // Every tenth ballot is left out of the answers: each is read alone, the rest come in bulk.
        Counting counting = new(new AlterBlobs(left, drop: true));
        using (HttpElectionBoard board = new(Address, Election.Board.Blue, Quick, counting))
        {
            IReadOnlyList<ElectionDocument> listed = await board.ListAsync(ElectionDocumentKind.Ballot);
            counting.Reset();
            IReadOnlyList<byte[]?> read = await board.ReadManyAsync(listed);
            Assert.Equal(expected, read);
            Assert.Equal(left.Count, counting.Singles);
            Assert.Equal(3, counting.Blobs);
        }

        // Left out, then altered when read alone with an ETag that matches the altered bytes: the listing's SHA-256 refuses it.
        ElectionDocument victim = documents[42];
        string victimSha = Sha256(expected[42]!);
        AlterBlobs dropping = new(victimSha, drop: true) { AlterSingle = "/board/ballots/" + victim.Id };
        using (HttpElectionBoard board = new(Address, Election.Board.Blue, Quick, dropping))
        {
            IReadOnlyList<ElectionDocument> listed = await board.ListAsync(ElectionDocumentKind.Ballot);
            ElectionBoardException corrupt = await Assert.ThrowsAsync<ElectionBoardException>(() => board.ReadManyAsync(listed));
            Assert.Equal(BoardRefusalReason.Corrupt, corrupt.Reason);
            Assert.Equal(board.Describe(victim), corrupt.Where);
            Assert.Contains($"commits to {victimSha}", corrupt.Detail, StringComparison.Ordinal);
        }

        // A board without GET /blobs (404): every ballot is read alone, and the route is not asked again.
        Counting without = new(new NoBlobs());
        using (HttpElectionBoard board = new(Address, Election.Board.Blue, Quick, without))
        {
            IReadOnlyList<ElectionDocument> listed = await board.ListAsync(ElectionDocumentKind.Ballot);
            Assert.Equal(expected, await board.ReadManyAsync(listed));
            int asked = without.Blobs;
            Assert.InRange(asked, 1, 3); // the answers already in flight when the first 404 came
            Assert.Equal(expected, await board.ReadManyAsync(listed));
            Assert.Equal(asked, without.Blobs);
            Assert.Equal(2 * expected.Count, without.Singles);
        }

        // Documents no listing of this client gave (no SHA-256 to check against): read alone, against the ETag.
        Counting unlisted = new();
        using (HttpElectionBoard board = new(Address, Election.Board.Blue, Quick, unlisted))
        {
            ElectionDocument[] named = [.. Election.Ballots.Take(5).Select(ElectionDocument.Ballot)];
            Assert.Equal(Election.Ballots.Take(5).Select(RecordFormat.WriteBallot), await board.ReadManyAsync(named));
            Assert.Equal(0, unlisted.Blobs);
            Assert.Equal(5, unlisted.Singles);
        }
    }

    /// <summary>The same place with the contract's default bulk read: one by one.</summary>
    private sealed class OneByOne(IElectionBoard inner) : IElectionBoard
    {
        public string Location => inner.Location;

        public string Describe(ElectionDocument document) => inner.Describe(document);

        public Task<byte[]?> ReadAsync(ElectionDocument document, CancellationToken cancellationToken = default) => inner.ReadAsync(document, cancellationToken);

        public Task<IReadOnlyList<ElectionDocument>> ListAsync(ElectionDocumentKind kind, CancellationToken cancellationToken = default) => inner.ListAsync(kind, cancellationToken);

        public Task<Publication> PublishAsync(ElectionDocument document, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("read only");
    }

    /// <summary>Counts the <c>GET /blobs</c> requests and the single ballot reads.</summary>
    private sealed class Counting(HttpMessageHandler? inner = null) : DelegatingHandler(inner ?? new SocketsHttpHandler())
    {
        private int _blobs;
        private int _singles;

        public int Blobs => _blobs;

        public int Singles => _singles;

        public void Reset()
        {
            _blobs = 0;
            _singles = 0;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string path = request.RequestUri!.AbsolutePath;
            if (path == "/blobs")
            {
                Interlocked.Increment(ref _blobs);
            }
            else if (path.StartsWith("/board/ballots/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _singles);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A board that answers <c>GET /blobs</c> with 404, as one without the route would.</summary>
    private sealed class NoBlobs() : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.AbsolutePath == "/blobs" ? Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.NotFound)) : base.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Rewrites <c>GET /blobs</c> answers: the artifacts whose named SHA-256 is in the set are dropped, or keep their name
    /// with one byte of their bytes altered. With <see cref="AlterSingle"/>, also alters the single read of that path and
    /// serves an <c>ETag</c> that matches the altered bytes.
    /// </summary>
    private sealed class AlterBlobs(IReadOnlySet<string> targets, bool drop) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _altered;

        public AlterBlobs(string target, bool drop)
            : this(new HashSet<string> { target }, drop)
        {
        }

        public string? AlterSingle { get; init; }

        public int Altered => _altered;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            string path = request.RequestUri!.AbsolutePath;
            if (!response.IsSuccessStatusCode || (path != "/blobs" && path != AlterSingle))
            {
                return response;
            }

            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (path == AlterSingle)
            {
                body[body.Length / 2] ^= 1;
                response.Content = new ByteArrayContent(body);
                response.Headers.ETag = new($"\"{Sha256(body)}\"");
                return response;
            }

            using MemoryStream rewritten = new();
            for (int offset = 0; offset < body.Length;)
            {
                int length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 32, 4));
                byte[] item = body.AsSpan(offset, 36 + length).ToArray();
                offset += 36 + length;
                if (targets.Contains(Convert.ToHexStringLower(item.AsSpan(0, 32))))
                {
                    if (drop)
                    {
                        continue;
                    }

                    item[36 + (length / 2)] ^= 1;
                    Interlocked.Increment(ref _altered);
                }

                rewritten.Write(item);
            }

            response.Content = new ByteArrayContent(rewritten.ToArray());
            response.Content.Headers.ContentType = new("application/octet-stream");
            return response;
        }
    }
}

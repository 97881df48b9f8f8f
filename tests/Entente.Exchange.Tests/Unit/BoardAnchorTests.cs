using System.Text;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Exchange.Tests.Unit;

/// <summary>
/// Exchange messages sequenced on the election board's log (BoardAnchor) and checked against the board's
/// witnessed checkpoint (BoardExchangeVerifier): one checkpoint commits to the election and the exchange.
/// </summary>
public sealed class BoardAnchorTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-anchor-").FullName;
    private readonly Ed25519NoteSigner _logKey = Ed25519NoteSigner.Generate("test.board");
    private readonly Ed25519NoteSigner _witness = Ed25519NoteSigner.Generate("witness.test");
    private readonly Ed25519NoteSigner _blueBoard = Ed25519NoteSigner.FromSeed("Blue", Enumerable.Repeat((byte)1, 32).ToArray());
    private readonly Ed25519NoteSigner _redBoard = Ed25519NoteSigner.FromSeed("Red", Enumerable.Repeat((byte)2, 32).ToArray());
    private SqliteLogStore _store = null!;
    private SqliteBlobStore _blobs = null!;
    private Sequencer _sequencer = null!;
    private TrustPolicy _policy = null!;

    public async Task InitializeAsync()
    {
        string db = Path.Combine(_dir, "board.db");
        _store = new SqliteLogStore(db);
        _blobs = new SqliteBlobStore(db);
        await _store.CreateSchemaAsync();
        await _blobs.CreateSchemaAsync();
        await Sequencer.InitializeLogAsync(_store, _logKey, _logKey.Name);
        _sequencer = await Sequencer.StartAsync(_store, _logKey, _logKey.Name);
        _policy = TrustPolicy.Parse($"log {_logKey.VerifierKey}\nwitness w {_witness.CosignerVerifierKey}\nquorum w\n");
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task DisposeAsync()
    {
        await _sequencer.DisposeAsync();
        await _store.DisposeAsync();
        foreach (Ed25519NoteSigner key in new[] { _logKey, _witness, _blueBoard, _redBoard })
        {
            key.Dispose();
        }
    }

    private Ed25519NoteSigner BoardKeyOf(ExchangeEntry entry) => entry.Sender == ExchangeWorld.BlueId ? _blueBoard : _redBoard;

    private INoteVerifier? BoardVerifier(string party) => party switch { "Blue" => _blueBoard.Verifier, "Red" => _redBoard.Verifier, _ => null };

    /// <summary>The board head, cosigned by the test witness (or not).</summary>
    private string Checkpoint(bool cosigned = true)
    {
        SignedNote note = SignedNote.Parse(_sequencer.Head.Note);
        return (cosigned ? note.WithSignature(_witness.Cosign(note.TextBytes, (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds())) : note).ToString();
    }

    private async Task<BoardExchangeProof> ProveAsync(ExchangeEntry entry, long boardIndex, string checkpoint)
    {
        long size = Transparency.Checkpoint.Parse(SignedNote.Parse(checkpoint).Text).Size;
        byte[] boardEntry = (await _store.ReadEntriesAsync(boardIndex, 1))[0];
        Hash256[] proof = await new LogReader(_store).InclusionProofAsync(boardIndex, size);
        return new BoardExchangeProof(entry, boardIndex, boardEntry, proof, checkpoint);
    }

    [Fact]
    public async Task Every_accepted_envelope_becomes_a_board_entry_signed_by_its_sender_that_verifies_against_the_witnessed_checkpoint()
    {
        using ExchangeWorld world = new();
        BoardAnchor anchor = new(_sequencer, _blobs, BoardKeyOf);
        using ExchangeService service = new(world.Store, world.Parties, world.Collections, world.Time, anchor: anchor);
        // The board already holds an election entry: exchange entries need not start at board index 0.
        await _sequencer.AddAsync(new LogEntry("charter", Hash256.Compute("x"u8), "Blue").Sign(_blueBoard));
        ExchangeReceipt blue = await service.SubmitAsync(world.Seal(world.Blue, ExchangeWorld.BlueId, world.Indicator(ExchangeWorld.BlueId)));
        ExchangeReceipt red = await service.SubmitAsync(world.Seal(world.Red, ExchangeWorld.RedId, world.Indicator(ExchangeWorld.RedId)));

        Assert.Equal([1L, 2L], anchor.BoardIndexes);
        Assert.Equal(2, await BoardAnchor.CountOnBoardAsync(_store, _sequencer.Head.Size));
        string checkpoint = Checkpoint();
        foreach ((ExchangeEntry entry, long boardIndex, string party) in new[] { (blue.Entry, 1L, "Blue"), (red.Entry, 2L, "Red") })
        {
            (LogEntry boardEntry, _) = LogEntry.Parse((await _store.ReadEntriesAsync(boardIndex, 1))[0]);
            Assert.Equal("exchange.indicator", boardEntry.Type);
            Assert.Equal(party, boardEntry.Party);
            Assert.Equal(entry.Envelope, await _blobs.GetAsync(entry.EnvelopeHash));
            Assert.Equal(entry.ToLeafBytes(), await _blobs.GetAsync(boardEntry.Sha256));
            BoardExchangeVerification v = BoardExchangeVerifier.Verify(await ProveAsync(entry, boardIndex, checkpoint), world.Parties, _policy, BoardVerifier);
            Assert.True(v.Valid, string.Join("; ", v.Failures));
        }
    }

    [Fact]
    public async Task The_verifier_names_each_broken_link_altered_envelope_other_board_entry_bad_proof_and_unwitnessed_checkpoint()
    {
        using ExchangeWorld world = new();
        BoardAnchor anchor = new(_sequencer, _blobs, BoardKeyOf);
        using ExchangeService service = new(world.Store, world.Parties, world.Collections, world.Time, anchor: anchor);
        ExchangeEntry first = (await service.SubmitAsync(world.Seal(world.Blue, ExchangeWorld.BlueId, world.Indicator(ExchangeWorld.BlueId)))).Entry;
        await service.SubmitAsync(world.Seal(world.Red, ExchangeWorld.RedId, world.Indicator(ExchangeWorld.RedId)));
        string checkpoint = Checkpoint();
        BoardExchangeProof good = await ProveAsync(first, 0, checkpoint);

        string altered = Encoding.UTF8.GetString(first.Envelope).Replace("198.51.100.7", "198.51.100.8", StringComparison.Ordinal);
        BoardExchangeVerification envelope = BoardExchangeVerifier.Verify(good with { Entry = first with { Envelope = Encoding.UTF8.GetBytes(altered) } }, world.Parties, _policy, BoardVerifier);
        Assert.False(envelope.Signature);
        Assert.False(envelope.Leaf);
        Assert.Contains(envelope.Failures, f => f.Check == "signature");

        BoardExchangeVerification otherEntry = BoardExchangeVerifier.Verify(good with { BoardEntry = (await _store.ReadEntriesAsync(1, 1))[0] }, world.Parties, _policy, BoardVerifier);
        Assert.True(otherEntry.Signature);
        Assert.False(otherEntry.Leaf);
        Assert.Contains(otherEntry.Failures, f => f.Check == "leaf" && f.Message.Contains("does not commit", StringComparison.Ordinal));

        Hash256[] bad = [.. good.InclusionProof];
        bad[0] = Hash256.Compute(Encoding.UTF8.GetBytes(bad[0].ToHex()));
        BoardExchangeVerification proof = BoardExchangeVerifier.Verify(good with { InclusionProof = bad }, world.Parties, _policy, BoardVerifier);
        Assert.False(proof.Inclusion);
        Assert.True(proof.Checkpoint);

        BoardExchangeVerification unwitnessed = BoardExchangeVerifier.Verify(good with { Checkpoint = Checkpoint(cosigned: false) }, world.Parties, _policy, BoardVerifier);
        Assert.False(unwitnessed.Checkpoint);
        Assert.True(unwitnessed.Inclusion);
        Assert.Contains(unwitnessed.Failures, f => f.Message.Contains("quorum", StringComparison.Ordinal));

        BoardExchangeVerification wrongSigner = BoardExchangeVerifier.Verify(good, world.Parties, _policy, party => party == "Blue" ? _redBoard.Verifier : null);
        Assert.False(wrongSigner.Leaf);
    }

    [Fact]
    public async Task Readers_only_messages_leave_no_public_blob_but_still_prove_against_the_witnessed_checkpoint()
    {
        // Issue #14, item 6: GET /blob served every message to anyone who followed the public log (entry → leaf → envelope).
        using ExchangeWorld world = new();
        BoardAnchor anchor = new(_sequencer, _blobs, BoardKeyOf, collections: world.Collections);
        using ExchangeService service = new(world.Store, world.Parties, world.Collections, world.Time, anchor: anchor);
        ExchangeEntry clear = (await service.SubmitAsync(world.Seal(world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(world.Indicator(ExchangeWorld.BlueId), Stix.Tlp.Clear)))).Entry;
        ExchangeEntry amber = (await service.SubmitAsync(world.Seal(world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(world.Indicator(ExchangeWorld.BlueId), Stix.Tlp.Amber)))).Entry;
        ExchangeEntry red = (await service.SubmitAsync(world.SealTo(world.Red, ExchangeWorld.RedId, ExchangeWorld.Marked(world.Indicator(ExchangeWorld.RedId), Stix.Tlp.Red)))).Entry;
        string checkpoint = Checkpoint();

        Assert.Equal(clear.Envelope, await _blobs.GetAsync(clear.EnvelopeHash));
        Assert.Equal(clear.ToLeafBytes(), await _blobs.GetAsync(Hash256.Compute(clear.ToLeafBytes())));
        foreach (ExchangeEntry hidden in new[] { amber, red })
        {
            Assert.Null(await _blobs.GetAsync(hidden.EnvelopeHash));
            Assert.Null(await _blobs.GetAsync(Hash256.Compute(hidden.ToLeafBytes())));
        }

        foreach ((ExchangeEntry entry, long boardIndex) in new[] { (clear, 0L), (amber, 1L), (red, 2L) })
        {
            BoardExchangeVerification v = BoardExchangeVerifier.Verify(await ProveAsync(entry, boardIndex, checkpoint), world.Parties, _policy, BoardVerifier);
            Assert.True(v.Valid, string.Join("; ", v.Failures));
        }
    }

    [Fact]
    public async Task A_reader_proves_to_a_third_party_what_the_sender_of_a_sealed_message_signed()
    {
        using ExchangeWorld world = new();
        BoardAnchor anchor = new(_sequencer, _blobs, BoardKeyOf, collections: world.Collections);
        using ExchangeService service = new(world.Store, world.Parties, world.Collections, world.Time, anchor: anchor);
        ExchangeEntry logged = (await service.SubmitAsync(world.SealTo(world.Red, ExchangeWorld.RedId, ExchangeWorld.Marked(world.Indicator(ExchangeWorld.RedId), Stix.Tlp.Red)))).Entry;
        BoardExchangeProof proof = await ProveAsync(logged, 0, Checkpoint());
        ExchangeEntry opened = (await new Sealing.ReaderView(world.Store, ExchangeWorld.BlueId, world.BlueEncryption).GetAsync(0))!;

        // What Blue hands the arbiter: the board proof (with the sealed envelope) and the signed message it read.
        byte[] revealed = opened.Opened!.ToCanonicalJson();
        BoardExchangeVerification onBoard = BoardExchangeVerifier.Verify(proof, world.Parties, _policy, BoardVerifier);
        Sealing.SealedEnvelope logSays = Sealing.SealedEnvelope.Parse(proof.Entry.Envelope);
        Envelopes.SignedEnvelope message = Envelopes.SignedEnvelope.Parse(revealed);

        Assert.True(onBoard.Valid, string.Join("; ", onBoard.Failures));
        Assert.Empty(logSays.CheckDisclosure(revealed));
        Assert.True(world.Parties.TryGetByKey(message.PublicKey, out Envelopes.Party? sender));
        Assert.Equal("Red", sender.Name);
        Assert.NotEmpty(logSays.CheckDisclosure(world.Seal(world.Red, ExchangeWorld.RedId, world.Indicator(ExchangeWorld.RedId), ExchangeWorld.ConfidentialCollection).ToCanonicalJson()));
    }

    [Fact]
    public async Task An_anchor_failure_leaves_the_entry_stored_and_the_next_submission_anchors_both_in_order()
    {
        using ExchangeWorld world = new();
        FlakyAnchor anchor = new(new BoardAnchor(_sequencer, _blobs, BoardKeyOf));
        using ExchangeService service = new(world.Store, world.Parties, world.Collections, world.Time, anchor: anchor);
        await Assert.ThrowsAsync<IOException>(() => service.SubmitAsync(world.Seal(world.Blue, ExchangeWorld.BlueId, world.Indicator(ExchangeWorld.BlueId))));
        Assert.Equal(1, await world.Store.CountAsync());
        Assert.Equal(0, await anchor.AnchoredCountAsync());

        await service.SubmitAsync(world.Seal(world.Red, ExchangeWorld.RedId, world.Indicator(ExchangeWorld.RedId)));
        Assert.Equal(2, await anchor.AnchoredCountAsync());
        IReadOnlyList<byte[]> board = await _store.ReadEntriesAsync(0, 2);
        Assert.Equal(["Blue", "Red"], board.Select(b => LogEntry.Parse(b).Entry.Party));
    }

    /// <summary>Fails its first anchoring, as a crash between the two appends would.</summary>
    private sealed class FlakyAnchor(IExchangeAnchor inner) : IExchangeAnchor
    {
        private bool _failed;

        public Task<long> AnchoredCountAsync(CancellationToken cancellationToken = default) => inner.AnchoredCountAsync(cancellationToken);

        public Task AnchorAsync(ExchangeEntry entry, CancellationToken cancellationToken = default)
        {
            if (!_failed)
            {
                _failed = true;
                throw new IOException("the board is unreachable");
            }

            return inner.AnchorAsync(entry, cancellationToken);
        }
    }
}

using System.Text.Json;
using Entente.Exchange.Log;
using Entente.Transparency;
using Entente.Transparency.Notes;

namespace Entente.Exchange.Tests.Unit;

/// <summary>Every accepted message comes back with a proof a reader can check against the pinned log key.</summary>
public sealed class LogProofTests : IDisposable
{
    private readonly ExchangeWorld _world = new();
    private const string Origin = "entente.example/exchange";
    private readonly Ed25519NoteSigner _logKey = Ed25519NoteSigner.FromSeed(Origin, Enumerable.Repeat((byte)9, 32).ToArray());

    [Fact]
    public async Task Every_entry_proves_against_a_signed_checkpoint_and_survives_json()
    {
        for (int i = 0; i < 7; i++)
        {
            await _world.SendAsync(i % 2 == 0 ? _world.Blue : _world.Red, i % 2 == 0 ? ExchangeWorld.BlueId : ExchangeWorld.RedId,
                _world.Indicator(i % 2 == 0 ? ExchangeWorld.BlueId : ExchangeWorld.RedId));
        }

        using ExchangeLog log = new(_world.Store, Origin, _logKey);
        for (long index = 0; index < 7; index++)
        {
            ExchangeProof proof = await log.ProveAsync(index);
            using JsonDocument json = JsonDocument.Parse(proof.ToJson());
            ExchangeProof reread = ExchangeProof.FromJson(json.RootElement);

            Assert.Empty(ExchangeProofVerifier.Verify(proof, _world.Parties, _logKey.Verifier));
            Assert.Empty(ExchangeProofVerifier.Verify(reread, _world.Parties, _logKey.Verifier));
        }
    }

    [Fact]
    public async Task A_message_that_is_not_in_the_log_does_not_prove()
    {
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));
        using ExchangeLog log = new(_world.Store, Origin, _logKey);
        ExchangeProof real = await log.ProveAsync(1);

        // A validly signed envelope that was never logged, dressed up with a real proof.
        byte[] forged = _world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson();
        ExchangeProof claim = real with { Entry = real.Entry with { Envelope = forged } };

        IReadOnlyList<ProofFailure> failures = ExchangeProofVerifier.Verify(claim, _world.Parties, _logKey.Verifier);

        Assert.Contains(failures, f => f.Check == "inclusion");
    }

    [Fact]
    public async Task A_checkpoint_signed_by_another_key_is_reported()
    {
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));
        using Ed25519NoteSigner impostor = Ed25519NoteSigner.FromSeed("entente.example/exchange", Enumerable.Repeat((byte)8, 32).ToArray());
        using ExchangeLog log = new(_world.Store, Origin, impostor);
        ExchangeProof proof = await log.ProveAsync(0);

        IReadOnlyList<ProofFailure> failures = ExchangeProofVerifier.Verify(proof, _world.Parties, _logKey.Verifier);

        Assert.Contains(failures, f => f.Check == "checkpoint");
    }

    [Fact]
    public async Task A_key_for_another_origin_is_refused_before_anything_is_signed()
    {
        // The board's log key offered to the exchange log: signing the exchange's tree under the board's origin would
        // give tlog verifiers two inconsistent signed trees of that origin (issue #14, item 9).
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));
        using Ed25519NoteSigner boardKey = Ed25519NoteSigner.FromSeed("entente.example/log", Enumerable.Repeat((byte)7, 32).ToArray());

        ExchangeLogKeyException e = Assert.Throws<ExchangeLogKeyException>(() => new ExchangeLog(_world.Store, Origin, boardKey));

        Assert.Equal("entente.example/log", e.KeyOrigin);
        Assert.Equal(Origin, e.Origin);
        Assert.Contains("fork", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_of_another_origin_is_reported_even_when_its_signature_verifies()
    {
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));
        using ExchangeLog log = new(_world.Store, Origin, _logKey);
        ExchangeProof proof = await log.ProveAsync(0);
        // The pinned exchange key signing the same tree under the board's origin line, as a confused tool would.
        Checkpoint original = Checkpoint.Parse(SignedNote.Parse(proof.Checkpoint).Text);
        string forked = _logKey.SignNote(new Checkpoint("entente.example/log", original.Size, original.Root).ToText()).ToString();

        IReadOnlyList<ProofFailure> failures = ExchangeProofVerifier.Verify(proof with { Checkpoint = forked }, _world.Parties, _logKey.Verifier);

        Assert.Equal([("checkpoint", true)], failures.Select(f => (f.Check, f.Message.Contains("origin", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Checkpoint_root_matches_an_independent_tree_over_the_leaves()
    {
        for (int i = 0; i < 3; i++)
        {
            await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));
        }

        using ExchangeLog log = new(_world.Store, Origin, _logKey);
        SignedNote note = await log.CheckpointAsync();
        Checkpoint checkpoint = Checkpoint.Parse(note.Text);
        List<Hash256> leaves = [];
        foreach (Storage.ExchangeEntry entry in await _world.Store.ReadRangeAsync(0, 10))
        {
            leaves.Add(Transparency.Merkle.Rfc6962.LeafHash(entry.ToLeafBytes()));
        }

        Assert.Equal(3, checkpoint.Size);
        Assert.Equal(Transparency.Merkle.MerkleMath.RootFromLeafHashes(leaves), checkpoint.Root);
    }

    public void Dispose()
    {
        _world.Dispose();
        _logKey.Dispose();
    }
}

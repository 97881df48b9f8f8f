using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Transparency.Tests.Kat;

/// <summary>tlog-witness add-checkpoint against the transparency-dev/witness "monkeys" vectors.</summary>
public sealed class WitnessProtocolTests
{
    /// <summary>An in-memory witness store with the contract's compare-and-swap (the real stores run the contract suite).</summary>
    internal sealed class MemoryWitnessStore : IWitnessStore
    {
        private readonly ConcurrentDictionary<string, WitnessState> _states = new();

        public Task CreateSchemaAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<WitnessState?> GetAsync(string origin, CancellationToken cancellationToken = default) =>
            Task.FromResult(_states.TryGetValue(origin, out WitnessState? s) ? s : null);

        public Task<bool> CompareAndSwapAsync(long? expectedSize, WitnessState updated, CancellationToken cancellationToken = default)
        {
            lock (_states)
            {
                bool has = _states.TryGetValue(updated.Origin, out WitnessState? s);
                if ((expectedSize is null && has) || (expectedSize is not null && (!has || s!.Size != expectedSize)))
                {
                    return Task.FromResult(false);
                }

                _states[updated.Origin] = updated;
                return Task.FromResult(true);
            }
        }
    }

    private static readonly JsonElement Monkeys = Vectors.Json("witness-protocol/transparency-dev-witness-monkeys.json");

    private static (Witness.Witness Witness, MemoryWitnessStore Store, Ed25519NoteSigner Key) NewWitness()
    {
        Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey(Monkeys.GetProperty("witness").GetProperty("skey").GetString()!);
        MemoryWitnessStore store = new();
        WitnessedLog monkeys = new("monkeys", [VerifierKeys.Parse(Monkeys.GetProperty("log").GetProperty("vkey").GetString()!)]);
        WitnessedLog bananas = new("bananas", [VerifierKeys.Parse(Monkeys.GetProperty("other_log").GetProperty("vkey").GetString()!)]);
        FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        return (new Witness.Witness(key, [monkeys, bananas], store, time), store, key);
    }

    [Fact]
    public void The_vector_proof_5_to_8_is_what_the_requests_carry()
    {
        string[] hex = Monkeys.GetProperty("consistency_5_to_8_hex").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.True(Witness.Witness.TryParseRequest(Monkeys.GetProperty("add_checkpoint_requests")[1].GetProperty("body").GetString()!, out long old, out List<byte[]> proof, out _, out _));
        Assert.Equal(5, old);
        Assert.Equal(hex, proof.Select(Convert.ToHexStringLower));
    }

    [Fact]
    public async Task The_monkeys_request_sequence_gets_the_spec_statuses_and_bodies()
    {
        (Witness.Witness witness, MemoryWitnessStore store, Ed25519NoteSigner key) = NewWitness();
        using Ed25519NoteSigner _ = key;
        List<Ed25519NoteSigner> keys = [key];
        JsonElement[] requests = Monkeys.GetProperty("add_checkpoint_requests").EnumerateArray().ToArray();
        foreach (JsonElement r in requests)
        {
            if (r.GetProperty("desc").GetString()!.StartsWith("wrong proof", StringComparison.Ordinal))
            {
                // The table means this one against a witness at size 5 (the sequence has moved it to 8).
                (witness, store, Ed25519NoteSigner freshKey) = NewWitness();
                keys.Add(freshKey);
                Assert.Equal(200, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes(requests[0].GetProperty("body").GetString()!))).Status);
            }

            WitnessState? before = await store.GetAsync("monkeys");
            WitnessResponse response = await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes(r.GetProperty("body").GetString()!));
            JsonElement expected = r.GetProperty("expect_status");
            int status = expected.ValueKind == JsonValueKind.Number ? expected.GetInt32() : int.Parse(expected.GetString()![..3], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(status == response.Status, $"{r.GetProperty("desc").GetString()}: {response.Status} {response.Body}");
            if (r.TryGetProperty("expect_body", out JsonElement body))
            {
                Assert.Equal(body.GetString(), response.Body);
                Assert.Equal(r.GetProperty("expect_content_type").GetString(), response.ContentType);
            }

            if (status == 200)
            {
                SignedNote line = SignedNote.Parse("x\n\n" + response.Body);
                Assert.Equal(keys[^1].CosignatureKeyId, line.Signatures[0].KeyId);
                WitnessState after = (await store.GetAsync("monkeys"))!;
                SignedNote kept = SignedNote.Parse(after.Note);
                Assert.True(NoteVerification.HasValidSignature(kept, keys[^1].CosignatureVerifier));
                Assert.Equal(1_800_000_000ul, CosignatureV1Verifier.Timestamp(line.Signatures[0].Signature));
            }
            else
            {
                Assert.Equal(before?.Note, (await store.GetAsync("monkeys"))?.Note);
            }
        }

        Assert.Equal(5, (await store.GetAsync("monkeys"))!.Size);
        keys.Skip(1).ToList().ForEach(k => k.Dispose());
    }

    [Fact]
    public async Task A_witness_refuses_to_go_backwards_or_fork_and_keeps_its_state()
    {
        (Witness.Witness witness, MemoryWitnessStore store, Ed25519NoteSigner key) = NewWitness();
        using Ed25519NoteSigner _ = key;
        using Ed25519NoteSigner log = Ed25519NoteSigner.FromSkey(Monkeys.GetProperty("log").GetProperty("skey").GetString()!);
        string cp8 = Monkeys.GetProperty("checkpoint_size8").GetString()!;
        Assert.Equal(200, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 0\n\n" + cp8))).Status);

        // Backwards: the size-5 checkpoint with old 8 → 400 (old > size).
        string cp5 = Monkeys.GetProperty("checkpoint_size5").GetString()!;
        Assert.Equal(400, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 8\n\n" + cp5))).Status);
        // A fork at the same size: a different root signed by the log → 422.
        string forked = log.SignNote("monkeys\n8\n" + Convert.ToBase64String(new byte[32]) + "\n").ToString();
        Assert.Equal(422, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 8\n\n" + forked))).Status);
        // A size-0 checkpoint with a non-empty root contradicts itself: 422 whatever the state.
        string badEmpty = log.SignNote("monkeys\n0\n" + Convert.ToBase64String(new byte[32]) + "\n").ToString();
        Assert.Equal(422, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 0\n\n" + badEmpty))).Status);
        // Wrong signature → 403; garbage → 400.
        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("monkeys");
        string strangers = stranger.SignNote("monkeys\n9\n" + Convert.ToBase64String(new byte[32]) + "\n").ToString();
        Assert.Equal(403, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 8\n\n" + strangers))).Status);
        Assert.Equal(400, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 08\n\n" + cp8))).Status);
        Assert.Equal(400, (await witness.AddCheckpointAsync(new byte[] { 0xff, 0x0a, 0x0a })).Status);
        // A stale client learns the size from the 409 body.
        WitnessResponse stale = await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 5\n\n" + cp8));
        Assert.Equal((409, "8\n", "text/x.tlog.size"), (stale.Status, stale.Body, stale.ContentType));
        Assert.Equal(8, (await store.GetAsync("monkeys"))!.Size);
        // Re-submitting the same checkpoint is cosigned again.
        Assert.Equal(200, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 8\n\n" + cp8))).Status);
    }

    [Fact]
    public async Task A_fresh_size_0_checkpoint_with_a_wrong_root_gets_422()
    {
        (Witness.Witness witness, _, Ed25519NoteSigner key) = NewWitness();
        using Ed25519NoteSigner witnessKey = key;
        using Ed25519NoteSigner log = Ed25519NoteSigner.FromSkey(Monkeys.GetProperty("log").GetProperty("skey").GetString()!);
        string badEmpty = log.SignNote("monkeys\n0\n" + Convert.ToBase64String(new byte[32]) + "\n").ToString();
        Assert.Equal(422, (await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes("old 0\n\n" + badEmpty))).Status);
    }
}

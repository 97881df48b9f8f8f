using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Unit;

/// <summary>Per-guardian checks of the two-round partial decryption (eq 88, Note 3.7) on the tiny group, 2 of 3 with U = {1, 3}.</summary>
public sealed class PartialDecryptionVerifierTests : IDisposable
{
    private static readonly int[] U = [1, 3];

    private readonly ElectionContext _context;
    private readonly GuardianSecrets[] _secrets;
    private readonly EncryptedTally _tally;
    private readonly DecryptionItem[] _items;
    private readonly DecryptionGuardian[] _guardians;
    private readonly PartialDecryptionCommitment[] _commitments;
    private readonly PartialDecryptionReveal[] _reveals;
    private readonly PartialDecryptionVerifier _verifier;
    private readonly ElementModQ[] _challenges;
    private readonly PartialDecryptionResponse[] _responses;

    public PartialDecryptionVerifierTests()
        : this(Group.Tiny, EndToEndTinyGroupTests.TwoContests, ballots: 4)
    {
    }

    private PartialDecryptionVerifierTests(Group group, string manifestJson, int ballots)
    {
        ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(manifestJson);
        (_context, _secrets) = ElectionSimulator.RunKeyCeremony(ElectionParameters.Create(group, manifest, 3, 2));
        BallotEncryptor encryptor = new(_context);
        EncryptionDevice device = new(_context, "device-1", "test device");
        Random voters = new(20261128);
        EncryptedBallot[] sealedBallots = [.. Enumerable.Range(0, ballots).Select(b => device.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, voters), $"ballot {b}"), DateTimeOffset.UtcNow))];
        _tally = EncryptedTally.Aggregate(_context, sealedBallots);
        _items = [.. _tally.Contests.SelectMany(c => c.Options.Select(o => new DecryptionItem(c.ContestIndex, o.OptionIndex, o.Ciphertext)))];
        _guardians = [.. U.Select(i => new DecryptionGuardian(_context, _secrets[i - 1]))];
        _commitments = [.. _guardians.Select(g => g.Commit(_items, U))];
        _reveals = [.. _guardians.Select(g => g.Reveal(_commitments))];
        _verifier = new PartialDecryptionVerifier(_context, U);
        _challenges = [.. _items.Select((item, n) => _verifier.Challenge(item, [.. _commitments.Select(c => c.Shares[n])], [.. _reveals.Select(r => r.A[n])], [.. _reveals.Select(r => r.B[n])]))];
        _responses = [.. _guardians.Select(g => g.Respond(_challenges))];
    }

    public void Dispose()
    {
        foreach (GuardianSecrets s in _secrets)
        {
            s.Dispose();
        }
    }

    [Fact]
    public void Honest_rounds_pass_every_check_and_combine_into_a_proof_that_verifies()
    {
        DecryptedTally plain = TallyDecryption.Decrypt(_context, _tally, [.. U.Select(i => new DecryptionGuardian(_context, _secrets[i - 1]))]);
        long[] values = [.. plain.Contests.SelectMany(c => c.Options.Select(o => o.Value))];
        for (int n = 0; n < _items.Length; n++)
        {
            for (int g = 0; g < U.Length; g++)
            {
                Assert.True(_verifier.VerifyReveal(_items[n], U[g], _commitments[g].Shares[n], _commitments[g].Commitments[n], _reveals[g].A[n], _reveals[g].B[n]));
                Assert.Equal(ResponseCheck.Valid, _verifier.VerifyResponse(_items[n], U[g], _challenges[n], _commitments[g].Shares[n], _reveals[g].A[n], _reveals[g].B[n], _responses[g].Responses[n]));
            }

            Assert.True(TallyDecryption.VerifyOption(_context, _items[n], values[n], _challenges[n], _responses[0].Responses[n] + _responses[1].Responses[n]));
        }
    }

    [Fact]
    public void On_the_standard_group_honest_rounds_pass_and_a_response_from_a_wrong_share_fails()
    {
        using PartialDecryptionVerifierTests standard = new(Group.Standard, """
            {"label":"Smoke","contests":[{"label":"Only","contest_options":[{"label":"A"},{"label":"B"}]}],"ballot_styles":[{"label":"all","contests":[1]}]}
            """, ballots: 1);
        ElementModQ w3 = Lagrange.Coefficient(Group.Standard, 3, U);
        for (int n = 0; n < standard._items.Length; n++)
        {
            for (int g = 0; g < U.Length; g++)
            {
                Assert.True(standard._verifier.VerifyReveal(standard._items[n], U[g], standard._commitments[g].Shares[n], standard._commitments[g].Commitments[n], standard._reveals[g].A[n], standard._reveals[g].B[n]));
                Assert.Equal(ResponseCheck.Valid, standard._verifier.VerifyResponse(standard._items[n], U[g], standard._challenges[n], standard._commitments[g].Shares[n], standard._reveals[g].A[n], standard._reveals[g].B[n], standard._responses[g].Responses[n]));
            }

            ElementModQ forged = standard._responses[1].Responses[n] - (standard._challenges[n] * w3);
            Assert.Equal(ResponseCheck.KeyEquationFails, standard._verifier.VerifyResponse(standard._items[n], 3, standard._challenges[n], standard._commitments[1].Shares[n], standard._reveals[1].A[n], standard._reveals[1].B[n], forged));
        }
    }

    [Fact]
    public void A_reveal_that_does_not_hash_to_the_commitment_fails()
    {
        Assert.False(_verifier.VerifyReveal(_items[0], 3, _commitments[1].Shares[0], _commitments[1].Commitments[0], _reveals[1].B[0], _reveals[1].A[0]));
        Assert.False(_verifier.VerifyReveal(_items[0], 1, _commitments[1].Shares[0], _commitments[1].Commitments[0], _reveals[1].A[0], _reveals[1].B[0]));
        Assert.False(_verifier.VerifyReveal(_items[1], 3, _commitments[1].Shares[0], _commitments[1].Commitments[0], _reveals[1].A[0], _reveals[1].B[0]));
    }

    [Fact]
    public void A_response_computed_with_a_wrong_key_share_fails_eq_94_for_that_guardian_only()
    {
        ElementModQ w3 = Lagrange.Coefficient(Group.Tiny, 3, U);
        ElementModQ forged = _responses[1].Responses[0] - (_challenges[0] * w3); // u − c·w_3·(z_3 + 1)
        Assert.Equal(ResponseCheck.KeyEquationFails, _verifier.VerifyResponse(_items[0], 3, _challenges[0], _commitments[1].Shares[0], _reveals[1].A[0], _reveals[1].B[0], forged));
        Assert.Equal(ResponseCheck.Valid, _verifier.VerifyResponse(_items[0], 1, _challenges[0], _commitments[0].Shares[0], _reveals[0].A[0], _reveals[0].B[0], _responses[0].Responses[0]));
    }

    [Fact]
    public void A_wrong_partial_decryption_fails_eq_95()
    {
        ElementModP wrongShare = _commitments[1].Shares[0] * Group.Tiny.Generator;
        Assert.Equal(ResponseCheck.ShareEquationFails, _verifier.VerifyResponse(_items[0], 3, _challenges[0], wrongShare, _reveals[1].A[0], _reveals[1].B[0], _responses[1].Responses[0]));
    }

    [Fact]
    public void Guardians_outside_U_and_sets_below_the_quorum_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _verifier.VerifyReveal(_items[0], 2, _commitments[1].Shares[0], _commitments[1].Commitments[0], _reveals[1].A[0], _reveals[1].B[0]));
        Assert.Throws<ElectionFormatException>(() => new PartialDecryptionVerifier(_context, [1]));
        Assert.Throws<ElectionFormatException>(() => new PartialDecryptionVerifier(_context, [1, 1]));
    }

    [Fact]
    public void Blame_names_no_guardian_for_honest_rounds_and_exactly_the_guardian_whose_response_or_share_is_wrong()
    {
        int[] u = [.. U];
        Assert.Equal("no single guardian could be blamed", TallyDecryption.Blame(_context, _items[0], u, _commitments, _reveals, _responses, _challenges[0], 0));

        PartialDecryptionResponse forged = _responses[1] with { Responses = [.. _responses[1].Responses.Select((v, n) => n == 0 ? v + Group.Tiny.OneModQ : v)] };
        Assert.Equal("guardian(s) 3 sent a wrong partial decryption", TallyDecryption.Blame(_context, _items[0], u, _commitments, _reveals, [_responses[0], forged], _challenges[0], 0));

        PartialDecryptionCommitment wrongShare = _commitments[0] with { Shares = [.. _commitments[0].Shares.Select((m, n) => n == 1 ? m * Group.Tiny.Generator : m)] };
        Assert.Equal("guardian(s) 1 sent a wrong partial decryption", TallyDecryption.Blame(_context, _items[1], u, [wrongShare, _commitments[1]], _reveals, _responses, _challenges[1], 1));
    }
}

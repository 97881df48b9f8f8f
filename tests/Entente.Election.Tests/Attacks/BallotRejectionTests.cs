using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Attacks;

public class BallotRejectionTests
{
    private static readonly ElectionManifest Manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);

    private static ElectionFormatException Reject(PlaintextBallot ballot) =>
        Assert.Throws<ElectionFormatException>(() => BallotValidator.Validate(Manifest, ballot, "ballot 7"));

    private static Dictionary<int, int[]> Valid() => new() { [1] = [0, 1, 0], [2] = [1, 1, 0] };

    [Fact]
    public void A_valid_ballot_passes() => BallotValidator.Validate(Manifest, new PlaintextBallot(1, Valid()));

    [Fact]
    public void An_unknown_contest_is_refused()
    {
        Dictionary<int, int[]> s = Valid();
        s[3] = [1];
        Assert.Equal("ballot 7.contests[3]", Reject(new PlaintextBallot(1, s)).Location);
    }

    [Fact]
    public void A_contest_outside_the_style_is_refused()
    {
        ElectionFormatException ex = Reject(new PlaintextBallot(2, Valid()));
        Assert.Contains("not on ballot style \"mayor only\"", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_contest_is_refused()
    {
        ElectionFormatException ex = Reject(new PlaintextBallot(1, new Dictionary<int, int[]> { [1] = [1, 0, 0] }));
        Assert.Equal("ballot 7.contests[2]", ex.Location);
        Assert.Contains("missing", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_option_is_refused()
    {
        Dictionary<int, int[]> s = Valid();
        s[1] = [0, 1, 0, 0];
        Assert.Equal("ballot 7.contests[1].selections", Reject(new PlaintextBallot(1, s)).Location);
    }

    [Fact]
    public void Too_many_selections_are_refused()
    {
        Dictionary<int, int[]> s = Valid();
        s[1] = [1, 1, 0];
        Assert.Contains("allows at most 1", Reject(new PlaintextBallot(1, s)).Problem, StringComparison.Ordinal);
        s = Valid();
        s[2] = [2, 0, 0];
        Assert.Equal("ballot 7.contests[2].selections[1]", Reject(new PlaintextBallot(1, s)).Location);
        s[2] = [0, -1, 0];
        Assert.Equal("ballot 7.contests[2].selections[2]", Reject(new PlaintextBallot(1, s)).Location);
    }

    [Fact]
    public void Unknown_styles_bad_weights_and_oversized_contest_data_are_refused()
    {
        Assert.Equal("ballot 7.style", Reject(new PlaintextBallot(3, Valid())).Location);
        Assert.Equal("ballot 7.weight", Reject(new PlaintextBallot(1, Valid(), weight: 2)).Location);
        Assert.Equal("ballot 7.contests[2].contest_data", Reject(new PlaintextBallot(1, Valid(), new Dictionary<int, byte[]> { [2] = new byte[33] })).Location);
        Assert.Contains("no contest data", Reject(new PlaintextBallot(1, Valid(), new Dictionary<int, byte[]> { [1] = new byte[1] })).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_encryptor_refuses_an_invalid_ballot_before_encrypting()
    {
        ElectionParameters parameters = ElectionParameters.Create(Group.Tiny, Manifest, 1, 1);
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters);
        secrets[0].Dispose();
        BallotEncryptor encryptor = new(context);
        Dictionary<int, int[]> s = Valid();
        s[1] = [1, 1, 1];
        Assert.Throws<ElectionFormatException>(() => encryptor.Encrypt(new PlaintextBallot(1, s)));
    }

    [Fact]
    public void Guardian_index_zero_duplicates_and_wrong_counts_are_refused()
    {
        ElectionParameters parameters = ElectionParameters.Create(Group.Tiny, Manifest, 3, 2);
        Assert.Throws<ElectionFormatException>(() => KeyCeremonyGuardian.Generate(parameters, 0, "zero"));
        Assert.Throws<ElectionFormatException>(() => KeyCeremonyGuardian.Generate(parameters, 4, "four"));
        (GuardianSecrets s1, GuardianPublicKey k1) = KeyCeremonyGuardian.Generate(parameters, 1, "one");
        (GuardianSecrets s2, GuardianPublicKey k2) = KeyCeremonyGuardian.Generate(parameters, 2, "two");
        s1.Dispose();
        s2.Dispose();
        ElectionFormatException duplicate = Assert.Throws<ElectionFormatException>(() => ElectionContext.Create(parameters, [k1, k2, k1]));
        Assert.Contains("appears twice", duplicate.Problem, StringComparison.Ordinal);
        Assert.Throws<ElectionFormatException>(() => ElectionContext.Create(parameters, [k1, k2]));
        GuardianPublicKey short1 = new(1, "one", [k1.VoteCommitments[0]], k1.DataCommitments, k1.CommunicationKey, k1.VoteProof, k1.DataProof);
        Assert.Contains(short1.Verify(parameters), p => p.Contains("commitments: 1 given, k = 2 required", StringComparison.Ordinal));
        GuardianPublicKey fewResponses = new(1, "one", k1.VoteCommitments, k1.DataCommitments, k1.CommunicationKey, new GuardianKeyProof(k1.VoteProof.Challenge, k1.VoteProof.Responses.Take(2).ToArray()), k1.DataProof);
        Assert.Contains(fewResponses.Verify(parameters), p => p.Contains("2 responses given, k + 1 = 3 required", StringComparison.Ordinal));
        GuardianPublicKey swapped = new(1, "one", k2.VoteCommitments, k1.DataCommitments, k1.CommunicationKey, k1.VoteProof, k1.DataProof);
        Assert.Contains(swapped.Verify(parameters), p => p.Contains("vote proof does not verify", StringComparison.Ordinal));
    }

    [Fact]
    public void A_share_that_does_not_match_the_commitments_is_a_complaint()
    {
        ElectionParameters parameters = ElectionParameters.Create(Group.Tiny, Manifest, 3, 2);
        (GuardianSecrets s1, GuardianPublicKey k1) = KeyCeremonyGuardian.Generate(parameters, 1, "one");
        (GuardianSecrets s2, GuardianPublicKey k2) = KeyCeremonyGuardian.Generate(parameters, 2, "two");
        (GuardianSecrets s3, GuardianPublicKey k3) = KeyCeremonyGuardian.Generate(parameters, 3, "three");
        EncryptedShare fromThree = KeyCeremonyGuardian.EncryptShare(parameters, s3, k2);
        Assert.Null(KeyCeremonyGuardian.ReceiveShare(parameters, s2, k1, fromThree, out string? complaint));
        Assert.Contains("addressed from 3 to 2", complaint, StringComparison.Ordinal);
        EncryptedShare relabelled = fromThree with { From = 1 };
        Assert.Null(KeyCeremonyGuardian.ReceiveShare(parameters, s2, k1, relabelled, out complaint));
        Assert.NotNull(complaint);
        Assert.NotNull(KeyCeremonyGuardian.ReceiveShare(parameters, s2, k3, fromThree, out complaint));
        Assert.Null(complaint);
        foreach (GuardianSecrets s in new[] { s1, s2, s3 })
        {
            s.Dispose();
        }
    }
}

using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;

namespace Entente.Election.Tests.Unit;

/// <summary>The voter's two steps on a device: the code is fixed when the ballot is sealed; the choice comes once, after.</summary>
public class SealedBallotTests
{
    private static (ElectionContext Context, PreparedBallot Ballot) Prepare()
    {
        ElectionManifest manifest = ManifestReader.Parse("""
            {"label":"Two steps","contests":[{"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"}]}],"ballot_styles":[{"label":"all","contests":[1]}]}
            """u8, "manifest");
        ElectionParameters parameters = ElectionParameters.Create(Entente.Cryptography.Group.Tiny, manifest, 1, 1);
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters);
        foreach (GuardianSecrets s in secrets)
        {
            s.Dispose();
        }

        return (context, new BallotEncryptor(context).Encrypt(ElectionSimulator.RandomBallot(manifest, new Random(7)), "voter"));
    }

    [Fact]
    public void A_sealed_ballot_is_cast_or_challenged_once_with_the_code_the_voter_saw()
    {
        (ElectionContext context, PreparedBallot prepared) = Prepare();
        EncryptionDevice device = new(context, "booth-1", "booth 1");
        SealedBallot sealedBallot = device.SealForVoter(prepared, DateTimeOffset.UtcNow);
        Entente.Cryptography.Hash256 shown = sealedBallot.ConfirmationCode;

        EncryptedBallot challenged = sealedBallot.Challenge();
        Assert.Equal(BallotState.Challenged, challenged.State);
        Assert.Equal(shown, challenged.ConfirmationCode);
        InvalidOperationException twice = Assert.Throws<InvalidOperationException>(() => sealedBallot.Cast());
        Assert.Contains("never both", twice.Message, StringComparison.Ordinal);
        Assert.Equal([prepared.Id], device.Ballots); // in the chain once, whatever the choice
        Assert.Empty(RecordSelfCheck.CheckBallot(context, context.Parameters.Manifest, challenged));
    }

    [Fact]
    public void A_seal_notice_round_trips_canonically_and_a_non_canonical_or_misnamed_one_is_refused()
    {
        (ElectionContext context, PreparedBallot prepared) = Prepare();
        BallotSeal seal = new EncryptionDevice(context, "booth-1", "booth 1").SealForVoter(prepared, DateTimeOffset.UtcNow).Seal;
        byte[] bytes = seal.ToJson();
        Assert.Equal(seal, BallotSeal.Read("seal", bytes));

        string text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Throws<ElectionFormatException>(() => BallotSeal.Read("seal", System.Text.Encoding.UTF8.GetBytes(text.Replace(",", ", ", StringComparison.Ordinal))));
        ElectionFormatException badName = Assert.Throws<ElectionFormatException>(() => BallotSeal.Read("seal", System.Text.Encoding.UTF8.GetBytes(text.Replace("booth-1", "booth 1", StringComparison.Ordinal))));
        Assert.Contains("$.device", badName.Message, StringComparison.Ordinal);
        Assert.Throws<ElectionFormatException>(() => BallotSeal.Read("seal", System.Text.Encoding.UTF8.GetBytes(text.Replace("}", ",\"state\":\"cast\"}", StringComparison.Ordinal))));
    }
}

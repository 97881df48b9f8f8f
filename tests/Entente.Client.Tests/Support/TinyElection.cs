using System.Net;
using System.Text;
using Entente.Client.Board;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Transparency.Notes;

namespace Entente.Client.Tests.Support;

/// <summary>
/// A whole election on the tiny group posted to a real board through <see cref="BoardClient"/>, each artifact by the
/// party that holds it (as tests/Entente.Server.Tests/Contract/BoardHttpTests.cs drives one): charter, manifest,
/// parameters, the key ceremony of 3 guardians (quorum 2), the joint key, 6 ballots of which one challenged, the
/// device record, the encrypted tally, the decrypted tally and the opening of the challenged ballot.
/// </summary>
internal static class TinyElection
{
    public const string ManifestJson = """
        {"label":"Fetch test election","contests":[
          {"label":"Mayor","contest_options":[{"label":"Ada"},{"label":"Alan"},{"label":"Grace"}]},
          {"label":"Bond","contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"city","contests":[1,2]}]}
        """;

    /// <summary>What was posted.</summary>
    /// <param name="Ballots">The encrypted ballots, in encryption order.</param>
    /// <param name="Tally">The decrypted tally.</param>
    public sealed record Posted(IReadOnlyList<EncryptedBallot> Ballots, DecryptedTally Tally);

    /// <summary>
    /// Posts the election on <paramref name="group"/> (default <see cref="Group.Tiny"/>); <paramref name="observeSecrets"/>,
    /// when given, sees the guardians' secrets before they are wiped; <paramref name="beforeTally"/>, when given, runs
    /// with the device's client after the device record and before the encrypted tally closes voting.
    /// </summary>
    public static async Task<Posted> PostAsync(LoopbackBoard board, int ballotCount = 6, Action<ElectionContext, IReadOnlyList<GuardianSecrets>>? observeSecrets = null, Group? group = null,
        Func<ElectionContext, BoardClient, Task>? beforeTally = null)
    {
        using BoardClient blue = new(board.Address, board.Blue);
        using BoardClient red = new(board.Address, board.Red);
        using BoardClient device = new(board.Address, board.Device);
        Ed25519NoteSigner[] withRed = [board.Red];

        await Created(blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json")), "charter", cosigners: withRed));
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(ManifestJson), "manifest");
        await Created(blue.PostAsync("board/manifest", BoardArtifacts.Manifest(manifest), "manifest", cosigners: withRed));
        ElectionParameters parameters = ElectionParameters.Create(group ?? Group.Tiny, manifest, 3, 2);
        await Created(blue.PostAsync("board/parameters", BoardArtifacts.Parameters(parameters), "election.parameters", cosigners: withRed));

        List<KeyCeremonyMessage> messages = [];
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters, observer: messages.Add);
        try
        {
            BoardClient Holder(int i) => i == 1 ? blue : red;
            foreach (KeyCeremonyMessage message in messages)
            {
                await Created(message switch
                {
                    GuardianCommitted c => Holder(c.Sender).PostAsync("board/guardians", BoardArtifacts.Guardian(c.Key), "guardian.commitment"),
                    ShareSent s => Holder(s.Sender).PostAsync("board/shares", BoardArtifacts.Share(s.Share), "guardian.share"),
                    SharesApproved a => Holder(a.Sender).PostAsync("board/approvals", BoardArtifacts.Approval(new Approval(a.Sender, context.GuardianRecordHash, [])), "guardian.approval"),
                    _ => throw new InvalidOperationException(),
                });
            }

            await Created(blue.PostAsync("board/election", BoardArtifacts.Election(context), "election.key", cosigners: withRed));

            BallotEncryptor encryptor = new(context);
            EncryptionDevice machine = new(context, "device-1", "test device");
            Random voters = new(20261201);
            EncryptedBallot[] ballots = [.. Enumerable.Range(0, ballotCount).Select(b => machine.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, voters), $"ballot {b}"), DateTimeOffset.UtcNow, b == 2 ? BallotState.Challenged : BallotState.Cast))];
            foreach (EncryptedBallot ballot in ballots)
            {
                await Created(device.PostBallotAsync(ballot));
            }

            DeviceRecord record = new(machine.Name, machine.DeviceInformation, machine.DeviceHash, machine.ChainingMode, [.. machine.Ballots], machine.ClosingHash());
            await Created(device.PostAsync("board/devices", BoardArtifacts.Device(record), "device.record"));
            if (beforeTally is not null)
            {
                await beforeTally(context, device);
            }

            EncryptedTally encrypted = EncryptedTally.Aggregate(context, ballots);
            await Created(blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(encrypted), "tally.encrypted", cosigners: withRed));
            DecryptionGuardian[] decrypting = [.. new[] { 1, 2 }.Select(i => new DecryptionGuardian(context, secrets[i - 1]))];
            DecryptedTally tally = TallyDecryption.Decrypt(context, encrypted, decrypting);

            // Each guardian's three decryption rounds, from the parts the decryption computed: the board checks every
            // round, and a record's tally/partial_decryptions.json is built from them (docs/record-format.md §4.12).
            EncryptedBallot[] spoiled = [.. ballots.Where(b => b.State == BallotState.Challenged).OrderBy(b => b.Id.ToHex(), StringComparer.Ordinal)];
            foreach (string round in new[] { "commit", "reveal", "response" })
            {
                foreach (int i in tally.Guardians)
                {
                    PartialDecryptionShare[] parts = [.. tally.Contests.SelectMany(c => c.Options).Select(o => o.Shares.Single(x => x.GuardianIndex == i))];
                    byte[] body = round switch
                    {
                        "commit" => DecryptionRoundFormat.WriteCommit(new DecryptionCommit(i, tally.Guardians,
                            [.. parts.Select(p => new CommittedShare(p.Share, p.Commitment))],
                            [.. spoiled.Select(b => new BallotNonceShare(b.Id, decrypting.Single(g => g.Index == i).DecryptDataShare(b.BallotNonce.C0)))], [])),
                        "reveal" => DecryptionRoundFormat.WriteReveal(new DecryptionReveal(i, [.. parts.Select(p => p.A)], [.. parts.Select(p => p.B)], [], [])),
                        _ => DecryptionRoundFormat.WriteResponse(new DecryptionResponse(i, [.. parts.Select(p => p.Response)], [])),
                    };
                    await Created(Holder(i).PostAsync($"board/decryptions/{round}", body, $"decryption.{round}"));
                }
            }

            await Created(blue.PostAsync("board/tally", BoardArtifacts.Tally(tally, manifest), "tally.decrypted", cosigners: withRed));
            EncryptedBallot challenged = ballots[2];
            OpenedBallot opened = ChallengedBallotOpener.Open(context, challenged, decrypting);
            await Created(blue.PostAsync("board/challenged", BoardArtifacts.Opened(opened, manifest), "ballot.opened", challenged.Id.ToHex(), cosigners: withRed));
            return new Posted(ballots, tally);
        }
        finally
        {
            observeSecrets?.Invoke(context, secrets);
            foreach (GuardianSecrets s in secrets)
            {
                s.Dispose();
            }
        }
    }

    private static async Task Created(Task<HttpResponseMessage> post)
    {
        using HttpResponseMessage response = await post;
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}

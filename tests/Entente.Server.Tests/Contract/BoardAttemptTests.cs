using System.Net;
using System.Text;
using System.Text.Json;
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
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Server.Tests.Contract;

/// <summary>
/// Decryption attempts on the board (docs/record-format.md §11, "attempts"): the refusals of an abandonment (before
/// its step is due, for a guardian that took the step, of an attempt that is not the current one), a round of an
/// abandoned attempt, and a reveal that repeats a nonce of an earlier attempt. The board's clock and the parties' entry
/// clocks are one fake clock, so a deadline passes without waiting.
/// </summary>
public sealed class BoardAttemptTests
{
    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status, string? title, string what)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{what}: expected {(int)status} {title}, got {(int)response.StatusCode} {body}");
        JsonElement json = JsonDocument.Parse(body).RootElement;
        if (title is not null)
        {
            Assert.Equal(title, json.GetProperty("title").GetString());
        }

        return json;
    }

    private static string Hex(ElementModP p) => Convert.ToHexString(p.Encode());

    /// <summary>d_i of eq 88, as anyone can compute it from public values: H(H_E; 0x30, ind_c, ind_o, i, A, B, a_i, b_i, M_i, U).</summary>
    private static Hash256 Commitment(ElectionContext context, DecryptionItem item, int i, ElementModP a, ElementModP b, ElementModP m, int[] u)
    {
        using HashInput input = HashInput.Create(context.Group, DomainSeparation.DecryptionCommitment);
        input.Append(item.ContestIndex).Append(item.OptionIndex).Append(i)
            .Append(item.Ciphertext.Alpha).Append(item.Ciphertext.Beta).Append(a).Append(b).Append(m).Append(u.Length);
        foreach (int j in u)
        {
            input.Append(j);
        }

        return input.Hash(context.ExtendedBaseHash);
    }

    private static byte[] Commit(int i, int attempt, int[] u, IReadOnlyList<ElementModP> m, IReadOnlyList<Hash256> d) =>
        DecryptionRoundFormat.WriteCommit(new DecryptionCommit(i, u, [.. m.Select((x, n) => new CommittedShare(x, d[n]))], [], []) { Attempt = attempt });

    private static byte[] Reveal(int i, int attempt, IReadOnlyList<ElementModP> a, IReadOnlyList<ElementModP> b) =>
        DecryptionRoundFormat.WriteReveal(new DecryptionReveal(i, a, b, [], []) { Attempt = attempt });

    private static byte[] Abandon(int attempt, int guardian, string step) =>
        DecryptionRoundFormat.WriteAbandonment(new DecryptionAbandonment(attempt, guardian, step, $"guardian {guardian} did not {step} in time"));

    [Fact]
    public async Task An_attempt_is_abandoned_only_once_the_step_is_due_for_a_guardian_that_did_not_take_it_and_the_next_refuses_stale_rounds_and_a_repeated_nonce()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        string charterPath = Path.Combine(board.Dir, "charter.json");
        string charterText = (await File.ReadAllTextAsync(charterPath)).TrimEnd().TrimEnd('}')
            + """, "deadlines": { "decryption.commit": 60, "decryption.reveal": 60, "decryption.response": 60 } }""";
        await File.WriteAllTextAsync(charterPath, charterText);
        FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
        board.Options.Limits.Clock = clock;
        await using WebApplication app = await board.StartLogAsync();
        Uri address = new(TestBoard.Address(app));
        using BoardClient blue = new(address, board.Blue) { Clock = clock };
        using BoardClient red = new(address, board.Red) { Clock = clock };
        using BoardClient device = new(address, board.Device) { Clock = clock };
        Ed25519NoteSigner[] withRed = [board.Red];
        BoardClient Holder(int g) => g == 1 ? blue : red;

        // The election up to the encrypted tally: three guardians, k = 2, three cast ballots.
        await Expect(await blue.PostAsync("board/charter", Encoding.UTF8.GetBytes(charterText), "charter", cosigners: withRed), HttpStatusCode.Created, null, "charter");
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(Browser.LiveElection.ManifestJson), "manifest");
        await Expect(await blue.PostAsync("board/manifest", BoardArtifacts.Manifest(manifest), "manifest", cosigners: withRed), HttpStatusCode.Created, null, "manifest");
        ElectionParameters parameters = ElectionParameters.Create(Group.Tiny, manifest, 3, 2);
        await Expect(await blue.PostAsync("board/parameters", BoardArtifacts.Parameters(parameters), "election.parameters", cosigners: withRed), HttpStatusCode.Created, null, "parameters");
        List<KeyCeremonyMessage> messages = [];
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters, observer: messages.Add);
        try
        {
            foreach (KeyCeremonyMessage message in messages)
            {
                HttpResponseMessage sent = message switch
                {
                    GuardianCommitted c => await Holder(c.Sender).PostAsync("board/guardians", BoardArtifacts.Guardian(c.Key), "guardian.commitment"),
                    ShareSent s => await Holder(s.Sender).PostAsync("board/shares", BoardArtifacts.Share(s.Share), "guardian.share"),
                    SharesApproved a => await Holder(a.Sender).PostAsync("board/approvals", BoardArtifacts.Approval(new Approval(a.Sender, context.GuardianRecordHash, [])), "guardian.approval"),
                    _ => throw new InvalidOperationException(),
                };
                await Expect(sent, HttpStatusCode.Created, null, message.GetType().Name);
            }

            await Expect(await blue.PostAsync("board/election", BoardArtifacts.Election(context), "election.key", cosigners: withRed), HttpStatusCode.Created, null, "election");
            BallotEncryptor encryptor = new(context);
            EncryptionDevice machine = new(context, "device-1", "test device");
            Random voters = new(20261206);
            EncryptedBallot[] ballots = [.. Enumerable.Range(0, 3).Select(b => machine.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, voters), $"ballot {b}"), DateTimeOffset.UtcNow))];
            foreach (EncryptedBallot ballot in ballots)
            {
                await Expect(await device.PostBallotAsync(ballot), HttpStatusCode.Created, null, "ballot");
            }

            DeviceRecord record = new(machine.Name, machine.DeviceInformation, machine.DeviceHash, machine.ChainingMode, [.. machine.Ballots], machine.ClosingHash());
            await Expect(await device.PostAsync("board/devices", BoardArtifacts.Device(record), "device.record"), HttpStatusCode.Created, null, "device");
            EncryptedTally tally = EncryptedTally.Aggregate(context, ballots);
            await Expect(await blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(tally), "tally.encrypted", cosigners: withRed), HttpStatusCode.Created, null, "encrypted tally");
            DecryptionItem[] items = [.. tally.Contests.SelectMany(c => c.Options.Select(o => new DecryptionItem(c.ContestIndex, o.OptionIndex, o.Ciphertext)))];

            // Attempt 1, U = {1, 2}: both commit, guardian 1 reveals, guardian 2 does not.
            int[] u1 = [1, 2];
            DecryptionGuardian[] first = [.. u1.Select(i => new DecryptionGuardian(context, secrets[i - 1]))];
            PartialDecryptionCommitment[] commitments = [.. first.Select(g => g.Commit(items, u1))];
            for (int n = 0; n < 2; n++)
            {
                await Expect(await Holder(u1[n]).PostAsync("board/decryptions/commit", Commit(u1[n], 1, u1, commitments[n].Shares, commitments[n].Commitments), "decryption.commit"), HttpStatusCode.Created, null, $"commit {u1[n]}");
            }

            PartialDecryptionReveal[] reveals = [.. first.Select(g => g.Reveal(commitments))];
            await Expect(await blue.PostAsync("board/decryptions/reveal", Reveal(1, 1, reveals[0].A, reveals[0].B), "decryption.reveal"), HttpStatusCode.Created, null, "reveal 1");

            // Before the reveal step's 60 s have passed: not yet due.
            clock.Advance(TimeSpan.FromSeconds(30));
            JsonElement early = await Expect(await blue.PostAsync("board/abandonments", Abandon(1, 2, "reveal"), "decryption.abandon"), HttpStatusCode.Conflict, "Not yet due", "early abandonment");
            Assert.Contains("guardian 2's reveal of attempt 1 is due", early.GetProperty("detail").GetString(), StringComparison.Ordinal);

            clock.Advance(TimeSpan.FromSeconds(31));
            // A guardian that took the step, a guardian outside U, another attempt, a guardian's role: refused.
            JsonElement taken = await Expect(await red.PostAsync("board/abandonments", Abandon(1, 1, "reveal"), "decryption.abandon"), HttpStatusCode.Conflict, "Step taken", "abandoning guardian 1");
            Assert.Contains("guardian 1 did take the reveal step of attempt 1", taken.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await Expect(await red.PostAsync("board/abandonments", Abandon(1, 3, "reveal"), "decryption.abandon"), HttpStatusCode.UnprocessableEntity, "Invalid artifact", "abandoning guardian 3");
            await Expect(await blue.PostAsync("board/abandonments", Abandon(2, 2, "reveal"), "decryption.abandon"), HttpStatusCode.Conflict, "Not the current attempt", "abandoning attempt 2");
            await Expect(await device.PostAsync("board/abandonments", Abandon(1, 2, "reveal"), "decryption.abandon"), HttpStatusCode.Forbidden, null, "a device abandoning");

            // Due: blue abandons attempt 1 for guardian 2's reveal; attempt 2 opens.
            await Expect(await blue.PostAsync("board/abandonments", Abandon(1, 2, "reveal"), "decryption.abandon"), HttpStatusCode.Created, null, "abandonment");
            await Expect(await blue.PostAsync("board/abandonments", Abandon(1, 2, "reveal"), "decryption.abandon"), HttpStatusCode.Conflict, null, "abandoning twice");
            JsonElement stale = await Expect(await red.PostAsync("board/decryptions/reveal", Reveal(2, 1, reveals[1].A, reveals[1].B), "decryption.reveal"), HttpStatusCode.Conflict, "Not the current attempt", "a reveal of attempt 1");
            Assert.Equal(2, stale.GetProperty("attempt").GetInt32());

            // Attempt 2, U' = {1, 3}. Guardian 1 commits to its attempt-1 nonces again (d_i recomputed for U'): its reveal is refused.
            int[] u2 = [1, 3];
            Hash256[] reused = [.. items.Select((item, n) => Commitment(context, item, 1, reveals[0].A[n], reveals[0].B[n], commitments[0].Shares[n], u2))];
            await Expect(await blue.PostAsync("board/decryptions/commit", Commit(1, 2, u2, commitments[0].Shares, reused), "decryption.commit"), HttpStatusCode.Created, null, "commit 1 of attempt 2");
            DecryptionGuardian third = new(context, secrets[2]);
            PartialDecryptionCommitment fresh = third.Commit(items, u2);
            await Expect(await red.PostAsync("board/decryptions/commit", Commit(3, 2, u2, fresh.Shares, fresh.Commitments), "decryption.commit"), HttpStatusCode.Created, null, "commit 3 of attempt 2");
            JsonElement repeated = await Expect(await blue.PostAsync("board/decryptions/reveal", Reveal(1, 2, reveals[0].A, reveals[0].B), "decryption.reveal"), HttpStatusCode.UnprocessableEntity, "Repeated nonce", "a repeated nonce");
            Assert.Equal(1, repeated.GetProperty("guardian").GetInt32());
            Assert.Equal(1, repeated.GetProperty("attempt").GetInt32());
            Assert.Contains("gives away the guardian's key share", repeated.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // The step table: attempt 1's reveal not done by red (guardian 2), attempt 2's commit opened at the abandonment.
            using HttpClient http = new() { BaseAddress = address };
            JsonElement steps = JsonDocument.Parse(await http.GetStringAsync("board/schedule")).RootElement.GetProperty("steps");
            JsonElement missed = steps.EnumerateArray().Single(s => s.GetProperty("step").GetString() == "decryption.reveal" && s.GetProperty("party").GetString() == "red.example"
                && s.GetProperty("attempt").ValueKind == JsonValueKind.Number && s.GetProperty("attempt").GetInt32() == 1);
            Assert.Equal(1, missed.GetProperty("attempt").GetInt32());
            Assert.Equal("not_done", missed.GetProperty("status").GetString());
            Assert.Equal([2], missed.GetProperty("guardians").EnumerateArray().Select(g => g.GetInt32()));
            JsonElement[] second = [.. steps.EnumerateArray().Where(s => s.GetProperty("attempt").ValueKind == JsonValueKind.Number && s.GetProperty("attempt").GetInt32() == 2)];
            Assert.Equal(["decryption.commit", "decryption.commit", "decryption.reveal", "decryption.reveal"], second.Select(s => s.GetProperty("step").GetString()));
            string page = await http.GetStringAsync("schedule");
            Assert.Contains("data-attempt=\"2\"", page, StringComparison.Ordinal);
        }
        finally
        {
            foreach (GuardianSecrets secret in secrets)
            {
                secret.Dispose();
            }
        }
    }
}

using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
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
using Entente.Server.Board;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Contract;

/// <summary>A whole election through the board API over real HTTP, on the tiny group.</summary>
public sealed class BoardHttpTests
{
    private static async Task<JsonElement> Created(HttpResponseMessage response, string what)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{what}: {(int)response.StatusCode} {body}");
        Assert.NotNull(response.Headers.Location);
        return JsonDocument.Parse(body).RootElement;
    }

    private static void AssertNames(JsonElement problem, int guardian, DecryptionItem item, string check)
    {
        Assert.Equal(guardian, problem.GetProperty("guardian").GetInt32());
        Assert.Equal(item.ContestIndex, problem.GetProperty("contest").GetInt32());
        Assert.Equal(item.OptionIndex, problem.GetProperty("option").GetInt32());
        Assert.Equal(check, problem.GetProperty("check").GetString());
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"guardian {guardian}, contest {item.ContestIndex} option {item.OptionIndex}", detail, StringComparison.Ordinal);
        Assert.Contains(check, detail, StringComparison.Ordinal);
    }

    private static string RevealJson(int i, IEnumerable<ElementModP> a, IEnumerable<ElementModP> b) =>
        $"{{\"i\":{i},\"a\":[{string.Join(",", a.Select(x => $"\"{Hex(x)}\""))}],\"b\":[{string.Join(",", b.Select(x => $"\"{Hex(x)}\""))}]}}";

    private static string ResponseJson(int i, IEnumerable<ElementModQ> v) =>
        $"{{\"i\":{i},\"v\":[{string.Join(",", v.Select(x => $"\"{Convert.ToHexString(x.Encode())}\""))}]}}";

    private static string Hex(ElementModP p) => Convert.ToHexString(p.Encode());

    [Fact]
    public Task A_whole_election_goes_through_the_board_and_the_record_download_verifies() => WholeElectionAsync("sqlite:log.db", "entente");

    [SkippableFact]
    public Task A_whole_election_goes_through_the_board_on_postgresql()
    {
        string? cs = Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        if (string.IsNullOrEmpty(cs))
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                "CI=true but ENTENTE_TEST_POSTGRES is not set: the PostgreSQL board test must run in CI.");
            Skip.If(true, "ENTENTE_TEST_POSTGRES is not set.");
        }

        return WholeElectionAsync("postgres:" + cs, "board_" + Guid.NewGuid().ToString("N")[..16]);
    }

    private static async Task WholeElectionAsync(string store, string schema)
    {
        await using TestBoard board = await TestBoard.CreateAsync(store, schema, board: true);
        WebApplication server = await board.StartLogAsync();
        Uri address = new(TestBoard.Address(server));
        using BoardClient blue = new(address, board.Blue);
        using BoardClient red = new(address, board.Red);
        using BoardClient device = new(address, board.Device);
        Ed25519NoteSigner[] withRed = [board.Red];

        // Charter and manifest: joint artifacts, signed by both parties.
        byte[] charter = await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json"));
        // Signed in turn: blue proposes (202, pending, GET-able), red adds its signature to the same entry (201, logged once).
        HttpResponseMessage proposed = await blue.PostAsync("board/charter", charter, "charter");
        Assert.Equal(HttpStatusCode.Accepted, proposed.StatusCode);
        BoardProposal proposal = (await proposed.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardProposal))!;
        Assert.Equal(["blue.example"], proposal.SignedBy);
        Assert.Equal(["red.example"], proposal.Awaiting);
        Assert.Equal(proposal.Entry, (await blue.Http.GetFromJsonAsync("board/proposals/charter", BoardJsonContext.Default.BoardProposal))!.Entry);
        await Created(await red.PostWithEntryAsync("board/charter", charter, red.Countersign(Convert.FromBase64String(proposal.Entry))), "charter");
        Assert.Equal(HttpStatusCode.NotFound, (await blue.Http.GetAsync("board/proposals/charter")).StatusCode);
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(Browser.LiveElection.ManifestJson), "manifest");
        await Problems.AssertAsync(await device.PostAsync("board/manifest", manifest.CanonicalBytes, "manifest"), HttpStatusCode.Forbidden, "Role not allowed");
        await Problems.AssertAsync(await blue.PostAsync("board/manifest", Encoding.UTF8.GetBytes(Browser.LiveElection.ManifestJson), "manifest", cosigners: withRed), HttpStatusCode.UnprocessableEntity, "Invalid artifact");
        await Created(await blue.PostAsync("board/manifest", BoardArtifacts.Manifest(manifest), "manifest", cosigners: withRed), "manifest");
        await Problems.AssertAsync(await blue.PostAsync("board/manifest", BoardArtifacts.Manifest(manifest), "manifest", cosigners: withRed), HttpStatusCode.Conflict, "Already on the board");
        ElectionParameters parameters = ElectionParameters.Create(Group.Tiny, manifest, 3, 2);
        await Created(await blue.PostAsync("board/parameters", BoardArtifacts.Parameters(parameters), "election.parameters", cosigners: withRed), "parameters");

        // Key ceremony: each guardian's messages from the party that holds it (blue: 1; red: 2, 3).
        List<KeyCeremonyMessage> messages = [];
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters, observer: messages.Add);
        try
        {
            BoardClient Holder(int i) => i == 1 ? blue : red;
            GuardianCommitted first = messages.OfType<GuardianCommitted>().First(m => m.Sender == 1);
            await Problems.AssertAsync(await red.PostAsync("board/guardians", BoardArtifacts.Guardian(first.Key), "guardian.commitment"), HttpStatusCode.Forbidden, "Not this party's guardian");
            foreach (KeyCeremonyMessage message in messages)
            {
                HttpResponseMessage sent = message switch
                {
                    GuardianCommitted c => await Holder(c.Sender).PostAsync("board/guardians", BoardArtifacts.Guardian(c.Key), "guardian.commitment"),
                    ShareSent s => await Holder(s.Sender).PostAsync("board/shares", BoardArtifacts.Share(s.Share), "guardian.share"),
                    SharesApproved a => await Holder(a.Sender).PostAsync("board/approvals", BoardArtifacts.Approval(new Approval(a.Sender, context.GuardianRecordHash, [])), "guardian.approval"),
                    _ => throw new InvalidOperationException(),
                };
                await Created(sent, message.GetType().Name);
            }

            JsonElement sharesTo2 = await blue.Http.GetFromJsonAsync<JsonElement>("board/shares?to=2");
            Assert.Equal(2, sharesTo2.GetProperty("total").GetInt32());
            Assert.All(sharesTo2.GetProperty("items").EnumerateArray(), s => Assert.EndsWith("-to-2", s.GetProperty("id").GetString(), StringComparison.Ordinal));

            // Ballots before the joint key: refused.
            BallotEncryptor encryptor = new(context);
            EncryptionDevice machine = new(context, "device-1", "test device");
            Random voters = new(20261127);
            EncryptedBallot[] ballots = [.. Enumerable.Range(0, 6).Select(b => machine.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, voters), $"ballot {b}"), DateTimeOffset.UtcNow, b == 2 ? BallotState.Challenged : BallotState.Cast))];
            await Problems.AssertAsync(await device.PostBallotAsync(ballots[0]), HttpStatusCode.Conflict, "Not yet");
            await Created(await blue.PostAsync("board/election", BoardArtifacts.Election(context), "election.key", cosigners: withRed), "election");

            // Ballots from the registered device: accepted once each, concurrently.
            await Problems.AssertAsync(await blue.PostAsync("board/ballots", BoardArtifacts.Ballot(ballots[0]), "ballot.cast", ballots[0].Id.ToHex(), ballots[0].ConfirmationCode.ToHex()), HttpStatusCode.Forbidden, "Role not allowed");
            // The voter's two steps for ballots 2 (challenged) and 3 (cast): the device's seal notice (H_C fixed) comes first.
            foreach (EncryptedBallot shown in new[] { ballots[2], ballots[3] })
            {
                BallotSeal notice = new(shown.Id, shown.Device, shown.ConfirmationCode);
                await Created(await device.PostAsync("board/sealed", notice.ToJson(), "ballot.sealed", code: shown.ConfirmationCode.ToHex()), "seal");
            }

            await Problems.AssertAsync(await device.PostAsync("board/sealed", new BallotSeal(ballots[4].Id, "device-2", ballots[4].ConfirmationCode).ToJson(), "ballot.sealed",
                code: ballots[4].ConfirmationCode.ToHex()), HttpStatusCode.Forbidden, "Wrong device");

            // A device that shows one code and posts a ballot with another (here: the same ballot sealed again on a device
            // with other S_device, so another H_C) is refused: the code the voter saw is the one the board keeps.
            PreparedBallot switched = encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, voters), "switched");
            EncryptedBallot shownToVoter = new EncryptionDevice(context, "device-1", "shown").Seal(switched, DateTimeOffset.UtcNow);
            EncryptedBallot postedInstead = new EncryptionDevice(context, "device-1", "posted").Seal(switched, DateTimeOffset.UtcNow, BallotState.Challenged);
            await Created(await device.PostAsync("board/sealed", new BallotSeal(shownToVoter.Id, "device-1", shownToVoter.ConfirmationCode).ToJson(), "ballot.sealed",
                code: shownToVoter.ConfirmationCode.ToHex()), "seal");
            JsonElement switchedCode = await Problems.AssertAsync(await device.PostBallotAsync(postedInstead), HttpStatusCode.UnprocessableEntity, "Invalid ballot");
            Assert.Contains("the device sealed and showed the voter", switchedCode.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // The entry's signatures, each verified once: a ballot entry without the device's valid signature, or with a line
            // that is not a charter member's valid signature, is refused and names which; nothing is stored.
            byte[] body = BoardArtifacts.Ballot(ballots[1]);
            LogEntry unsigned = new("ballot.cast", Entente.Transparency.Hash256.Compute(body), "device-1", ballots[1].Id.ToHex(), ballots[1].ConfirmationCode.ToHex(), DateTimeOffset.UtcNow);
            JsonElement byBlue = await Problems.AssertAsync(await device.PostWithEntryAsync("board/ballots", body, board.Blue.SignNote(unsigned.ToText()).ToBytes()), HttpStatusCode.Forbidden, "Bad entry signature");
            Assert.Contains("no valid signature by the key of \"device-1\"", byBlue.GetProperty("detail").GetString(), StringComparison.Ordinal);
            byte[] signedByDevice = unsigned.Sign(board.Device);
            byte[] forgedEntry = [.. signedByDevice];
            forgedEntry[^5] = (byte)(forgedEntry[^5] == (byte)'A' ? 'B' : 'A');
            JsonElement badDevice = await Problems.AssertAsync(await device.PostWithEntryAsync("board/ballots", body, forgedEntry), HttpStatusCode.Forbidden, "Bad entry signature");
            Assert.Contains("no valid signature by the key of \"device-1\"", badDevice.GetProperty("detail").GetString(), StringComparison.Ordinal);
            string badRed = "\u2014 red.example " + Convert.ToBase64String([.. BitConverter.GetBytes(board.Red.KeyId).Reverse(), .. new byte[64]]) + "\n";
            JsonElement withBadRed = await Problems.AssertAsync(await device.PostWithEntryAsync("board/ballots", body, [.. signedByDevice, .. Encoding.UTF8.GetBytes(badRed)]), HttpStatusCode.Forbidden, "Bad entry signature");
            Assert.Contains("signature line 2", withBadRed.GetProperty("detail").GetString(), StringComparison.Ordinal);

            HttpResponseMessage[] posted = await Task.WhenAll(ballots.Select(b => device.PostBallotAsync(b)));
            foreach (HttpResponseMessage r in posted)
            {
                JsonElement artifact = await Created(r, "ballot");
                Assert.StartsWith("/board/ballots/", r.Headers.Location!.OriginalString, StringComparison.Ordinal);
                Assert.True(artifact.GetProperty("index").GetInt64() > 0);
            }

            await Problems.AssertAsync(await device.PostBallotAsync(ballots[1]), HttpStatusCode.Conflict, "Duplicate ballot");
            JsonElement afterChoice = await Problems.AssertAsync(await device.PostAsync("board/sealed", new BallotSeal(ballots[0].Id, "device-1", ballots[0].ConfirmationCode).ToJson(), "ballot.sealed",
                code: ballots[0].ConfirmationCode.ToHex()), HttpStatusCode.UnprocessableEntity, "Invalid artifact");
            Assert.Contains("never after", afterChoice.GetProperty("detail").GetString(), StringComparison.Ordinal);
            JsonElement byCode = await blue.Http.GetFromJsonAsync<JsonElement>($"board/ballots?code={ballots[3].ConfirmationCode.ToHex()}");
            Assert.Equal(ballots[3].Id.ToHex(), byCode.GetProperty("items")[0].GetProperty("id").GetString());
            Assert.Equal(1, byCode.GetProperty("total").GetInt32());
            // ?code= is answered from the code lookup; it still compares the code in any case and applies ?state= and paging.
            string code = ballots[3].ConfirmationCode.ToHex();
            string state = (await blue.Http.GetFromJsonAsync<JsonElement>($"board/ballots/{ballots[3].Id.ToHex()}")).GetProperty("state").GetString()!;
            string other = state == "cast" ? "challenged" : "cast";
            Assert.Equal(ballots[3].Id.ToHex(), (await blue.Http.GetFromJsonAsync<JsonElement>($"board/ballots?code={code.ToLowerInvariant()}")).GetProperty("items")[0].GetProperty("id").GetString());
            Assert.Equal(1, (await blue.Http.GetFromJsonAsync<JsonElement>($"board/ballots?code={code}&state={state}")).GetProperty("total").GetInt32());
            Assert.Equal(0, (await blue.Http.GetFromJsonAsync<JsonElement>($"board/ballots?code={code}&state={other}")).GetProperty("total").GetInt32());
            JsonElement past = await blue.Http.GetFromJsonAsync<JsonElement>($"board/ballots?code={code}&offset=1");
            Assert.Equal((0, 1), (past.GetProperty("items").GetArrayLength(), past.GetProperty("total").GetInt32()));
            Assert.Equal(0, (await blue.Http.GetFromJsonAsync<JsonElement>($"board/ballots?code={new string('0', 64)}")).GetProperty("total").GetInt32());
            Assert.Equal(BoardArtifacts.Ballot(ballots[3]), await blue.Http.GetByteArrayAsync($"board/ballots/{ballots[3].Id.ToHex()}"));
            JsonElement page = await blue.Http.GetFromJsonAsync<JsonElement>("board/ballots?limit=4");
            Assert.Equal(6, page.GetProperty("total").GetInt32());
            Assert.Equal(4, page.GetProperty("items").GetArrayLength());
            Assert.Equal("/board/ballots?offset=4&limit=4", page.GetProperty("next").GetString());

            DeviceRecord record = new(machine.Name, machine.DeviceInformation, machine.DeviceHash, machine.ChainingMode, [.. machine.Ballots], machine.ClosingHash());
            await Created(await device.PostAsync("board/devices", BoardArtifacts.Device(record), "device.record"), "device");

            // The encrypted tally must be the aggregate of the ballots on the board; it closes voting.
            EncryptedTally tally = EncryptedTally.Aggregate(context, ballots);
            EncryptedTally partial = EncryptedTally.Aggregate(context, ballots.Skip(1));
            await Problems.AssertAsync(await blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(partial), "tally.encrypted", cosigners: withRed), HttpStatusCode.UnprocessableEntity, "Invalid tally");
            await Created(await blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(tally), "tally.encrypted", cosigners: withRed), "encrypted tally");
            EncryptedBallot late = machine.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, voters), "late"), DateTimeOffset.UtcNow);
            await Problems.AssertAsync(await device.PostBallotAsync(late), HttpStatusCode.Conflict, "Voting closed");
            await Problems.AssertAsync(await device.PostAsync("board/sealed", new BallotSeal(late.Id, "device-1", late.ConfirmationCode).ToJson(), "ballot.sealed", code: late.ConfirmationCode.ToHex()),
                HttpStatusCode.Conflict, "Voting closed");

            // Partial decryptions (rounds of guardians 1 and 2), each from the holder of that guardian.
            int[] u = [1, 2];
            DecryptionItem[] items = [.. tally.Contests.SelectMany(c => c.Options.Select(o => new DecryptionItem(c.ContestIndex, o.OptionIndex, o.Ciphertext)))];
            EncryptedBallot challenged = ballots[2];
            DecryptionGuardian[] rounds = [.. u.Select(i => new DecryptionGuardian(context, secrets[i - 1]))];
            PartialDecryptionCommitment[] commitments = [.. rounds.Select(g => g.Commit(items, u))];
            string[] commitJson = new string[rounds.Length];
            string[] revealJson = new string[rounds.Length];
            PartialDecryptionReveal[] reveals = [.. rounds.Select(g => g.Reveal(commitments))];
            for (int n = 0; n < rounds.Length; n++)
            {
                commitJson[n] = $"{{\"i\":{u[n]},\"guardians\":[1,2],\"tally\":[{string.Join(",", commitments[n].Shares.Select((m, j) => $"{{\"m\":\"{Hex(m)}\",\"d\":\"{commitments[n].Commitments[j].ToHex()}\"}}"))}],"
                    + $"\"ballot_nonces\":[{{\"id\":\"{challenged.Id.ToHex()}\",\"m\":\"{Hex(rounds[n].DecryptDataShare(challenged.BallotNonce.C0))}\"}}]}}";
                revealJson[n] = RevealJson(u[n], reveals[n].A, reveals[n].B);
            }

            BoardClient HolderOf(int i) => i == 1 ? blue : red;
            await Problems.AssertAsync(await red.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(commitJson[0]), "decryption.commit"), HttpStatusCode.Forbidden, "Not this party's guardian");
            string noNonces = commitJson[0][..commitJson[0].IndexOf("\"ballot_nonces\"", StringComparison.Ordinal)] + "\"ballot_nonces\":[]}";
            await Problems.AssertAsync(await blue.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(noNonces), "decryption.commit"), HttpStatusCode.UnprocessableEntity, "Invalid artifact");
            await Created(await blue.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(commitJson[0]), "decryption.commit"), "commit 1");

            // Two-round commitment: no reveal until every guardian of U has committed.
            await Problems.AssertAsync(await blue.PostAsync("board/decryptions/reveal", Encoding.UTF8.GetBytes(revealJson[0]), "decryption.reveal"), HttpStatusCode.Conflict, "Not yet");
            string otherU = commitJson[1].Replace("\"guardians\":[1,2]", "\"guardians\":[2,3]", StringComparison.Ordinal);
            await Problems.AssertAsync(await red.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(otherU), "decryption.commit"), HttpStatusCode.UnprocessableEntity, "Invalid artifact");
            await Created(await red.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(commitJson[1]), "decryption.commit"), "commit 2");
            JsonElement twice = await Problems.AssertAsync(await red.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(commitJson[1]), "decryption.commit"), HttpStatusCode.Conflict, "Already on the board");
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(commitJson[1]))), twice.GetProperty("sha256").GetString()); // a retried post can tell it landed
            await Problems.AssertAsync(await red.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes(commitJson[1].Replace("[1,2]", "[1, 2]", StringComparison.Ordinal)), "decryption.commit"), HttpStatusCode.UnprocessableEntity, "Invalid artifact");

            // A reveal that does not hash to the guardian's commitment d_i is refused, naming guardian, contest and option.
            ElementModP[] swapped = [reveals[1].B[0], .. reveals[1].A.Skip(1)];
            JsonElement badReveal = await Problems.AssertAsync(await red.PostAsync("board/decryptions/reveal", Encoding.UTF8.GetBytes(RevealJson(2, swapped, reveals[1].B)), "decryption.reveal"), HttpStatusCode.UnprocessableEntity, "Invalid partial decryption");
            AssertNames(badReveal, guardian: 2, items[0], "eq 88");
            for (int n = 0; n < rounds.Length; n++)
            {
                await Created(await HolderOf(u[n]).PostAsync("board/decryptions/reveal", Encoding.UTF8.GetBytes(revealJson[n]), "decryption.reveal"), "reveal");
            }

            await Problems.AssertAsync(await red.PostAsync("board/decryptions/reveal", Encoding.UTF8.GetBytes(RevealJson(2, swapped, reveals[1].B)), "decryption.reveal"), HttpStatusCode.Conflict, "Already on the board");

            // Responses: each checked against Note 3.7 (eqs 94, 95) when it arrives.
            PartialDecryptionVerifier verifier = new(context, u);
            ElementModQ[] challenges = [.. items.Select((item, n) => verifier.Challenge(item, [.. commitments.Select(c => c.Shares[n])], [.. reveals.Select(r => r.A[n])], [.. reveals.Select(r => r.B[n])]))];
            PartialDecryptionResponse[] responses = [.. rounds.Select(g => g.Respond(challenges))];

            // One byte of guardian 2's first v_i changed.
            byte[] raw = responses[1].Responses[0].Encode();
            ElementModQ? changed = null;
            for (int x = 1; changed is null || changed.Equals(responses[1].Responses[0]); x++)
            {
                byte[] copy = [.. raw];
                copy[^1] ^= (byte)x;
                ElementModQ.TryDecode(Group.Tiny, copy, out changed);
            }

            JsonElement oneByte = await Problems.AssertAsync(await red.PostAsync("board/decryptions/response", Encoding.UTF8.GetBytes(ResponseJson(2, [changed, .. responses[1].Responses.Skip(1)])), "decryption.response"), HttpStatusCode.UnprocessableEntity, "Invalid partial decryption");
            AssertNames(oneByte, guardian: 2, items[0], "eq 94");

            // Guardian 2's responses computed with a wrong key share z_2 + 1: v' = u − c·w_2·(z_2 + 1) = v − c·w_2.
            ElementModQ w2 = Lagrange.Coefficient(Group.Tiny, 2, u);
            ElementModQ[] wrongShare = [.. responses[1].Responses.Select((v, n) => v - (challenges[n] * w2))];
            JsonElement wrong = await Problems.AssertAsync(await red.PostAsync("board/decryptions/response", Encoding.UTF8.GetBytes(ResponseJson(2, wrongShare)), "decryption.response"), HttpStatusCode.UnprocessableEntity, "Invalid partial decryption");
            AssertNames(wrong, guardian: 2, items[0], "eq 94");
            Assert.Equal(items.Length, wrong.GetProperty("failures").GetInt32());
            Assert.Equal(4, (await blue.Http.GetFromJsonAsync<JsonElement>("board/decryptions")).GetProperty("total").GetInt32());

            for (int n = 0; n < rounds.Length; n++)
            {
                await Created(await HolderOf(u[n]).PostAsync("board/decryptions/response", Encoding.UTF8.GetBytes(ResponseJson(u[n], responses[n].Responses)), "decryption.response"), "response");
            }

            await Problems.AssertAsync(await blue.PostAsync("board/decryptions/commit", Encoding.UTF8.GetBytes("{\"i\":1,\"guardians\":[1]}"), "decryption.commit"), HttpStatusCode.UnprocessableEntity, "Invalid artifact");
            Assert.Equal(6, (await blue.Http.GetFromJsonAsync<JsonElement>("board/decryptions")).GetProperty("total").GetInt32());

            // The decrypted tally assembled from the rounds on the board (c, v = Σ v_i) verifies; a changed value is refused.
            DecryptionGuardian[] decrypting = [.. u.Select(i => new DecryptionGuardian(context, secrets[i - 1]))];
            DecryptedTally plain = TallyDecryption.Decrypt(context, tally, decrypting);
            long[] values = [.. plain.Contests.SelectMany(c => c.Options.Select(o => o.Value))];
            int at = 0;
            DecryptedTally decrypted = new(u, [.. tally.Contests.Select(c => new DecryptedContest(c.ContestIndex, [.. c.Options.Select(o =>
            {
                int n = at++;
                return new DecryptedOption(o.OptionIndex, values[n], challenges[n], responses[0].Responses[n] + responses[1].Responses[n]);
            })]))]);
            DecryptedContest c0 = decrypted.Contests[0];
            DecryptedTally forged = new(decrypted.Guardians, [new DecryptedContest(c0.ContestIndex, [c0.Options[0] with { Value = c0.Options[0].Value + 1 }, .. c0.Options.Skip(1)]), .. decrypted.Contests.Skip(1)]);
            await Problems.AssertAsync(await blue.PostAsync("board/tally", BoardArtifacts.Tally(forged, manifest), "tally.decrypted", cosigners: withRed), HttpStatusCode.UnprocessableEntity, "Invalid proof");
            await Problems.AssertAsync(await blue.Http.GetAsync("board/record"), HttpStatusCode.Conflict, "Not yet");
            await Created(await blue.PostAsync("board/tally", BoardArtifacts.Tally(decrypted, manifest), "tally.decrypted", cosigners: withRed), "tally");
            OpenedBallot opened = ChallengedBallotOpener.Open(context, challenged, decrypting);
            await Problems.AssertAsync(await blue.PostAsync("board/challenged", BoardArtifacts.Opened(opened with { Id = ballots[0].Id }, manifest), "ballot.opened", ballots[0].Id.ToHex(), cosigners: withRed), HttpStatusCode.UnprocessableEntity, "Invalid artifact");
            await Created(await blue.PostAsync("board/challenged", BoardArtifacts.Opened(opened, manifest), "ballot.opened", challenged.Id.ToHex(), cosigners: withRed), "opening");

            // The record download parses, passes the self-check and carries the tally.
            HttpResponseMessage zip = await blue.Http.GetAsync("board/record");
            Assert.Equal("application/zip", zip.Content.Headers.ContentType!.MediaType);
            string dir = Path.Combine(board.Dir, "downloaded");
            using (ZipArchive archive = new(await zip.Content.ReadAsStreamAsync()))
            {
                archive.ExtractToDirectory(dir);
            }

            ElectionRecord read = await RecordStore.ReadAsync(dir);
            Assert.Empty(RecordSelfCheck.Check(read));
            Assert.Equal(5, read.Ballots.Count(b => b.State == BallotState.Cast));
            Assert.Single(read.Challenged);
            Assert.Equal(decrypted.Contests.SelectMany(c => c.Options.Select(o => o.Value)), read.Tally.Contests.SelectMany(c => c.Options.Select(o => o.Value)));

            JsonElement status = await blue.Http.GetFromJsonAsync<JsonElement>("board");
            Assert.Equal("complete", status.GetProperty("stage").GetString());
            long logSize = status.GetProperty("log_size").GetInt64();

            // Every artifact's entry is in the log; the board rebuilds the same state from the log after a restart.
            await server.StopAsync();
            await server.DisposeAsync();
            server = await board.StartLogAsync();
            using HttpClient again = new() { BaseAddress = new Uri(TestBoard.Address(server)) };
            JsonElement rebuilt = await again.GetFromJsonAsync<JsonElement>("board");
            Assert.Equal("complete", rebuilt.GetProperty("stage").GetString());
            Assert.Equal(logSize, rebuilt.GetProperty("log_size").GetInt64());
            Assert.Empty(rebuilt.GetProperty("problems").EnumerateArray());
            Assert.Equal(status.GetProperty("counts").ToString(), rebuilt.GetProperty("counts").ToString());
            Assert.Equal(6, rebuilt.GetProperty("counts").GetProperty("ballots").GetInt32());
            using BoardClient deviceAgain = new(new Uri(TestBoard.Address(server)), board.Device);
            await Problems.AssertAsync(await deviceAgain.PostBallotAsync(ballots[4]), HttpStatusCode.Conflict, "Voting closed");
            byte[] entry0 = Entente.Transparency.Tiles.EntryBundle.Decode(await again.GetByteArrayAsync("tile/entries/000.p/" + Math.Min(logSize, 256)), (int)Math.Min(logSize, 256))[0];
            Assert.Equal("charter", LogEntry.Parse(entry0).Entry.Type);
            Assert.Equal(2, SignedNote.Parse(entry0).Signatures.Count);
        }
        finally
        {
            foreach (GuardianSecrets s in secrets)
            {
                s.Dispose();
            }

            await server.DisposeAsync();
        }
    }
}

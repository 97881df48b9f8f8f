using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.PreEncryption;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Unit;

/// <summary>Pre-encrypted ballots of spec 2.1 §4 on the tiny group: generation (§4.2), recording (§4.3), opening.</summary>
public sealed class PreEncryptionTests : IDisposable
{
    private static readonly ElectionManifest Manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);
    private readonly ElectionContext _context;
    private readonly GuardianSecrets[] _secrets;
    private readonly PreEncryptor _tool;

    public PreEncryptionTests()
    {
        (_context, _secrets) = ElectionSimulator.RunKeyCeremony(ElectionParameters.Create(Group.Tiny, Manifest, 3, 2));
        _tool = new PreEncryptor(_context, "printer-1", "county print shop", ShortCodeFormat.Parse("hex4"));
    }

    public void Dispose()
    {
        foreach (GuardianSecrets secret in _secrets)
        {
            secret.Dispose();
        }
    }

    [Theory]
    [InlineData("hex2", 0x00, "00")]
    [InlineData("hex2", 0xAB, "AB")]
    [InlineData("letter-digit", 0, "A0")]
    [InlineData("letter-digit", 255, "Z5")]
    [InlineData("digit-letter", 0, "0A")]
    [InlineData("digit-letter", 255, "9V")]
    [InlineData("number-0", 255, "255")]
    [InlineData("number-1", 255, "256")]
    [InlineData("number-100", 0, "100")]
    [InlineData("number-101", 255, "356")]
    public void Short_code_formats_trim_the_final_byte_as_section_4_6_lists(string name, int last, string expected)
    {
        byte[] psi = new byte[32];
        psi[30] = 0x12;
        psi[31] = (byte)last;
        Assert.Equal(expected, ShortCodeFormat.Parse(name).Apply(psi));
    }

    [Fact]
    public void Hex_short_codes_have_a_configurable_length_and_bad_names_are_refused()
    {
        byte[] psi = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        Assert.Equal("1D1E1F", ShortCodeFormat.Parse("hex6").Apply(psi));
        Assert.Equal("18191A1B1C1D1E1F", ShortCodeFormat.Parse("hex16").Apply(psi));
        foreach (string bad in new[] { "hex3", "hex0", "hex18", "hex04", "HEX2", "", "letter" })
        {
            Assert.False(ShortCodeFormat.TryParse(bad, out _), bad);
        }

        Assert.Contains("letter-digit", Assert.Throws<FormatException>(() => ShortCodeFormat.Parse("x")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_generated_ballot_has_m_plus_L_vectors_per_contest_each_an_encryption_of_its_selection()
    {
        using GeneratedBallot generated = _tool.Generate(1);
        PreEncryptedBallot ballot = generated.Ballot;
        Assert.Equal([1, 2], ballot.Contests.Select(c => c.ContestIndex));
        foreach (PreEncryptedContest contest in ballot.Contests)
        {
            Contest definition = Manifest.Contests[contest.ContestIndex - 1];
            int m = definition.Options.Count;
            Assert.Equal(m + definition.SelectionLimit, contest.Selections.Count);
            Assert.Equal(contest.Selections.Count, contest.Selections.Select(s => s.ShortCode).Distinct().Count());
            foreach (PreEncryptedSelection selection in contest.Selections)
            {
                Assert.Equal(selection.SelectionIndex <= m ? selection.SelectionIndex : null, selection.OptionIndex);
                for (int k = 1; k <= m; k++)
                {
                    // eq 121 nonces open every encryption to δ_{j,k}.
                    ElementModQ xi = ElectionHashes.PreEncryptedSelectionNonce(_context.Group, ballot.IdentifierHash, contest.ContestIndex, selection.SelectionIndex, k, generated.Nonce);
                    ElGamalCiphertext e = selection.Vector[k - 1];
                    Assert.Equal(_context.Group.GPow(xi), e.Alpha);
                    Assert.Equal(_context.VoteKey.EncodePlaintext(selection.SelectionIndex == k ? 1 : 0), e.DecryptWithNonce(_context.VoteKey, xi));
                }

                Assert.Equal(PreEncryptionHashes.SelectionHash(_context.Group, ballot.IdentifierHash, selection.Vector), selection.SelectionHash);
                Assert.Equal(ballot.ShortCodes.Apply(selection.SelectionHash), selection.ShortCode);
            }

            // χ does not depend on the order the hashes are given in (they are sorted, eq 115).
            Assert.Equal(contest.ContestHash, PreEncryptionHashes.ContestHash(_context.Group, ballot.IdentifierHash, contest.ContestIndex, contest.Selections.Reverse().Select(s => s.SelectionHash)));
        }

        Hash256 deviceHash = ElectionHashes.PreEncryptedDeviceHash(_context.Group, _context.ExtendedBaseHash, "county print shop");
        Assert.Equal(PreEncryptionHashes.ChainingField(deviceHash), ballot.ChainingField);
        Assert.Equal(0, ballot.ChainingField[3]);
        Assert.Equal(ballot.ConfirmationCode, PreEncryptionHashes.ConfirmationCode(_context.Group, ballot.IdentifierHash, ballot.Contests.Select(c => c.ContestHash), ballot.ChainingField));
        Assert.True(BallotNonceEncryption.VerifyProof(ballot.IdentifierHash, ballot.BallotNonce));
    }

    [Fact]
    public void Recorded_pre_encrypted_ballots_tally_with_device_ballots_to_the_marked_totals()
    {
        BallotEncryptor encryptor = new(_context);
        EncryptionDevice device = new(_context, "device-1", "booth");
        PreEncryptionRecorder recorder = new(_context);
        List<EncryptedBallot> ballots = [device.Seal(encryptor.Encrypt(new PlaintextBallot(1, new Dictionary<int, int[]> { [1] = [1, 0, 0], [2] = [0, 2, 0] })), DateTimeOffset.UnixEpoch)];
        using GeneratedBallot first = _tool.Generate(1);
        using GeneratedBallot second = _tool.Generate(1);
        using GeneratedBallot third = _tool.Generate(2);
        // first: mayor B, council D and F; second: mayor undervote, council E; third (mayor only): C.
        ballots.Add(recorder.RecordCast(first.Ballot, first.Nonce, Marks(first.Ballot, (1, 2), (2, 1), (2, 3)), DateTimeOffset.UnixEpoch));
        ballots.Add(recorder.RecordCast(second.Ballot, second.Nonce, Marks(second.Ballot, (2, 2)), DateTimeOffset.UnixEpoch));
        ballots.Add(recorder.RecordCast(third.Ballot, third.Nonce, Marks(third.Ballot, (1, 3)), DateTimeOffset.UnixEpoch));

        foreach (EncryptedBallot ballot in ballots.Skip(1))
        {
            Assert.Empty(RecordSelfCheck.CheckBallot(_context, Manifest, ballot));
            Assert.NotNull(ballot.PreEncryption);
            foreach (PreEncryptedCastContest contest in ballot.PreEncryption!.Contests)
            {
                Contest definition = Manifest.Contests[contest.ContestIndex - 1];
                Assert.Equal(definition.SelectionLimit, contest.Selected.Count);
                Assert.Equal(definition.Options.Count + definition.SelectionLimit, contest.SelectionHashes.Count);
                EncryptedContest encrypted = ballot.Contests.Single(c => c.ContestIndex == contest.ContestIndex);
                for (int k = 0; k < definition.Options.Count; k++)
                {
                    // V15.A: the selection vector is the product of the selected vectors.
                    Assert.Equal(ElGamalCiphertext.Product(_context.Group, contest.Selected.Select(s => s.Vector[k])), encrypted.Selections[k].Ciphertext);
                }
            }
        }

        EncryptedTally tally = EncryptedTally.Aggregate(_context, ballots);
        DecryptedTally decrypted = TallyDecryption.Decrypt(_context, tally, [.. _secrets.Take(2).Select(s => new DecryptionGuardian(_context, s))]);
        Assert.Equal([1, 1, 1], decrypted.Contests[0].Options.Select(o => o.Value));
        Assert.Equal([1, 3, 1], decrypted.Contests[1].Options.Select(o => o.Value));
    }

    [Fact]
    public void The_recorder_refuses_unknown_repeated_and_overvoted_short_codes_and_a_wrong_nonce_naming_them()
    {
        PreEncryptionRecorder recorder = new(_context);
        using GeneratedBallot ballot = _tool.Generate(1);
        using GeneratedBallot other = _tool.Generate(1);
        string id = ballot.Ballot.Id.ToHex();
        string[] mayor = [.. ballot.Ballot.Contests[0].Selections.Select(s => s.ShortCode)];
        ElectionFormatException unknown = Assert.Throws<ElectionFormatException>(() =>
            recorder.RecordCast(ballot.Ballot, ballot.Nonce, new Dictionary<int, IReadOnlyList<string>> { [1] = ["ZZZZZ"] }, DateTimeOffset.UnixEpoch));
        Assert.Equal($"ballot {id} contest 1", unknown.Location);
        Assert.Contains("\"ZZZZZ\"", unknown.Problem, StringComparison.Ordinal);
        ElectionFormatException twice = Assert.Throws<ElectionFormatException>(() =>
            recorder.RecordCast(ballot.Ballot, ballot.Nonce, new Dictionary<int, IReadOnlyList<string>> { [1] = [mayor[0], mayor[0]] }, DateTimeOffset.UnixEpoch));
        Assert.Contains("marked twice", twice.Problem, StringComparison.Ordinal);
        ElectionFormatException over = Assert.Throws<ElectionFormatException>(() =>
            recorder.RecordCast(ballot.Ballot, ballot.Nonce, new Dictionary<int, IReadOnlyList<string>> { [1] = [mayor[0], mayor[1]] }, DateTimeOffset.UnixEpoch));
        Assert.Contains("overvote", over.Problem, StringComparison.Ordinal);
        Assert.Throws<ElectionFormatException>(() =>
            recorder.RecordCast(ballot.Ballot, ballot.Nonce, new Dictionary<int, IReadOnlyList<string>> { [9] = [mayor[0]] }, DateTimeOffset.UnixEpoch));
        ElectionFormatException wrongNonce = Assert.Throws<ElectionFormatException>(() => recorder.OpenUncast(ballot.Ballot, other.Nonce));
        Assert.Contains("does not rebuild", wrongNonce.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_uncast_ballot_is_opened_with_every_derived_nonce_that_rebuilds_its_vectors()
    {
        using GeneratedBallot generated = _tool.Generate(1);
        UncastBallot opened = new PreEncryptionRecorder(_context).OpenUncast(generated.Ballot, generated.Nonce);
        Assert.Equal(generated.Ballot.ConfirmationCode, opened.ConfirmationCode);
        foreach ((OpenedPreEncryptedContest contest, PreEncryptedContest printed) in opened.Contests.Zip(generated.Ballot.Contests))
        {
            Assert.Equal(printed.ContestHash, contest.ContestHash);
            foreach ((OpenedPreEncryptedSelection selection, PreEncryptedSelection vector) in contest.Selections.Zip(printed.Selections))
            {
                Assert.Equal(vector.ShortCode, selection.ShortCode);
                Assert.Equal(vector.Vector.Select(e => e.Alpha), selection.Nonces.Select(n => _context.Group.GPow(n)));
            }
        }
    }

    [Fact]
    public void The_library_check_catches_swapped_short_codes_on_an_uncast_ballot_and_a_swapped_vector_on_a_cast_one()
    {
        PreEncryptionRecorder recorder = new(_context);
        using GeneratedBallot generated = _tool.Generate(1);
        UncastBallot opened = recorder.OpenUncast(generated.Ballot, generated.Nonce);
        Assert.Empty(PreEncryptionCheck.CheckUncast(_context, opened));
        // Swapping two options' short codes keeps the set of hashes, so χ and H_C still match (18.A alone misses it).
        OpenedPreEncryptedContest mayor = opened.Contests[0];
        OpenedPreEncryptedSelection[] swapped = [.. mayor.Selections];
        (swapped[0], swapped[1]) = (swapped[0] with { ShortCode = swapped[1].ShortCode }, swapped[1] with { ShortCode = swapped[0].ShortCode });
        UncastBallot tampered = opened with { Contests = [mayor with { Selections = swapped }, opened.Contests[1]] };
        List<string> failures = PreEncryptionCheck.CheckUncast(_context, tampered);
        Assert.Contains(failures, f => f.StartsWith("V17.A", StringComparison.Ordinal) && f.Contains($"short code {swapped[0].ShortCode} (option A)", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.StartsWith("V18", StringComparison.Ordinal));

        EncryptedBallot cast = recorder.RecordCast(generated.Ballot, generated.Nonce, Marks(generated.Ballot, (1, 1), (2, 2)), DateTimeOffset.UnixEpoch);
        PreEncryptedCastContest council = cast.PreEncryption!.Contests[1];
        PreEncryptedSelectedVector other = new(council.Selected[0].ShortCode, generated.Ballot.Contests[1].Selections.First(s => s.ShortCode != council.Selected[0].ShortCode && s.ShortCode != council.Selected[1].ShortCode).Vector);
        EncryptedBallot forged = cast with { PreEncryption = cast.PreEncryption with { Contests = [cast.PreEncryption.Contests[0], council with { Selected = [other, council.Selected[1]] }] } };
        List<string> castFailures = RecordSelfCheck.CheckBallot(_context, Manifest, forged);
        Assert.Contains(castFailures, f => f.StartsWith("V15.A", StringComparison.Ordinal));
        Assert.Contains(castFailures, f => f.StartsWith("V17.A", StringComparison.Ordinal) && f.Contains("short code " + other.ShortCode, StringComparison.Ordinal));
    }

    private static Dictionary<int, IReadOnlyList<string>> Marks(PreEncryptedBallot ballot, params (int Contest, int Option)[] marks) =>
        marks.GroupBy(m => m.Contest).ToDictionary(
            g => g.Key,
            g => (IReadOnlyList<string>)[.. g.Select(m => ballot.Contests.Single(c => c.ContestIndex == m.Contest).Selections.Single(s => s.OptionIndex == m.Option).ShortCode)]);
}

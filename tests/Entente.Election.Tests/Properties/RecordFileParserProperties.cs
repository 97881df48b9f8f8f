using System.Text;
using CsCheck;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Testing.Properties;
using Xunit.Abstractions;

namespace Entente.Election.Tests.Properties;

/// <summary>
/// Every record file and ceremony message reader, and the manifest reader, under random and mutated input on the tiny
/// group: a record file is read back to a value that writes the very same bytes (the format is canonical), the manifest
/// to a value whose canonical form reads back to itself; anything else is refused with
/// <see cref="ElectionFormatException"/>, never another exception.
/// </summary>
public sealed class RecordFileParserProperties(ITestOutputHelper output)
{
    /// <summary>A small election on the tiny group: 3 guardians, quorum 2, 4 ballots (2 challenged), contest data decrypted.</summary>
    private static readonly Lazy<Fixture> Election = new(() =>
    {
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(EndToEndTinyGroupTests.TwoContests));
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Tiny, 3, 2, ballots: 4, challenged: 2, new Random(1441), [1, 3], decryptContestData: 2);
        List<EncryptedShare> shares = [];
        (ElectionContext _, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(record.Context.Parameters,
            observer: m => { if (m is ShareSent s) { shares.Add(s.Share); } });
        foreach (GuardianSecrets secret in secrets)
        {
            secret.Dispose();
        }

        return new Fixture(record, shares);
    });

    private sealed record Fixture(ElectionRecord Record, IReadOnlyList<EncryptedShare> Shares)
    {
        public ElectionContext Context => Record.Context;

        public ElectionManifest Manifest => Record.Context.Parameters.Manifest;

        public long CastWeight => Record.Ballots.Where(b => b.State == BallotState.Cast).Sum(b => (long)b.Weight);
    }

    /// <summary>A record file: its valid encodings and its reader, which returns what it read written again.</summary>
    private sealed record RecordFile(Func<Fixture, byte[][]> Valid, Func<Fixture, byte[], byte[]> ReadAndWrite);

    private static readonly Dictionary<string, RecordFile> Files = new(StringComparer.Ordinal)
    {
        ["parameters.json"] = new(f => [RecordFormat.WriteParameters(f.Context.Parameters)],
            (f, b) => RecordFormat.WriteParameters(RecordFormat.ReadParameters("parameters.json", b, f.Manifest))),
        ["guardians/guardian-i.json"] = new(f => [.. f.Context.Guardians.Select(RecordFormat.WriteGuardian)],
            (f, b) => RecordFormat.WriteGuardian(RecordFormat.ReadGuardian("guardian.json", b, f.Context.Parameters))),
        ["election.json"] = new(f => [RecordFormat.WriteElection(f.Context)],
            (f, b) =>
            {
                RecordFormat.CheckElection("election.json", b, f.Context);
                return RecordFormat.WriteElection(f.Context);
            }),
        ["devices/device.json"] = new(f => [.. f.Record.Devices.Select(RecordFormat.WriteDevice)],
            (f, b) => RecordFormat.WriteDevice(RecordFormat.ReadDevice("device.json", b))),
        ["ballots/id.json"] = new(f => [.. f.Record.Ballots.Select(RecordFormat.WriteBallot)],
            (f, b) => RecordFormat.WriteBallot(RecordFormat.ReadBallot("ballot.json", b, f.Context))),
        ["tally/encrypted_tally.json"] = new(f => [RecordFormat.WriteEncryptedTally(f.Record.EncryptedTally)],
            (f, b) => RecordFormat.WriteEncryptedTally(RecordFormat.ReadEncryptedTally("encrypted_tally.json", b, f.Context, f.CastWeight))),
        ["tally/tally.json"] = new(f => [RecordFormat.WriteTally(f.Record.Tally, f.Manifest)],
            (f, b) => RecordFormat.WriteTally(RecordFormat.ReadTally("tally.json", b, f.Context), f.Manifest)),
        ["tally/partial_decryptions.json"] = new(f => [PartialDecryptionsFile.Write(f.Record.Tally)],
            (f, b) => PartialDecryptionsFile.Write(PartialDecryptionsFile.Read(PartialDecryptionsFile.Path, b, f.Context, f.Record.Tally))),
        ["challenged/id.json"] = new(f => [.. f.Record.Challenged.Select(o => RecordFormat.WriteOpened(o, f.Manifest))],
            (f, b) => RecordFormat.WriteOpened(RecordFormat.ReadOpened("challenged.json", b, f.Context, BallotOf(f, b)), f.Manifest)),
        ["contest_data/id.json"] = new(f => [.. f.Record.ContestData.Select(d => RecordFormat.WriteContestData(d, f.Manifest))],
            (f, b) => RecordFormat.WriteContestData(RecordFormat.ReadContestData("contest_data.json", b, f.Context, BallotOf(f, b)), f.Manifest)),
        ["shares/share-i-to-l.json"] = new(f => [.. f.Shares.Select(RecordFormat.WriteShare)],
            (f, b) => RecordFormat.WriteShare(RecordFormat.ReadShare("share.json", b, f.Context.Parameters))),
        ["approvals/guardian-l.json"] = new(f => [RecordFormat.WriteApproval(new Approval(1, f.Context.GuardianRecordHash, [])),
                RecordFormat.WriteApproval(new Approval(2, f.Context.GuardianRecordHash, [(3, "the share from 3 does not match its commitments \u00e9")]))],
            (f, b) => RecordFormat.WriteApproval(RecordFormat.ReadApproval("approval.json", b, f.Context.Parameters))),
    };

    public static TheoryData<string> FileNames => [.. Files.Keys];

    [Theory]
    [MemberData(nameof(FileNames))]
    public void Record_files_read_back_to_their_exact_bytes_or_are_refused_with_ElectionFormatException(string file)
    {
        Fixture fixture = Election.Value;
        RecordFile format = Files[file];
        byte[][] valid = format.Valid(fixture);
        Assert.NotEmpty(valid);
        PropertyRunner.Check(output, JsonMutations.Of(Gen.Int[0, valid.Length - 1].Select(i => valid[i])), input =>
        {
            byte[]? written = Outcome.Of<byte[], ElectionFormatException>(() => format.ReadAndWrite(fixture, input.Bytes));
            if (written is not null)
            {
                Assert.Equal(input.Bytes, written);
            }
        }, fixedSeed: 1441 + (ulong)file.Length, iterations: 600, name: file);
    }

    [Fact]
    public void Manifests_read_to_a_manifest_whose_canonical_form_reads_back_to_itself_or_are_refused_with_ElectionFormatException()
    {
        Gen<byte[]> manifests = Gen.OneOf(
            EndToEndTinyGroupTests.TwoContests,
            """{"label":"L","contests":[{"label":"C","selection_limit":"NO_LIMIT","options":[{"label":"a","selection_limit":3},{"label":"b"}]}],"ballot_styles":[{"label":"s","contests":[1]}],"chaining_mode":"simple","device_information":"d\u00e9vice","max_ballot_weight":5}""",
            """{"label":"Two\nlines","contests":[{"label":"C","selection_limit":2,"contest_options":[{"label":"a","selection_limit":"CONTEST_LIMIT"},{"label":"b","selection_limit":0}],"contest_data_blocks":2}],"ballot_styles":[{"label":"s","contests":[1]}],"chaining_mode":"none"}""")
            .Select(Encoding.UTF8.GetBytes);
        PropertyRunner.Check(output, JsonMutations.Of(manifests), input =>
        {
            ElectionManifest? manifest = Outcome.Of<ElectionManifest, ElectionFormatException>(() => ManifestReader.Parse(input.Bytes, "manifest.json"));
            if (manifest is not null)
            {
                Assert.Equal(manifest.CanonicalBytes, ManifestReader.Parse(manifest.CanonicalBytes).CanonicalBytes);
            }
        }, fixedSeed: 1440, iterations: 3000);
    }

    /// <summary>The record's ballot that a challenged or contest-data file names (its id), or the first one.</summary>
    private static EncryptedBallot BallotOf(Fixture f, byte[] file)
    {
        string text = Encoding.UTF8.GetString(file);
        return f.Record.Ballots.FirstOrDefault(b => text.Contains(Convert.ToHexString(b.Id.Bytes), StringComparison.Ordinal)) ?? f.Record.Ballots[0];
    }
}

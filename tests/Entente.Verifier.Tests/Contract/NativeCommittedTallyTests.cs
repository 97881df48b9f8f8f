using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Cli.Commands;
using Entente.Cryptography;
using Entente.Election;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests.Contract;

/// <summary>
/// Revision 8 of the record format (docs/record-format.md §4.8): an encrypted tally of more cast ballots than it lists
/// (<see cref="EncryptedTally.MaxListedBallots"/>) commits to them instead, by their number (<c>ballot_count</c>) and
/// the SHA-256 of their identifiers in ascending order (<c>ballots_sha256</c>). Here the producer is told to commit from
/// the first ballot, so that a small record does. The verifier gives the report of the same record listing them, and
/// names the count or the hash when the tally commits to other ballots than the cast ones.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class NativeCommittedTallyTests(NativeRecords records) : IDisposable
{
    private const string TallyFile = "tally/encrypted_tally.json";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-committed-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>The chained record (or <paramref name="source"/>) written again with an encrypted tally of <paramref name="ballots"/> that commits to them.</summary>
    private async Task<string> CommittedAsync(string name, Func<ElectionRecord, IEnumerable<EncryptedBallot>>? ballots = null, string? source = null)
    {
        ElectionRecord record = await RecordStore.ReadAsync(source ?? records.Chained);
        EncryptedTally tally = EncryptedTally.Aggregate(record.Context, (ballots ?? (r => r.Ballots))(record), maxListed: 0);
        string directory = Path.Combine(_root, name);
        await RecordStore.WriteAsync(record with { EncryptedTally = tally }, directory);
        return directory;
    }

    /// <summary>SHA-256 of ids (hex) in ascending order, 32 bytes each: the definition of §4.8, written out independently.</summary>
    private static string Sha256Of(IEnumerable<string> ids)
        => Convert.ToHexString(SHA256.HashData([.. ids.Order(StringComparer.OrdinalIgnoreCase).SelectMany(Convert.FromHexString)]));

    private static string[] CastIds(string directory)
        => [.. Directory.EnumerateFiles(Path.Combine(directory, "ballots"))
            .Where(f => JsonNode.Parse(File.ReadAllBytes(f))!["state"]!.GetValue<string>() == "cast")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()];

    private static string WithoutRecordPath(VerificationReport report) => VerificationReportJson.Serialize(report with { Record = "" });

    [Fact]
    public async Task A_tally_that_commits_to_its_ballots_gives_the_report_of_the_same_record_listing_them()
    {
        string directory = await CommittedAsync("committed");

        JsonNode tally = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, TallyFile)))!;
        Assert.Equal(["contests", "ballot_count", "ballots_sha256"], tally.AsObject().Select(p => p.Key));
        string[] cast = CastIds(directory);
        Assert.Equal(6, cast.Length);
        Assert.Equal(cast.Length, tally["ballot_count"]!.GetValue<int>());
        Assert.Equal(Sha256Of(cast), tally["ballots_sha256"]!.GetValue<string>());

        VerificationReport committed = NativeRecords.Verify(directory);
        Assert.True(committed.Passed, string.Join("\n", committed.Failures.Select(f => $"{f.Check} {f.Detail}")));
        Assert.Equal(WithoutRecordPath(NativeRecords.Verify(records.Chained)), WithoutRecordPath(committed));

        // The producer's own reader accepts it, and writing what it read gives the same bytes.
        ElectionRecord read = await RecordStore.ReadAsync(directory);
        Assert.Null(read.EncryptedTally.Ballots);
        string again = Path.Combine(_root, "again");
        await RecordStore.WriteAsync(read, again);
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(again, Path.GetRelativePath(directory, file))));
        }
    }

    [Fact]
    public async Task A_record_with_pre_encrypted_ballots_whose_tally_commits_to_them_gives_the_report_of_the_record_listing_them()
    {
        // Cast pre-encrypted ballots are in ballots/ and aggregated; uncast ones are in uncast/ and are not.
        string directory = await CommittedAsync("pre-encrypted", source: records.PreEncrypted);
        JsonNode tally = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, TallyFile)))!;
        string[] cast = CastIds(directory);
        Assert.Equal(5, cast.Length);
        Assert.Equal(Sha256Of(cast), tally["ballots_sha256"]!.GetValue<string>());

        VerificationReport committed = NativeRecords.Verify(directory);
        Assert.True(committed.Passed, string.Join("\n", committed.Failures.Select(f => $"{f.Check} {f.Detail}")));
        Assert.Equal(WithoutRecordPath(NativeRecords.Verify(records.PreEncrypted)), WithoutRecordPath(committed));
    }

    [Fact]
    public async Task A_tally_that_commits_to_one_cast_ballot_fewer_fails_9_struct_on_the_count_and_9_A_on_the_aggregates()
    {
        string left = "";
        string directory = await CommittedAsync("fewer", record =>
        {
            EncryptedBallot dropped = record.Ballots.Last(b => b.State == BallotState.Cast);
            left = dropped.Id.ToHex();
            return record.Ballots.Where(b => b != dropped);
        });

        VerificationReport report = NativeRecords.Verify(directory);

        VerificationFailure count = Assert.Single(report.Failures, f => f.Check == "9.struct");
        Assert.Equal(TallyFile, count.Subject.File);
        Assert.Equal("ballot_count says 5 ballot(s) are aggregated; the record has 6 cast ballot(s)", count.Detail);
        Assert.Contains(report.Failures, f => f.Check == "9.A");
        Assert.DoesNotContain(report.Failures, f => f.Detail.Contains(left, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_tally_that_commits_to_as_many_ballots_but_not_the_cast_ones_fails_9_struct_on_its_sha256_alone()
    {
        string directory = await CommittedAsync("other");
        using NativeCopy copy = new(directory);
        string[] other = [.. CastIds(directory).Skip(1).Append(Hash256.Random().ToHex())];
        copy.Edit(TallyFile, t => t["ballots_sha256"] = Sha256Of(other));
        copy.Reseal();

        VerificationReport report = NativeRecords.Verify(copy.Directory);

        VerificationFailure failure = Assert.Single(report.Failures);
        Assert.Equal(("9.struct", TallyFile), (failure.Check, failure.Subject.File));
        Assert.StartsWith("ballots_sha256 is not the SHA-256 of the record's cast ballots", failure.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("both", "ballot_count")]
    [InlineData("no hash", "ballots_sha256")]
    [InlineData("neither", "ballots")]
    public async Task A_tally_that_both_lists_and_commits_or_half_commits_is_refused_by_both_readers_naming_the_member(string shape, string named)
    {
        string directory = await CommittedAsync("shape");
        using NativeCopy copy = new(directory);
        copy.Edit(TallyFile, t =>
        {
            JsonObject o = t.AsObject();
            switch (shape)
            {
                case "both":
                    o.Remove("ballot_count");
                    o.Remove("ballots_sha256");
                    o["ballots"] = new JsonArray([.. CastIds(directory).Order(StringComparer.Ordinal).Select(id => (JsonNode)id)]);
                    o["ballot_count"] = 6;
                    break;
                case "no hash":
                    o.Remove("ballots_sha256");
                    break;
                default:
                    o.Remove("ballot_count");
                    o.Remove("ballots_sha256");
                    break;
            }
        });
        copy.Reseal();
        using StringWriter error = new();

        int exit = VerifyCommand.Run(copy.Directory, "native", json: false, threads: 2, TextWriter.Null, error, showProgress: false, null, allowToyGroups: true);

        Assert.Equal(2, exit);
        Assert.Contains(TallyFile, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        ElectionFormatException refused = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(copy.Directory));
        Assert.Contains(TallyFile, refused.Message, StringComparison.Ordinal);
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
    }
}

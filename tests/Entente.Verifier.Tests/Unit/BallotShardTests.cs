using System.Text.Json.Nodes;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests.Unit;

/// <summary>
/// A verification whose ballots are checked in shards elsewhere (as a cluster does) reports exactly what one process
/// reports: every shard is shipped as JSON, shards run in any order, and the merge is the only place they meet.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class BallotShardTests(NativeRecords records)
{
    /// <summary>Verifies shards of <paramref name="size"/> files in this process, in reverse order, each through its JSON form.</summary>
    private sealed class ReversedShards(string directory, int size) : IBallotShardRunner
    {
        public int Shards { get; private set; }

        public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
        {
            NativeRecord record = NativeRecord.Open(directory);
            List<BallotShardResult> results = [];
            foreach (IReadOnlyList<string> shard in BallotShardResult.Cut(ballotFiles, size).Reverse())
            {
                byte[] shipped = NativeVerifier.VerifyBallotShard(record, shard, NativeRecords.Options).ToJson();
                results.Add(BallotShardResult.FromJson(shipped));
                Shards++;
            }

            return results;
        }
    }

    private static string Report(string directory, IBallotShardRunner? shards, bool passes)
    {
        VerificationReport report = NativeVerifier.Verify(directory, NativeRecords.Options with { Shards = shards });
        Assert.Equal(passes, report.Passed);
        return VerificationReportJson.Serialize(report);
    }

    [Fact]
    public void A_clean_record_verified_in_shards_gives_the_single_process_report()
    {
        foreach (string directory in new[] { records.Chained, records.PreEncrypted })
        {
            ReversedShards shards = new(directory, size: 3);
            string sharded = Report(directory, shards, passes: true);
            Assert.Equal(Report(directory, null, passes: true), sharded);
            Assert.True(shards.Shards >= 2, "the record must be cut into more than one shard");
        }
    }

    [Fact]
    public void A_tampered_record_verified_in_shards_names_the_same_failures_as_one_process()
    {
        using NativeCopy copy = new(records.Chained);
        string[] ballots = copy.Ballots();
        // A forged proof in one ballot, a swapped chaining field in another, and a cast ballot whose α is not a member.
        copy.Edit(ballots[1], b =>
        {
            JsonNode pair = b["contests"]![0]!["selections"]![0]!["proof"]![0]!;
            string v = pair["v"]!.GetValue<string>();
            pair["v"] = (v[0] == '0' ? "1" : "0") + v[1..];
        });
        copy.Edit(ballots[^1], b => b["contests"]![0]!["selections"]![1]!["alpha"] = new string('0', b["contests"]![0]!["selections"]![1]!["alpha"]!.GetValue<string>().Length));
        copy.Reseal();

        string single = Report(copy.Directory, null, passes: false);
        string sharded = Report(copy.Directory, new ReversedShards(copy.Directory, size: 2), passes: false);
        Assert.Contains("\"6.D\"", single, StringComparison.Ordinal);
        Assert.Contains("\"6.A\"", single, StringComparison.Ordinal);
        Assert.Equal(single, sharded);
    }

    [Fact]
    public void Shards_that_leave_a_ballot_out_end_the_verification_with_an_input_error()
    {
        RecordInputException error = Assert.Throws<RecordInputException>(() =>
            NativeVerifier.Verify(records.Plain, NativeRecords.Options with { Shards = new DroppingShards(records.Plain) }));
        Assert.Contains("the shards covered 4 ballot file(s); the record has 5", error.Reason, StringComparison.Ordinal);
    }

    private sealed class DroppingShards(string directory) : IBallotShardRunner
    {
        public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
            => [NativeVerifier.VerifyBallotShard(NativeRecord.Open(directory), [.. ballotFiles.Skip(1)], NativeRecords.Options)];
    }

    [Fact]
    public void A_shard_result_that_is_not_one_is_refused_naming_the_format()
    {
        FormatException error = Assert.Throws<FormatException>(() => BallotShardResult.FromJson("{\"format\":\"other\"}"u8));
        Assert.Contains("entente-ballot-shard/1", error.Message, StringComparison.Ordinal);
    }
}

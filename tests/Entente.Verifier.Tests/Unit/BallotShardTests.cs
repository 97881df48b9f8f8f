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

    /// <summary>
    /// Shards as a cluster runs them: each shard's ballot summaries go, through their JSON form, to several ballot
    /// partitions (never back with the shard's result), and the whole-record checks run on those partitions and on
    /// several device partitions. Shards run in reverse order, and every shard is sent twice (a retried shard).
    /// </summary>
    private sealed class PartitionedShards(string directory, int size, int ballotPartitions, int devicePartitions) : IBallotShardRunner, IBallotIndex
    {
        private readonly LocalBallotIndex _index = new(ballotPartitions, devicePartitions);

        public int Shards { get; private set; }

        public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
        {
            NativeRecord record = NativeRecord.Open(directory);
            IReadOnlyList<IReadOnlyList<string>> shards = BallotShardResult.Cut(ballotFiles, size);
            List<BallotShardResult> results = [];
            for (int i = shards.Count - 1; i >= 0; i--)
            {
                BallotShardResult result = NativeVerifier.VerifyBallotShard(record, shards[i], NativeRecords.Options);
                for (int attempt = 0; attempt < 2; attempt++)
                {
                    BallotShardResult summaries = BallotShardResult.FromJson(new BallotShardResult { Steps = [], Notes = [], Ballots = result.Ballots, Products = [], Unaggregatable = [] }.ToJson());
                    _index.Add(i, summaries.Ballots);
                }

                byte[] shipped = new BallotShardResult
                {
                    Steps = result.Steps, Notes = result.Notes, Ballots = [], Files = result.FileCount, Products = result.Products, Unaggregatable = result.Unaggregatable,
                }.ToJson();
                results.Add(BallotShardResult.FromJson(shipped));
                Shards++;
            }

            return results;
        }

        public WholeRecordOutcome Resolve(WholeRecordQuery query) => _index.Resolve(query);

        public IReadOnlyDictionary<string, BallotFacts> Lookup(IReadOnlyCollection<string> ids) => _index.Lookup(ids);
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
    public void A_clean_record_checked_on_ballot_and_device_partitions_gives_the_single_process_report()
    {
        foreach (string directory in new[] { records.Chained, records.PreEncrypted, records.ContestData, records.Plain })
        {
            PartitionedShards shards = new(directory, size: 3, ballotPartitions: 4, devicePartitions: 3);
            Assert.Equal(Report(directory, null, passes: true), Report(directory, shards, passes: true));
            Assert.True(shards.Shards >= 2, "the record must be cut into more than one shard");
        }
    }

    [Fact]
    public void A_ballot_id_used_by_files_of_two_shards_is_reported_by_its_partition_as_one_process_reports_it()
    {
        using NativeCopy copy = new(records.Chained);
        string[] ballots = copy.Ballots();
        string id = NativeCopy.IdOf(ballots[0]);
        // The copy's name sorts last, so the two files are in the first and the last shard.
        File.Copy(copy.PathOf(ballots[0]), copy.PathOf("ballots/" + new string('F', 64) + ".json"));
        copy.Reseal();

        string single = Report(copy.Directory, null, passes: false);
        Assert.Contains("\"5.A\"", single, StringComparison.Ordinal);
        Assert.Contains($"id_B is used by 2 ballot files: {ballots[0]}, ballots/{new string('F', 64)}.json", single, StringComparison.Ordinal);
        Assert.Equal(single, Report(copy.Directory, new PartitionedShards(copy.Directory, size: 2, ballotPartitions: 3, devicePartitions: 2), passes: false));
        Assert.Equal(single, Report(copy.Directory, new ReversedShards(copy.Directory, size: 2), passes: false));
        Assert.Contains(id, single, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_chain_broken_across_shards_and_partitions_names_the_same_failures_as_one_process()
    {
        using NativeCopy copy = new(records.Chained);
        string device = Directory.EnumerateFiles(copy.PathOf("devices")).Select(f => "devices/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).First();
        string dropped = "";
        // Two ballots of the chain swapped, one listed twice, and a cast ballot left out of the aggregated ballots.
        copy.Edit(device, d =>
        {
            JsonArray list = d["ballots"]!.AsArray();
            JsonNode second = list[1]!.DeepClone();
            list[1] = list[2]!.DeepClone();
            list[2] = second;
            list.Add(list[0]!.DeepClone());
        });
        copy.Edit("tally/encrypted_tally.json", t =>
        {
            JsonArray list = t["ballots"]!.AsArray();
            dropped = list[^1]!.GetValue<string>();
            list.RemoveAt(list.Count - 1);
        });
        copy.Reseal();

        string single = Report(copy.Directory, null, passes: false);
        Assert.Contains("\"8.E\"", single, StringComparison.Ordinal);
        Assert.Contains("the ballot is listed again", single, StringComparison.Ordinal);
        Assert.Contains("a cast ballot is missing from the aggregated ballots", single, StringComparison.Ordinal);
        Assert.Contains(dropped, single, StringComparison.OrdinalIgnoreCase);
        foreach ((int b, int d) in new[] { (1, 1), (3, 2), (7, 5) })
        {
            Assert.Equal(single, Report(copy.Directory, new PartitionedShards(copy.Directory, size: 2, ballotPartitions: b, devicePartitions: d), passes: false));
        }
    }

    [Fact]
    public void A_tally_that_commits_to_other_ballots_names_the_same_failures_across_shards_and_partitions_as_one_process()
    {
        // The committed form of §4.8 (revision 8) for the chained record's tally, one cast ballot left out of the commitment.
        using NativeCopy copy = new(records.Chained);
        string[] cast = [.. copy.Ballots().Where(b => copy.Read(b)["state"]!.GetValue<string>() == "cast").Select(NativeCopy.IdOf).Order(StringComparer.Ordinal)];
        copy.Edit("tally/encrypted_tally.json", t =>
        {
            t.AsObject().Remove("ballots");
            t["ballot_count"] = cast.Length - 1;
            t["ballots_sha256"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData([.. cast[1..].SelectMany(Convert.FromHexString)]));
        });
        copy.Reseal();

        string single = Report(copy.Directory, null, passes: false);
        Assert.Contains($"ballot_count says {cast.Length - 1} ballot(s) are aggregated; the record has {cast.Length} cast ballot(s)", single, StringComparison.Ordinal);
        foreach ((int b, int d) in new[] { (1, 1), (3, 2) })
        {
            Assert.Equal(single, Report(copy.Directory, new PartitionedShards(copy.Directory, size: 2, ballotPartitions: b, devicePartitions: d), passes: false));
        }
    }

    [Fact]
    public void Partitions_send_a_ballot_id_and_a_device_to_the_same_place_on_every_machine()
    {
        string id = new('A', 64);
        Assert.Equal(BallotPartitioning.Of(id, 7), BallotPartitioning.Of(new string('A', 64), 7));
        Assert.Equal(0, BallotPartitioning.Of(id, 1));
        int[] spread = new int[4];
        for (int i = 0; i < 400; i++)
        {
            spread[BallotPartitioning.Of(i.ToString("X64", System.Globalization.CultureInfo.InvariantCulture), 4)]++;
        }

        Assert.All(spread, n => Assert.InRange(n, 60, 140));
        Assert.Equal(1, BallotPartitioning.CountFor(10));
        Assert.Equal(1500, BallotPartitioning.CountFor(150_000_000));
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

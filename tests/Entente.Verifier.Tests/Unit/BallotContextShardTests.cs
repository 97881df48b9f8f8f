using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests.Unit;

/// <summary>
/// Shards verified from a record's ballot context (parameters, manifest, guardians, election) and their own ballot
/// files only, as a silo verifies them from a board: each file is fetched by the SHA-256 record.json lists for it
/// from a store that holds artifacts by hash. The report is the one a single process gives, and the context never
/// reads record.json, the devices or the tally (their files are not in the set it is given).
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class BallotContextShardTests(NativeRecords records)
{
    /// <summary>A board's artifacts: every file of the directory, by the SHA-256 of its bytes.</summary>
    private static Dictionary<string, byte[]> Artifacts(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(File.ReadAllBytes)
            .DistinctBy(b => Convert.ToHexString(SHA256.HashData(b)))
            .ToDictionary(b => Convert.ToHexString(SHA256.HashData(b)), b => b, StringComparer.Ordinal);

    /// <summary>
    /// Shards verified from the board's artifacts, summed as they arrive (in reverse order) with the verification's
    /// own product fold after every second shard, as a coordinator sums them; <paramref name="corrupt"/> may alter a
    /// shard's result on its way back.
    /// </summary>
    private sealed class BoardShards(string directory, int size, Func<BallotShardResult, BallotShardResult>? corrupt = null) : IBallotShardRunner
    {
        private readonly Dictionary<string, byte[]> _board = Artifacts(directory);

        public int Contexts { get; private set; }

        public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress) =>
            throw new InvalidOperationException("the verification must give its plan");

        public IReadOnlyList<BallotShardResult> Run(BallotShardPlan plan, IProgress<VerificationProgress>? progress)
        {
            RecordFileSet context = new("board");
            foreach ((string path, byte[]? sha) in plan.Context)
            {
                context.Add(path, _board[Convert.ToHexString(sha!)]);
            }

            NativeRecord opened = NativeRecord.OpenBallotContext(context);
            Contexts++;
            Assert.NotNull(plan.ProductFold);
            BallotShardSum sum = new() { ProductFold = plan.ProductFold, FoldAt = 2 };
            IReadOnlyList<IReadOnlyList<string>> shards = BallotShardResult.Cut(plan.Files, size);
            for (int index = shards.Count - 1; index >= 0; index--)
            {
                IReadOnlyList<string> shard = shards[index];
                RecordFileSet ballots = new("board");
                foreach (string file in shard)
                {
                    // A listed hash the board does not hold is an input error, as a silo reports it.
                    string hex = Convert.ToHexString(plan.Listed[file]);
                    if (!_board.TryGetValue(hex, out byte[]? bytes))
                    {
                        sum.Add(index, new BallotShardResult { Steps = [], Notes = [], Ballots = [], Products = [], Unaggregatable = [], InputError = new RecordInputException(file, $"the board does not serve {hex}") });
                        continue;
                    }

                    ballots.Add(file, bytes);
                }

                byte[] shipped = NativeVerifier.VerifyBallotShard(opened.WithBallots(ballots), shard, plan.Listed, NativeRecords.Options).ToJson();
                BallotShardResult result = BallotShardResult.FromJson(shipped);
                sum.Add(index, corrupt is null ? result : corrupt(result));
            }

            Assert.Equal(shards.Count, sum.Shards);
            return [sum.ToResult()];
        }
    }

    private static string Report(string directory, IBallotShardRunner? shards, bool passes)
    {
        VerificationReport report = NativeVerifier.Verify(directory, NativeRecords.Options with { Shards = shards });
        Assert.Equal(passes, report.Passed);
        return VerificationReportJson.Serialize(report);
    }

    [Fact]
    public void Clean_records_verified_from_the_ballot_context_give_the_single_process_report()
    {
        foreach (string directory in new[] { records.Chained, records.PreEncrypted, records.ContestData, records.Plain })
        {
            BoardShards shards = new(directory, size: 3);
            Assert.Equal(Report(directory, null, passes: true), Report(directory, shards, passes: true));
            Assert.Equal(1, shards.Contexts);
        }
    }

    [Fact]
    public void A_forged_ballot_resealed_into_record_json_is_reported_as_one_process_reports_it()
    {
        using NativeCopy copy = new(records.Chained);
        string[] ballots = copy.Ballots();
        copy.Edit(ballots[1], b =>
        {
            JsonNode pair = b["contests"]![0]!["selections"]![0]!["proof"]![0]!;
            string v = pair["v"]!.GetValue<string>();
            pair["v"] = (v[0] == '0' ? "1" : "0") + v[1..];
        });
        copy.Reseal();

        string single = Report(copy.Directory, null, passes: false);
        Assert.Contains("\"6.D\"", single, StringComparison.Ordinal);
        Assert.Equal(single, Report(copy.Directory, new BoardShards(copy.Directory, size: 2), passes: false));
    }

    [Fact]
    public void A_ballot_whose_bytes_are_not_the_listed_ones_fails_step_1_from_a_directory_context_as_in_one_process()
    {
        using NativeCopy copy = new(records.Chained);
        string[] ballots = copy.Ballots();
        // The last digit changed whatever it was (the ballots' randomness is not seeded: "0" would sometimes be no change).
        copy.Edit(ballots[2], b =>
        {
            string field = b["chaining_field"]!.GetValue<string>();
            b["chaining_field"] = field[..^1] + (field[^1] == '0' ? "1" : "0");
        });

        // Read from the directory (not resealed): the shard compares the bytes with record.json's hash itself.
        NativeRecord whole = NativeRecord.Open(copy.Directory);
        BallotShardPlan plan = NativeVerifier.ShardPlan(whole);
        NativeRecord context = NativeRecord.OpenBallotContext(new RecordDirectory(copy.Directory));
        BallotShardResult fromContext = NativeVerifier.VerifyBallotShard(context, plan.Files, plan.Listed, NativeRecords.Options);
        BallotShardResult fromRecord = NativeVerifier.VerifyBallotShard(whole, plan.Files, NativeRecords.Options);
        Assert.Equal(Convert.ToHexString(fromRecord.ToJson()), Convert.ToHexString(fromContext.ToJson()));
        Assert.Contains(fromContext.Steps.Single(s => s.Number == "1").Failures, f => f.Check == "1.files" && f.Subject.File == ballots[2]);
    }

    [Fact]
    public void A_context_refuses_a_file_outside_ballots_and_names_a_missing_context_file()
    {
        NativeRecord context = NativeRecord.OpenBallotContext(new RecordDirectory(records.Chained));
        Assert.True(context.IsBallotContext);
        RecordInputException stranger = Assert.Throws<RecordInputException>(() => NativeVerifier.VerifyBallotShard(context, ["tally/tally.json"], new Dictionary<string, byte[]>(), NativeRecords.Options));
        Assert.Equal("tally/tally.json", stranger.File);

        RecordFileSet partial = new("board");
        partial.Add("parameters.json", File.ReadAllBytes(Path.Combine(records.Chained, "parameters.json")));
        RecordInputException missing = Assert.Throws<RecordInputException>(() => NativeRecord.OpenBallotContext(partial));
        Assert.Equal("manifest.json", missing.File);
    }

    [Fact]
    public void A_shard_product_that_is_not_a_group_member_ends_the_verification_naming_it()
    {
        BoardShards faulty = new(records.Chained, size: 3, r => r.Products.Count == 0 ? r : new BallotShardResult
        {
            Steps = r.Steps, Notes = r.Notes, Ballots = r.Ballots, Files = r.FileCount, Unaggregatable = r.Unaggregatable,
            Products = [r.Products[0] with { A = new byte[r.Products[0].A.Length] }, .. r.Products.Skip(1)],
        });
        RecordInputException e = Assert.Throws<RecordInputException>(() => NativeVerifier.Verify(records.Chained, NativeRecords.Options with { Shards = faulty }));
        Assert.Contains("is not in Z_p^r (the shard that made it is faulty)", e.Reason, StringComparison.Ordinal);
    }
}

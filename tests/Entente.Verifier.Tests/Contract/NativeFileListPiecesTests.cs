using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Cli.Commands;
using Entente.Election;
using Entente.Election.Record;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests.Contract;

/// <summary>
/// Revision 7 of the record format (docs/record-format.md §4.1): a record of more files than one list may hold lists
/// the files of its per-ballot folders in pieces (<c>lists/files-&lt;i&gt;.json</c>), which record.json lists with their
/// SHA-256 and names in <c>file_lists</c>. The producer writes them past 65,536 files; here it is told to cut pieces of
/// a few files so that a small record has several. The verifier gives the report it gives the same record listed in
/// one piece, on one process and in shards, and names the list at fault when a piece is forged, misplaced or missing.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class NativeFileListPiecesTests(NativeRecords records) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-pieces-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>The chained record written again with its file list in pieces of <paramref name="filesPerPiece"/>.</summary>
    private async Task<string> PiecedAsync(int filesPerPiece)
    {
        ElectionRecord record = await RecordStore.ReadAsync(records.Chained);
        string directory = Path.Combine(_root, "pieced");
        await RecordStore.WriteAsync(record, directory, filesPerPiece);
        return directory;
    }

    private static VerificationReport Verify(string directory, IBallotShardRunner? shards = null)
        => NativeVerifier.Verify(directory, NativeRecords.Options with { Shards = shards });

    /// <summary>The report without step 1, whose count of files compared grows by the pieces.</summary>
    private static string WithoutStep1(VerificationReport report)
        => VerificationReportJson.Serialize(report with { Record = "", Steps = [.. report.Steps.Where(s => s.Number != "1")] });

    private static IReadOnlyList<VerificationFailure> Failures(VerificationReport report) => [.. report.Failures];

    private static readonly System.Text.Json.JsonSerializerOptions Canonical = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>Flips a digit of the first selection proof's response of <paramref name="ballot"/> (a forged proof) and writes it back canonically.</summary>
    private static void ForgeProof(string directory, string ballot)
    {
        JsonNode node = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, ballot)))!;
        JsonNode pair = node["contests"]![0]!["selections"]![0]!["proof"]![0]!;
        string v = pair["v"]!.GetValue<string>();
        pair["v"] = (v[0] == '0' ? "1" : "0") + v[1..];
        File.WriteAllText(Path.Combine(directory, ballot), node.ToJsonString(Canonical));
    }

    private static string[] Pieces(string directory) =>
        [.. Directory.EnumerateFiles(Path.Combine(directory, "lists")).Select(f => "lists/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    /// <summary>Writes <paramref name="relative"/> and brings every list that lists it up to date, as a forger would.</summary>
    private static void Reseal(string directory, string relative)
    {
        string sha = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, relative))));
        foreach (string list in Pieces(directory).Prepend("record.json"))
        {
            JsonNode node = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, list)))!;
            JsonObject? entry = node["files"]!.AsArray().Select(e => e!.AsObject()).FirstOrDefault(e => e["path"]!.GetValue<string>() == relative);
            if (entry is not null)
            {
                entry["sha256"] = sha;
                File.WriteAllText(Path.Combine(directory, list), node.ToJsonString(Canonical));
                if (list != "record.json")
                {
                    Reseal(directory, list);
                }

                return;
            }
        }

        throw new InvalidOperationException($"no list names {relative}");
    }

    [Fact]
    public async Task A_record_listed_in_pieces_has_record_json_list_only_the_small_files_and_the_pieces()
    {
        string directory = await PiecedAsync(filesPerPiece: 4);

        JsonNode header = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, "record.json")))!;
        string[] listed = [.. header["files"]!.AsArray().Select(e => e!["path"]!.GetValue<string>())];
        string[] pieces = Pieces(directory);
        Assert.True(pieces.Length >= 4, $"the chained record has 14 ballots and 4 openings besides its contest data; pieces of 4 make at least 4, not {pieces.Length}");
        Assert.Equal([.. pieces.Select((_, i) => $"lists/files-{i}.json")], header["file_lists"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.All(pieces, p => Assert.Contains(p, listed));
        Assert.DoesNotContain(listed, p => p.StartsWith("ballots/", StringComparison.Ordinal) || p.StartsWith("challenged/", StringComparison.Ordinal));

        // Every file of the per-ballot folders is in exactly one piece, the pieces in path order.
        string[] inPieces = [.. pieces.SelectMany(p => JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, p)))!["files"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()))];
        string[] perBallot = [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
            .Where(f => f.StartsWith("ballots/", StringComparison.Ordinal) || f.StartsWith("challenged/", StringComparison.Ordinal) || f.StartsWith("contest_data/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
        Assert.Equal(perBallot, inPieces);
    }

    [Fact]
    public async Task A_record_listed_in_pieces_verifies_as_the_same_record_listed_in_one_and_reads_back_to_the_same_files()
    {
        string directory = await PiecedAsync(filesPerPiece: 4);
        VerificationReport whole = Verify(records.Chained);
        VerificationReport pieced = Verify(directory);

        Assert.True(pieced.Passed, string.Join("\n", Failures(pieced).Select(f => f.Detail)));
        Assert.Equal(WithoutStep1(whole), WithoutStep1(pieced));

        // The producer's own reader accepts it, and writing what it read with the same pieces gives the same bytes.
        ElectionRecord read = await RecordStore.ReadAsync(directory);
        string again = Path.Combine(_root, "again");
        await RecordStore.WriteAsync(read, again, 4);
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(again, Path.GetRelativePath(directory, file))));
        }
    }

    [Fact]
    public async Task A_record_of_no_more_files_than_a_piece_holds_is_written_as_before_without_pieces()
    {
        ElectionRecord record = await RecordStore.ReadAsync(records.Chained);
        string directory = Path.Combine(_root, "whole");
        await RecordStore.WriteAsync(record, directory, RecordStore.FilesPerPiece);

        Assert.False(Directory.Exists(Path.Combine(directory, "lists")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(records.Chained, "record.json")), File.ReadAllBytes(Path.Combine(directory, "record.json")));
    }

    [Fact]
    public async Task A_record_listed_in_pieces_verified_in_shards_gives_the_single_process_report()
    {
        string directory = await PiecedAsync(filesPerPiece: 3);
        BallotShardPlan plan = NativeVerifier.ShardPlan(NativeRecord.Open(directory));
        Assert.Equal(Directory.EnumerateFiles(Path.Combine(directory, "ballots")).Count(), plan.Files.Count);
        Assert.All(plan.Files, f => Assert.True(plan.Listed.ContainsKey(f), $"{f} has no listed SHA-256 in the plan"));

        VerificationReport single = Verify(directory);
        VerificationReport sharded = Verify(directory, new ContextShards(directory, size: 2));
        Assert.True(sharded.Passed);
        Assert.Equal(VerificationReportJson.Serialize(single), VerificationReportJson.Serialize(sharded));
    }

    /// <summary>Shards as a silo runs them: from the ballot context, each file checked against the SHA-256 the plan lists.</summary>
    private sealed class ContextShards(string directory, int size) : IBallotShardRunner
    {
        public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
            => throw new InvalidOperationException("the verifier runs shards from their plan");

        public IReadOnlyList<BallotShardResult> Run(BallotShardPlan plan, IProgress<VerificationProgress>? progress)
        {
            NativeRecord context = NativeRecord.OpenBallotContext(new RecordDirectory(directory));
            return [.. BallotShardResult.Cut(plan.Files, size).Select(shard => BallotShardResult.FromJson(
                NativeVerifier.VerifyBallotShard(context, shard, plan.Listed, NativeRecords.Options).ToJson()))];
        }
    }

    [Fact]
    public async Task A_ballot_edited_in_a_record_listed_in_pieces_fails_step_1_naming_the_piece_that_lists_it()
    {
        string directory = await PiecedAsync(filesPerPiece: 4);
        string ballot = Directory.EnumerateFiles(Path.Combine(directory, "ballots")).Select(f => "ballots/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).Last();
        string piece = Pieces(directory).First(p => File.ReadAllText(Path.Combine(directory, p)).Contains(ballot, StringComparison.Ordinal));
        ForgeProof(directory, ballot);

        VerificationFailure failure = Assert.Single(Failures(Verify(directory)), f => f.Check == "1.files");
        Assert.Equal(ballot, failure.Subject.File);
        Assert.StartsWith($"{piece} lists SHA-256 ", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_piece_resealed_for_a_forged_ballot_fails_step_1_against_record_json()
    {
        string directory = await PiecedAsync(filesPerPiece: 4);
        string ballot = Directory.EnumerateFiles(Path.Combine(directory, "ballots")).Select(f => "ballots/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).First();
        ForgeProof(directory, ballot);
        string sha = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, ballot))));
        string piece = Pieces(directory).First(p => File.ReadAllText(Path.Combine(directory, p)).Contains(ballot, StringComparison.Ordinal));
        JsonNode list = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, piece)))!;
        list["files"]!.AsArray().First(e => e!["path"]!.GetValue<string>() == ballot)!["sha256"] = sha;
        File.WriteAllText(Path.Combine(directory, piece), list.ToJsonString(Canonical));

        VerificationReport report = Verify(directory);
        Assert.Contains(Failures(report), f => f.Check == "1.files" && f.Subject.File == piece && f.Detail.StartsWith("record.json lists SHA-256 ", StringComparison.Ordinal));
        Assert.Contains(Failures(report), f => f.Subject.Ballot == Path.GetFileNameWithoutExtension(ballot) && f.Check.StartsWith('6'));

        // The producer's reader refuses it too, naming the piece.
        ElectionFormatException refused = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(directory));
        Assert.Contains(piece, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ballot_moved_from_its_piece_into_record_json_fails_step_1()
    {
        string directory = await PiecedAsync(filesPerPiece: 4);
        string piece = Pieces(directory)[0];
        JsonNode list = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, piece)))!;
        JsonNode moved = list["files"]!.AsArray()[0]!;
        string path = moved["path"]!.GetValue<string>();
        list["files"]!.AsArray().RemoveAt(0);
        File.WriteAllText(Path.Combine(directory, piece), list.ToJsonString(Canonical));
        JsonNode header = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, "record.json")))!;
        JsonArray files = header["files"]!.AsArray();
        files.Add(moved.DeepClone());
        JsonNode[] sorted = [.. files.Select(f => f!.DeepClone()).OrderBy(f => f["path"]!.GetValue<string>(), StringComparer.Ordinal)];
        files.Clear();
        foreach (JsonNode f in sorted)
        {
            files.Add(f);
        }

        File.WriteAllText(Path.Combine(directory, "record.json"), header.ToJsonString(Canonical));
        Reseal(directory, piece);

        VerificationFailure failure = Assert.Single(Failures(Verify(directory)), f => f.Check == "1.files");
        Assert.Equal("record.json", failure.Subject.File);
        Assert.Contains($"\"{path}\" is listed in record.json, but a record with file_lists lists", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_pieces_whose_contents_are_swapped_fail_step_1_naming_the_piece_out_of_order()
    {
        string directory = await PiecedAsync(filesPerPiece: 4);
        string first = Path.Combine(directory, "lists/files-0.json"), second = Path.Combine(directory, "lists/files-1.json");
        byte[] a = File.ReadAllBytes(first);
        File.WriteAllBytes(first, File.ReadAllBytes(second));
        File.WriteAllBytes(second, a);
        Reseal(directory, "lists/files-0.json");
        Reseal(directory, "lists/files-1.json");

        VerificationReport report = Verify(directory);
        Assert.Contains(Failures(report), f => f.Check == "1.files" && f.Subject.File == "lists/files-1.json" && f.Detail.StartsWith("the piece starts at ", StringComparison.Ordinal));
        Assert.False(report.Passed);
    }

    [Fact]
    public async Task A_missing_piece_is_an_input_error_naming_it()
    {
        string directory = await PiecedAsync(filesPerPiece: 4);
        File.Delete(Path.Combine(directory, "lists/files-1.json"));
        using StringWriter error = new();

        int exit = VerifyCommand.Run(directory, "native", json: false, threads: 2, TextWriter.Null, error, showProgress: false, null, allowToyGroups: true);

        Assert.Equal(2, exit);
        Assert.Contains("lists/files-1.json", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }
}

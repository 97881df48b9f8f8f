using System.Text.Json;
using Entente.Election.Record;
using Json.Schema;

namespace Entente.Election.Tests.Contract;

/// <summary>Every file the writer produces validates against its JSON Schema in docs/schemas/record/.</summary>
public class RecordSchemaTests
{
    private static readonly Dictionary<string, JsonSchema> Schemas = [];

    private static JsonSchema Load(string name)
    {
        lock (Schemas)
        {
            if (!Schemas.TryGetValue(name, out JsonSchema? schema))
            {
                schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "schemas", "record", name));
                Schemas[name] = schema;
            }

            return schema;
        }
    }

    private static string SchemaFor(string path) => path switch
    {
        "manifest.json" or "parameters.json" or "election.json" or "record.json" => path,
        _ when path.StartsWith("guardians/", StringComparison.Ordinal) => "guardian.json",
        _ when path.StartsWith("devices/", StringComparison.Ordinal) => "device.json",
        _ when path.StartsWith("ballots/", StringComparison.Ordinal) => "ballot.json",
        _ when path.StartsWith("challenged/", StringComparison.Ordinal) => "challenged.json",
        _ when path.StartsWith("contest_data/", StringComparison.Ordinal) => "contest_data.json",
        _ when path.StartsWith("uncast/", StringComparison.Ordinal) => "uncast.json",
        "tally/encrypted_tally.json" => "encrypted_tally.json",
        "tally/tally.json" => "tally.json",
        "tally/partial_decryptions.json" => "partial_decryptions.json",
        _ when path.StartsWith("tally/abandoned/", StringComparison.Ordinal) => "abandoned_attempt.json",
        _ when path.StartsWith("lists/files-", StringComparison.Ordinal) => "file_list.json",
        _ => throw new InvalidOperationException(path),
    };

    /// <summary>Validates every JSON file of the record at <paramref name="root"/> against its schema; returns how many files <paramref name="counted"/> picks.</summary>
    private static int ValidateEveryFile(string root, Func<string, JsonElement, bool> counted)
    {
        int count = 0;
        foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(file));
            EvaluationResults result = Load(SchemaFor(relative)).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, relative + ": " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Value}"))));
            count += counted(relative, document.RootElement) ? 1 : 0;
        }

        return count;
    }

    [Fact]
    public async Task Every_record_file_validates_against_its_schema()
    {
        string manifest = Properties.EndToEndTinyGroupTests.TwoContests.Replace("\"label\":\"Tiny\",", "\"label\":\"Tiny\",\"chaining_mode\":\"simple\",\"max_ballot_weight\":2,", StringComparison.Ordinal);
        using TestFiles.TempFolder folder = new();
        await RecordStore.WriteAsync(RecordRoundTripTests.SmallRecord(3, manifest, ballots: 6, challenged: 2, decryptContestData: 2), folder.File("r"));
        string root = folder.File("r");
        int checkedFiles = ValidateEveryFile(root, (_, _) => true);

        Assert.True(checkedFiles >= 10);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(root, "contest_data")));
        Assert.True(File.Exists(Path.Combine(root, "tally", "partial_decryptions.json")));
    }

    [Fact]
    public async Task Every_file_of_a_record_with_pre_encrypted_ballots_validates_against_its_schema()
    {
        using TestFiles.TempFolder folder = new();
        await RecordStore.WriteAsync(PreEncryptedRecordTests.MixedRecord(31), folder.File("r"));
        int preEncrypted = ValidateEveryFile(folder.File("r"), (relative, root) => relative.StartsWith("uncast/", StringComparison.Ordinal) || root.TryGetProperty("pre_encryption", out _));

        Assert.Equal(4, preEncrypted);
    }

    [Fact]
    public async Task Every_file_of_a_record_whose_file_list_is_in_pieces_validates_against_its_schema()
    {
        using TestFiles.TempFolder folder = new();
        await RecordStore.WriteAsync(RecordRoundTripTests.SmallRecord(3, Properties.EndToEndTinyGroupTests.TwoContests, ballots: 5, challenged: 2), folder.File("r"), filesPerPiece: 3);
        int pieces = ValidateEveryFile(folder.File("r"), (relative, _) => relative.StartsWith("lists/", StringComparison.Ordinal));

        // 5 ballots and 2 openings in pieces of 3.
        Assert.Equal(3, pieces);
    }

    [Fact]
    public async Task An_encrypted_tally_that_commits_to_its_ballots_validates_and_one_that_both_lists_and_commits_does_not()
    {
        using TestFiles.TempFolder folder = new();
        ElectionRecord record = RecordRoundTripTests.SmallRecord(3, Properties.EndToEndTinyGroupTests.TwoContests, ballots: 5, challenged: 2);
        record = record with { EncryptedTally = Tally.EncryptedTally.Aggregate(record.Context, record.Ballots, maxListed: 0) };
        await RecordStore.WriteAsync(record, folder.File("r"));
        int committed = ValidateEveryFile(folder.File("r"), (relative, root) => relative == "tally/encrypted_tally.json" && root.TryGetProperty("ballots_sha256", out _));
        Assert.Equal(1, committed);

        JsonSchema schema = Load("encrypted_tally.json");
        string hash = new('A', 64);
        foreach (string ballots in new[] { $"\"ballots\":[\"{hash}\"],\"ballot_count\":1,\"ballots_sha256\":\"{hash}\"", "\"ballot_count\":1", $"\"ballots_sha256\":\"{hash}\"", "\"x\":1" })
        {
            using JsonDocument document = JsonDocument.Parse("{\"contests\":[]," + ballots + "}");
            Assert.False(schema.Evaluate(document.RootElement).IsValid, ballots);
        }
    }

    [Fact]
    public void A_schema_rejects_an_unknown_member()
    {
        JsonSchema schema = Load("election.json");
        using JsonDocument document = JsonDocument.Parse("{\"k_vote\":\"AB\",\"k_data\":\"AB\",\"h_g\":\"" + new string('A', 64) + "\",\"h_e\":\"" + new string('A', 64) + "\",\"x\":1}");
        Assert.False(schema.Evaluate(document.RootElement).IsValid);
    }
}

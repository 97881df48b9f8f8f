using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests;

/// <summary>
/// Native records produced once per test run by the election library's simulator (the producer),
/// written with its record store, for the independent verifier to check and for tests to mutate.
/// </summary>
public sealed class NativeRecords : IDisposable
{
    /// <summary>Two contests (one with contest data and option limit 2), two styles, weights up to 3, simple chaining.</summary>
    public const string ChainedManifest = """
        {"label":"Verifier test","contests":[
          {"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"}]},
          {"label":"Council","selection_limit":2,"contest_options":[{"label":"D"},{"label":"E","selection_limit":2},{"label":"F"}],"contest_data_blocks":1}],
         "ballot_styles":[{"label":"all","contests":[1,2]},{"label":"mayor only","contests":[1]}],
         "chaining_mode":"simple","max_ballot_weight":3}
        """;

    /// <summary>One contest, one style, no chaining.</summary>
    public const string PlainManifest = """
        {"label":"Plain","contests":[{"label":"Question","contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"only","contests":[1]}]}
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-native-verifier-" + Guid.NewGuid().ToString("N"));

    public NativeRecords()
    {
        Directory.CreateDirectory(_root);
        Chained = Write("chained", ChainedManifest, Group.Tiny, guardians: 3, quorum: 2, ballots: 10, challenged: 4, seed: 6101, decrypting: [1, 3]);
        Plain = Write("plain", PlainManifest, Group.Tiny, guardians: 2, quorum: 1, ballots: 5, challenged: 0, seed: 6102, decrypting: null);
        ContestData = Write("contest-data", ChainedManifest, Group.Tiny, guardians: 3, quorum: 2, ballots: 8, challenged: 2, seed: 6103, decrypting: [2, 3], decryptContestData: 3);
        Quorum = Write("quorum", ChainedManifest, Group.Tiny, guardians: 5, quorum: 3, ballots: 6, challenged: 1, seed: 6104, decrypting: [1, 2, 3], decryptContestData: 1);
        PreEncrypted = Write("pre-encrypted", ChainedManifest, Group.Tiny, guardians: 3, quorum: 2, ballots: 4, challenged: 2, seed: 6105, decrypting: [1, 2], preEncrypted: 6);
    }

    /// <summary>Tiny group, n = 3, k = 2, 4 device ballots (2 challenged) and 6 pre-encrypted ones (3 marked and cast, 3 uncast and opened).</summary>
    public string PreEncrypted { get; }

    /// <summary>Tiny group, n = 5, k = 3, guardians 1, 2 and 3 decrypt (the tally, one challenged ballot and one cast ballot's contest data).</summary>
    public string Quorum { get; }

    /// <summary>Tiny group, n = 3, k = 2 (guardians 2 and 3), 8 ballots of which 2 challenged, the contest data of 3 cast ballots decrypted (contest_data/).</summary>
    public string ContestData { get; }

    /// <summary>Tiny group, n = 3, k = 2 (guardians 1 and 3 decrypt), 10 ballots of which 4 challenged, simple chaining, contest data, weights.</summary>
    public string Chained { get; }

    /// <summary>Tiny group, n = 2, k = 1, 5 cast ballots, no chaining, nothing challenged.</summary>
    public string Plain { get; }

    /// <summary>Options for tiny-group records.</summary>
    public static VerificationOptions Options { get; } = new() { Threads = 2, AllowToyGroups = true };

    /// <summary>Verifies a tiny-group record.</summary>
    public static VerificationReport Verify(string directory) => NativeVerifier.Verify(directory, Options);

    /// <summary>Writes a simulated record (the producer's code) under the fixture's folder.</summary>
    public string Write(string name, string manifestJson, Group group, int guardians, int quorum, int ballots, int challenged, int seed, int[]? decrypting, int decryptContestData = 0, int preEncrypted = 0)
    {
        ElectionManifest manifest = ManifestReader.Parse(System.Text.Encoding.UTF8.GetBytes(manifestJson));
        ElectionRecord record = ElectionSimulator.Run(manifest, group, guardians, quorum, ballots, challenged, new Random(seed), decrypting, decryptContestData: decryptContestData, preEncrypted: preEncrypted);
        string directory = Path.Combine(_root, name);
        RecordStore.WriteAsync(record, directory).GetAwaiter().GetResult();
        return directory;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

/// <summary>A copy of a native record to mutate; record.json's file list is brought up to date on request, as a forger would.</summary>
public sealed class NativeCopy : IDisposable
{
    private static readonly JsonSerializerOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public NativeCopy(string source)
    {
        Directory = Path.Combine(Path.GetTempPath(), "entente-native-copy-" + Guid.NewGuid().ToString("N"));
        foreach (string file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(Directory, Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Directory { get; }

    public string PathOf(string relative) => Path.Combine(Directory, relative);

    public JsonNode Read(string relative) => JsonNode.Parse(File.ReadAllBytes(PathOf(relative)))!;

    /// <summary>Edits a file as JSON and writes it back in canonical form.</summary>
    public void Edit(string relative, Action<JsonNode> edit)
    {
        JsonNode node = Read(relative);
        edit(node);
        File.WriteAllText(PathOf(relative), node.ToJsonString(Canonical));
    }

    /// <summary>Relative paths of the ballot files, sorted.</summary>
    public string[] Ballots() => [.. System.IO.Directory.EnumerateFiles(PathOf("ballots")).Select(f => "ballots/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    /// <summary>A ballot file (relative path) whose state is <paramref name="state"/>, with a contest of that index when given.</summary>
    public string Ballot(string state, int? contest = null)
        => Ballots().First(b =>
        {
            JsonNode node = Read(b);
            return node["state"]!.GetValue<string>() == state
                && (contest is null || node["contests"]!.AsArray().Any(c => c!["index"]!.GetValue<int>() == contest));
        });

    /// <summary>The id (64 hex digits) of a ballot file.</summary>
    public static string IdOf(string ballotFile) => Path.GetFileNameWithoutExtension(ballotFile);

    /// <summary>Relative paths of the files of decrypted contest data, sorted.</summary>
    public string[] ContestData() => [.. System.IO.Directory.EnumerateFiles(PathOf("contest_data")).Select(f => "contest_data/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    /// <summary>Recomputes record.json's file list (paths sorted, SHA-256 of each file).</summary>
    public void Reseal()
    {
        JsonNode header = Read("record.json");
        JsonArray files = [];
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Directory, p).Replace('\\', '/'))
            .Where(p => p != "record.json")
            .Order(StringComparer.Ordinal))
        {
            files.Add(new JsonObject
            {
                ["path"] = path,
                ["sha256"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(PathOf(path)))),
            });
        }

        header["files"] = files;
        File.WriteAllText(PathOf("record.json"), header.ToJsonString(Canonical));
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class NativeRecordsGroup : ICollectionFixture<NativeRecords>
{
    public const string Name = "native records";
}

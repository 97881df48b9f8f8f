using System.Numerics;
using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Egk;

/// <summary>
/// Reads an ElectionGuard 2.0 election record in the JSON directory layout of
/// electionguard-kotlin-multiplatform:
/// <code>
/// constants.json  manifest.json  election_config.json  election_initialized.json
/// encrypted_ballots/&lt;device&gt;/eballot-&lt;id&gt;.json (+ ballot_chain.json)
/// encrypted_tally.json  tally.json  challenged_ballots/dballot-&lt;id&gt;.json
/// </code>
/// Small files are read when the record is opened; ballots are listed then and read one at a time
/// while they are verified, so memory does not grow with the number of ballots. Files are read
/// through <see cref="RecordDirectory"/> (only regular files inside the directory, each within its
/// size limit, checked before it is opened). Any unreadable file raises
/// <see cref="RecordInputException"/> naming the file and the reason.
/// </summary>
public sealed class EgkRecord
{
    /// <summary>Largest record file accepted (a ballot of the sample is 0.35 MB).</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Room for an encrypted or decrypted ballot's own members, whatever its contests (egk JSON, indented).</summary>
    private const long BallotOverhead = 1024L * 1024;

    /// <summary>Room per contest, per proof pair and per selection: about ten times what egk writes (0.35 MB for the sample's 100 selections).</summary>
    private const long ContestBytes = 64L * 1024;

    private const long ProofPairBytes = 4L * 1024;

    private const long SelectionBytes = 16L * 1024;

    private const int PBytes = 512;
    private const int QBytes = 32;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    private readonly RecordDirectory _files;

    private EgkRecord(RecordDirectory files)
    {
        _files = files;
    }

    /// <summary>The record directory.</summary>
    public string Directory => _files.Path;

    /// <summary>
    /// Largest encrypted or decrypted ballot file accepted, from the manifest: every contest of the manifest with
    /// room for its proofs (votes allowed + 1 pairs) and for each selection's (option limit + 1 pairs), at about ten
    /// times egk's own sizes; at most <see cref="MaxFileBytes"/>. A larger "ballot" is refused before it is read.
    /// </summary>
    public long BallotLimit { get; private set; } = MaxFileBytes;

    public EgkConstants Constants { get; private set; } = null!;

    public EgkManifest Manifest { get; private set; } = null!;

    public EgkConfig Config { get; private set; } = null!;

    public EgkInitialized Initialized { get; private set; } = null!;

    /// <summary>Every encrypted ballot file, by device then file name (ordinal).</summary>
    public IReadOnlyList<EgkBallotFile> BallotFiles { get; private set; } = [];

    /// <summary>ballot_chain.json of each device that has one.</summary>
    public IReadOnlyList<EgkBallotChain> Chains { get; private set; } = [];

    /// <summary>Device folders under encrypted_ballots/.</summary>
    public IReadOnlyList<string> Devices { get; private set; } = [];

    public EgkEncryptedTally EncryptedTally { get; private set; } = null!;

    public EgkDecryptedTallyOrBallot DecryptedTally { get; private set; } = null!;

    /// <summary>challenged_ballots/dballot-*.json files, relative paths.</summary>
    public IReadOnlyList<string> ChallengedBallotFiles { get; private set; } = [];

    /// <summary>Opens a record: reads the small files and lists the ballots.</summary>
    public static EgkRecord Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        EgkRecord record = new(new RecordDirectory(directory));
        record.Constants = record.Read("constants.json", ReadConstants);
        byte[] manifestBytes = record.ReadBytes("manifest.json");
        record.Manifest = Parse("manifest.json", manifestBytes, root => ReadManifest(root, manifestBytes));
        record.BallotLimit = BallotLimitOf(record.Manifest);
        record.Config = record.Read("election_config.json", ReadConfig);
        record.Initialized = record.Read("election_initialized.json", ReadInitialized);
        record.ListBallots();
        record.EncryptedTally = record.Read("encrypted_tally.json", ReadEncryptedTally);
        record.DecryptedTally = record.Read("tally.json", root => ReadDecrypted(root, "tally.json"));
        record.ChallengedBallotFiles = record.ListFiles("challenged_ballots", "dballot-");
        return record;
    }

    /// <summary>Reads one encrypted ballot.</summary>
    public EgkEncryptedBallot ReadBallot(EgkBallotFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Parse(file.File, ReadBytes(file.File, BallotLimit), root => ReadEncryptedBallot(root, file.File));
    }

    /// <summary>Reads one decrypted challenged ballot.</summary>
    public EgkDecryptedTallyOrBallot ReadChallengedBallot(string file) => Parse(file, ReadBytes(file, BallotLimit), root => ReadDecrypted(root, file));

    private static long BallotLimitOf(EgkManifest manifest)
    {
        long total = BallotOverhead;
        foreach (EgkManifestContest contest in manifest.Contests)
        {
            long pairs = (long)Math.Max(contest.VotesAllowed, 0) + 1 + (contest.Selections.Count * ((long)Math.Max(contest.OptionSelectionLimit, 0) + 1));
            total += ContestBytes + (contest.Selections.Count * SelectionBytes) + (pairs * ProofPairBytes);
            if (total >= MaxFileBytes)
            {
                return MaxFileBytes;
            }
        }

        return total;
    }

    private void ListBallots()
    {
        if (!_files.IsFolder("encrypted_ballots"))
        {
            throw new RecordInputException("encrypted_ballots/", "the folder of encrypted ballots is missing.");
        }

        List<EgkBallotFile> files = [];
        List<EgkBallotChain> chains = [];
        List<string> devices = [];
        foreach (string relative in _files.List("encrypted_ballots").Where(_files.IsFolder))
        {
            string device = relative["encrypted_ballots/".Length..];
            devices.Add(device);
            files.AddRange(ListFiles(relative, "eballot-").Select(f => new EgkBallotFile(device, f)));
            string chainFile = $"{relative}/ballot_chain.json";
            if (_files.Exists(chainFile))
            {
                chains.Add(Read(chainFile, root => ReadChain(root, chainFile)));
            }
        }

        // Ballots directly under encrypted_ballots/ (no device folder) are accepted as device "".
        files.AddRange(ListFiles("encrypted_ballots", "eballot-").Select(f => new EgkBallotFile("", f)));
        BallotFiles = files;
        Chains = chains;
        Devices = devices;
    }

    /// <summary>The entries <c>prefix*.json</c> of a folder, sorted; one that is not a regular file inside the record is refused when read.</summary>
    private List<string> ListFiles(string relativeDirectory, string prefix)
        => [.. _files.List(relativeDirectory).Where(path =>
        {
            string name = path[(relativeDirectory.Length + 1)..];
            return name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal);
        })];

    private byte[] ReadBytes(string relative, long limit = MaxFileBytes) => _files.ReadFile(relative, limit);

    private T Read<T>(string relative, Func<JsonFields, T> read) => Parse(relative, ReadBytes(relative), read);

    private static T Parse<T>(string relative, byte[] bytes, Func<JsonFields, T> read)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            string what = bytes.Length == 0 ? "the file is empty" : $"the file is not valid JSON{where} (truncated or corrupted?)";
            throw new RecordInputException(relative, what + ".", e);
        }

        using (document)
        {
            return read(JsonFields.Of(document.RootElement, relative, ""));
        }
    }

    private static EgkConstants ReadConstants(JsonFields root) => new(
        root.OptionalString("name") ?? "",
        root.Hex("large_prime", PBytes),
        root.Hex("small_prime", QBytes),
        root.Hex("cofactor", PBytes),
        root.Hex("generator", PBytes));

    private static EgkManifest ReadManifest(JsonFields root, byte[] bytes) => new(
        bytes,
        root.OptionalString("spec_version") ?? "",
        root.Objects("contests", contest => new EgkManifestContest(
            contest.String("object_id"),
            contest.Int("sequence_order"),
            contest.Int("votes_allowed"),
            contest.OptionalInt("option_selection_limit") ?? 1,
            contest.Objects("ballot_selections", selection => new EgkManifestSelection(
                selection.String("object_id"),
                selection.Int("sequence_order"))))));

    private static EgkConfig ReadConfig(JsonFields root) => new(
        root.String("config_version"),
        root.Int("number_of_guardians"),
        root.Int("quorum"),
        root.Hash("parameter_base_hash"),
        root.Hash("manifest_hash"),
        root.Hash("election_base_hash"),
        root.Bool("chain_confirmation_codes"),
        root.ByteArray("baux0"));

    private static EgkInitialized ReadInitialized(JsonFields root) => new(
        root.Hex("joint_public_key", PBytes),
        root.Hash("extended_base_hash"),
        root.Objects("guardians", guardian => new EgkGuardian(
            guardian.String("guardian_id"),
            guardian.Int("x_coordinate"),
            guardian.Objects("coefficient_proofs", proof => new EgkSchnorrProof(
                proof.Hex("public_key", PBytes),
                proof.Hex("challenge", QBytes),
                proof.Hex("response", QBytes))))));

    private static EgkCiphertext ReadCiphertext(JsonFields fields) => new(fields.Hex("pad", PBytes), fields.Hex("data", PBytes));

    private static EgkChallengeResponse ReadChallengeResponse(JsonFields fields)
        => new(fields.Hex("challenge", QBytes), fields.Hex("response", QBytes));

    private static IReadOnlyList<EgkChallengeResponse> ReadRangeProof(JsonFields fields)
        => fields.Objects("proofs", ReadChallengeResponse);

    private static EgkHashedCiphertext ReadHashedCiphertext(JsonFields fields) => new(
        fields.Hex("c0", PBytes),
        fields.HexBytes("c1"),
        fields.Hash("c2"),
        fields.Int("numBytes"));

    private static EgkEncryptedBallot ReadEncryptedBallot(JsonFields root, string file) => new(
        file,
        root.String("ballot_id"),
        root.String("ballot_style_id"),
        root.String("encrypting_device"),
        root.Long("timestamp"),
        root.HexBytes("code_baux"),
        root.Hash("confirmation_code"),
        root.Hash("election_id"),
        root.String("state"),
        root.OptionalBool("is_preencrypt") ?? false,
        root.Objects("contests", contest => new EgkEncryptedContest(
            contest.String("contest_id"),
            contest.Int("sequence_order"),
            contest.Int("votes_allowed"),
            contest.Hash("contest_hash"),
            contest.Objects("selections", selection => new EgkEncryptedSelection(
                selection.String("selection_id"),
                selection.Int("sequence_order"),
                ReadCiphertext(selection.Object("encrypted_vote")),
                ReadRangeProof(selection.Object("proof")))),
            ReadRangeProof(contest.Object("proof")),
            contest.OptionalObject("encrypted_contest_data") is JsonFields data ? ReadHashedCiphertext(data) : null,
            contest.Has("pre_encryption"))));

    private static EgkBallotChain ReadChain(JsonFields root, string file) => new(
        file,
        root.String("encrypting_device"),
        root.HexBytes("baux0"),
        root.Strings("ballot_ids"),
        root.Hash("last_confirmation_code"),
        root.Bool("chaining"),
        root.Has("closing_hash") ? root.Hash("closing_hash") : null);

    private static EgkEncryptedTally ReadEncryptedTally(JsonFields root) => new(
        root.String("tally_id"),
        root.Objects("contests", contest => new EgkTallyContest(
            contest.String("contest_id"),
            contest.Int("sequence_order"),
            contest.Objects("selections", selection => new EgkTallySelection(
                selection.String("selection_id"),
                selection.Int("sequence_order"),
                ReadCiphertext(selection.Object("encrypted_vote")))))),
        root.Strings("cast_ballot_ids"),
        root.Has("election_id") ? root.Hash("election_id") : null);

    private static EgkDecryptedTallyOrBallot ReadDecrypted(JsonFields root, string file) => new(
        file,
        root.String("id"),
        root.Objects("contests", contest => new EgkDecryptedContest(
            contest.String("contest_id"),
            contest.Objects("selections", selection => new EgkDecryptedSelection(
                selection.String("selection_id"),
                selection.Int("tally"),
                selection.Hex("b_over_m", PBytes),
                ReadCiphertext(selection.Object("encrypted_vote")),
                ReadChallengeResponse(selection.Object("proof")))),
            contest.OptionalObject("decrypted_contest_data") is JsonFields data
                ? new EgkDecryptedContestData(
                    ReadHashedCiphertext(data.Object("encrypted_contest_data")),
                    ReadChallengeResponse(data.Object("proof")),
                    data.Hex("beta", PBytes))
                : null)),
        root.Has("election_id") ? root.Hash("election_id") : null);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// An Entente election record (format <c>entente-eg-record/1</c>, docs/record-format.md) opened for
/// verification. The small files are read when it is opened; ballots and challenged-ballot openings
/// are listed only and read one at a time (<see cref="ReadBallot"/>, <see cref="ReadOpening"/>), so a
/// record of any number of ballots is verified in bounded memory. Written from the format document
/// alone: nothing here comes from the code that writes records.
/// </summary>
public sealed class NativeRecord
{
    /// <summary>The format identifier this reader knows.</summary>
    public const string FormatId = "entente-eg-record/1";

    /// <summary>The file that publishes every guardian's part of the tally's decryption (§4.12).</summary>
    public const string PartialDecryptionsFile = "tally/partial_decryptions.json";

    private IRecordFiles _files;

    private NativeRecord(IRecordFiles files)
    {
        _files = files;
    }

    /// <summary>The record directory as given (for a ballot context, where its files come from).</summary>
    public string Directory => _files.Path;

    /// <summary>
    /// Whether this is only a record's ballot context (<see cref="OpenBallotContext"/>): parameters, manifest, guardians
    /// and election, without <c>record.json</c>, devices or tally.
    /// </summary>
    public bool IsBallotContext { get; private set; }

    /// <summary>The files a ballot context reads (<see cref="OpenBallotContext"/>), in the order it reads them.</summary>
    public static IReadOnlyList<string> BallotContextFiles(IEnumerable<string> guardianFiles) =>
        ["parameters.json", "manifest.json", .. guardianFiles, "election.json"];

    /// <summary><c>record.json</c>.</summary>
    public NativeHeader Header { get; private set; } = null!;

    /// <summary>The group the record names (its constants are compared in step 1).</summary>
    public Group Group { get; private set; } = null!;

    /// <summary><c>manifest.json</c>.</summary>
    public NativeManifest Manifest { get; private set; } = null!;

    /// <summary>Structural problems of the manifest that do not stop reading (duplicate labels…).</summary>
    public IReadOnlyList<string> ManifestProblems { get; private set; } = [];

    /// <summary><c>parameters.json</c>.</summary>
    public NativeParameters Parameters { get; private set; } = null!;

    /// <summary>The files of <c>guardians/</c>, by name.</summary>
    public IReadOnlyList<NativeGuardian> Guardians { get; private set; } = [];

    /// <summary><c>election.json</c>.</summary>
    public NativeElection Election { get; private set; } = null!;

    /// <summary>The files of <c>devices/</c>.</summary>
    public IReadOnlyList<NativeDevice> Devices { get; private set; } = [];

    /// <summary>Relative paths of the files in <c>ballots/</c>, sorted.</summary>
    public IReadOnlyList<string> BallotFiles { get; private set; } = [];

    /// <summary>Relative paths of the files in <c>challenged/</c>, sorted.</summary>
    public IReadOnlyList<string> OpeningFiles { get; private set; } = [];

    /// <summary>Relative paths of the files in <c>contest_data/</c> (decrypted contest data of cast ballots), sorted.</summary>
    public IReadOnlyList<string> ContestDataFiles { get; private set; } = [];

    /// <summary>Relative paths of the files in <c>uncast/</c> (opened uncast pre-encrypted ballots, revision 4), sorted.</summary>
    public IReadOnlyList<string> UncastFiles { get; private set; } = [];

    /// <summary><c>tally/encrypted_tally.json</c>.</summary>
    public NativeEncryptedTally EncryptedTally { get; private set; } = null!;

    /// <summary><c>tally/tally.json</c>.</summary>
    public NativeTally Tally { get; private set; } = null!;

    /// <summary>
    /// <c>tally/partial_decryptions.json</c> (§4.12, revision 3), or null when the record has none (step 10 then
    /// fails: nothing binds U to the decryption).
    /// </summary>
    public NativePartialDecryptions? PartialDecryptions { get; private set; }

    /// <summary>The abandoned decryption attempts (<c>tally/abandoned/</c>, docs/record-format.md §11), by attempt.</summary>
    public IReadOnlyList<NativeAbandonedAttempt> Abandoned { get; private set; } = [];

    /// <summary><c>schedule.json</c> (docs/record-format.md §11), or null when the record has none.</summary>
    public NativeSchedule? Schedule { get; private set; }

    /// <summary>
    /// Most entries one piece of the file list may hold, and the threshold past which a writer lists the per-ballot
    /// folders in pieces (§4.1, revision 7).
    /// </summary>
    public const int FilesPerPiece = 65_536;

    /// <summary><c>record.json</c>'s file list, then each piece of it that <c>file_lists</c> names, in that order (§4.1).</summary>
    public IReadOnlyList<NativeFileList> FileListing { get; private set; } = [];

    /// <summary>Every entry of <see cref="FileListing"/>, list after list.</summary>
    public IEnumerable<NativeFileEntry> ListedFiles => FileListing.SelectMany(l => l.Files);

    /// <summary>Every file present except <c>record.json</c>, relative with '/' separators, sorted.</summary>
    public IReadOnlyList<string> PresentFiles { get; private set; } = [];

    /// <summary>SHA-256 of the small files read at opening (ballots and openings are hashed as they are read).</summary>
    public IReadOnlyDictionary<string, byte[]> SmallFileHashes => _hashes;

    private readonly Dictionary<string, byte[]> _hashes = new(StringComparer.Ordinal);

    /// <summary>
    /// Opens a record directory; throws <see cref="RecordInputException"/> naming the file when one cannot be read.
    /// Files are read through <see cref="RecordDirectory"/>: only regular files inside the directory, each within
    /// its size limit (§2; ballots, openings and decrypted contest data within the bounds their manifest allows,
    /// <see cref="NativeSizeLimits"/>), checked before the file is opened.
    /// </summary>
    public static NativeRecord Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        NativeRecord record = new(new RecordDirectory(directory));
        record.Load();
        return record;
    }

    /// <summary>
    /// Opens only what checking a record's ballots needs, whatever the record's size: <c>parameters.json</c>,
    /// <c>manifest.json</c>, <c>guardians/</c> and <c>election.json</c> (<see cref="IsBallotContext"/>; the header,
    /// devices, tally and listings are not read). A shard of a national record opens this once per silo, not the whole
    /// record per shard. Ballots are then read from <see cref="WithBallots"/>'s files.
    /// </summary>
    public static NativeRecord OpenBallotContext(IRecordFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        NativeRecord record = new(files) { IsBallotContext = true };
        record.LoadContext();
        return record;
    }

    /// <summary>This record's context, reading its ballots (and every other file asked for) from <paramref name="files"/>.</summary>
    public NativeRecord WithBallots(IRecordFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        NativeRecord copy = (NativeRecord)MemberwiseClone();
        copy._files = files;
        return copy;
    }

    /// <summary>Largest ballot file this record's manifest allows (<see cref="NativeSizeLimits.Ballot"/>).</summary>
    internal long BallotLimit { get; private set; }

    /// <summary>Largest opening this record's manifest allows.</summary>
    internal long OpeningLimit { get; private set; }

    /// <summary>Largest uncast pre-encrypted ballot this record's manifest allows.</summary>
    internal long UncastLimit { get; private set; }

    /// <summary>Largest file of decrypted contest data this record's manifest allows.</summary>
    internal long ContestDataLimit { get; private set; }

    private void Load()
    {
        if (!_files.Exists("record.json") && _files.Exists("election_initialized.json"))
        {
            throw new RecordInputException("record.json", "the file is missing. This directory looks like an ElectionGuard 2.0 record of electionguard-kotlin: use --format egk.");
        }

        Header = Read("record.json", ReadHeader, hash: false);
        if (Header.Format != FormatId)
        {
            string hint = _files.Exists("election_initialized.json")
                ? " This directory looks like an ElectionGuard 2.0 record of electionguard-kotlin: use --format egk."
                : "";
            throw new RecordInputException("record.json", $"format \"{Header.Format}\" is not \"{FormatId}\", the only native format this verifier reads.{hint}");
        }

        List<NativeFileList> listing = [new("record.json", Header.Files)];
        foreach (string piece in Header.FileLists)
        {
            // Revision 7 (§4.1): a piece is read like any small file (hashed here, compared with record.json in step 1);
            // whether it is one step 1 may accept (its name, its place in the order, what it lists) is step 1's to say.
            if (!piece.StartsWith("lists/", StringComparison.Ordinal) || piece.Contains("..", StringComparison.Ordinal))
            {
                throw new RecordInputException("record.json", $"file_lists names \"{piece}\"; the pieces of the file list are lists/files-0.json, lists/files-1.json, … (docs/record-format.md §4.1).");
            }

            listing.Add(new(piece, Read(piece, ReadFileEntries)));
        }

        FileListing = listing;
        LoadContext();
        List<NativeDevice> devices = [];
        foreach (string file in List("devices"))
        {
            devices.Add(Read(file, (o, f) => ReadDevice(o, f)));
        }

        Devices = devices;
        EncryptedTally = Read("tally/encrypted_tally.json", ReadEncryptedTally);
        Tally = Read("tally/tally.json", ReadTally);
        PartialDecryptions = _files.Exists(PartialDecryptionsFile) ? Read(PartialDecryptionsFile, ReadPartialDecryptions) : null;
        Schedule = _files.Exists(NativeSchedule.File) ? Read(NativeSchedule.File, NativeSchedule.Read) : null;
        Abandoned = _files.Exists(NativeAbandonedAttempt.Folder)
            ? [.. List(NativeAbandonedAttempt.Folder).Select(f => Read(f, (o, file) => NativeAbandonedAttempt.Read(o, file, PBytes))).OrderBy(a => a.Attempt)]
            : [];
        // One string per path, the listing's, for the paths found on disk too: a record of N ballots holds its ballot paths
        // once rather than three times (as listed, in the ballot listing, among the files present).
        HashSet<string> listed = new(ListedFiles.Select(f => f.Path), StringComparer.Ordinal);
        string Same(string path) => listed.TryGetValue(path, out string? known) ? known : path;
        BallotFiles = [.. List("ballots").Select(Same)];
        OpeningFiles = [.. List("challenged").Select(Same)];
        ContestDataFiles = [.. List("contest_data").Select(Same)];
        UncastFiles = [.. List("uncast").Select(Same)];
        PresentFiles = [.. _files.ListAll().Where(p => p != "record.json").Select(Same)];
    }

    /// <summary>Parameters, group, manifest, size limits, guardians and election: what every ballot check needs.</summary>
    private void LoadContext()
    {
        Parameters = Read("parameters.json", ReadParameters);
        Group = Group.TryGetByName(Parameters.Group, out Group? group)
            ? group
            : throw new RecordInputException("parameters.json", $"group \"{Parameters.Group}\" is not a parameter set this verifier knows (standard, reduced, or a toy group such as tiny).");
        ReadParametersValues();
        byte[] manifestBytes = _files.ReadFile("manifest.json", NativeJson.MaxManifestBytes);
        _hashes["manifest.json"] = SHA256.HashData(manifestBytes);
        using (JsonDocument document = NativeJson.Parse("manifest.json", manifestBytes))
        {
            (Manifest, ManifestProblems) = NativeManifestReader.Read(manifestBytes, document.RootElement);
        }

        BallotLimit = NativeSizeLimits.Ballot(Manifest, PBytes, QBytes);
        OpeningLimit = NativeSizeLimits.Opening(Manifest, QBytes);
        ContestDataLimit = NativeSizeLimits.ContestData(Manifest, PBytes, QBytes, Parameters.N);
        UncastLimit = NativeSizeLimits.Uncast(Manifest, QBytes);
        List<NativeGuardian> guardians = [];
        foreach (string file in List("guardians"))
        {
            guardians.Add(Read(file, (o, f) => ReadGuardian(o, f)));
        }

        Guardians = guardians;
        Election = Read("election.json", ReadElection);
    }

    /// <summary>Reads one ballot file; also returns the SHA-256 of its bytes.</summary>
    public (NativeBallot Ballot, byte[] Sha256) ReadBallot(string file)
    {
        byte[] bytes = _files.ReadFile(file, BallotLimit);
        using JsonDocument document = NativeJson.Parse(file, bytes);
        NObject o = NObject.Of(file, "", document.RootElement);
        return (ParseBallot(o, file), SHA256.HashData(bytes));
    }

    /// <summary>Reads one challenged-ballot opening; also returns the SHA-256 of its bytes.</summary>
    public (NativeOpening Opening, byte[] Sha256) ReadOpening(string file)
    {
        byte[] bytes = _files.ReadFile(file, OpeningLimit);
        using JsonDocument document = NativeJson.Parse(file, bytes);
        NObject o = NObject.Of(file, "", document.RootElement);
        return (ParseOpening(o, file), SHA256.HashData(bytes));
    }

    /// <summary>Reads one file of decrypted contest data of a cast ballot; also returns the SHA-256 of its bytes.</summary>
    public (NativeContestDataFile Decrypted, byte[] Sha256) ReadContestData(string file)
    {
        byte[] bytes = _files.ReadFile(file, ContestDataLimit);
        using JsonDocument document = NativeJson.Parse(file, bytes);
        NObject o = NObject.Of(file, "", document.RootElement);
        return (ParseContestData(o, file), SHA256.HashData(bytes));
    }

    private T Read<T>(string file, Func<NObject, string, T> read, bool hash = true)
    {
        byte[] bytes = _files.ReadFile(file, NativeJson.MaxFileBytes);
        if (hash)
        {
            _hashes[file] = SHA256.HashData(bytes);
        }

        using JsonDocument document = NativeJson.Parse(file, bytes);
        NObject o = NObject.Of(file, "", document.RootElement);
        T value = read(o, file);
        o.End();
        return value;
    }

    /// <summary>Every entry of a folder (a folder or a FIFO among them is refused when it is read, naming it).</summary>
    private IReadOnlyList<string> List(string folder) => _files.List(folder);

    private int PBytes => Group.PByteLength;

    private int QBytes => Group.QByteLength;

    // ------------------------------------------------------------------ files

    private static NativeHeader ReadHeader(NObject o, string file)
    {
        string format = o.String("format");
        if (format != FormatId)
        {
            // Refused before reading members whose meaning belongs to another format.
            throw new RecordInputException(file, $"format \"{format}\" is not \"{FormatId}\", the only native format this verifier reads.");
        }

        return new NativeHeader(
            format,
            o.String("spec_version"),
            o.String("group"),
            o.Int("ballots_cast"),
            o.Int("ballots_challenged"),
            ReadFileEntries(o, file),
            o.OptionalArray("file_lists", (e, path) => NObject.StringValue(file, path, e)) ?? []);
    }

    private static IReadOnlyList<NativeFileEntry> ReadFileEntries(NObject o, string file) =>
        o.Array("files", (e, path) =>
        {
            NObject entry = NObject.Of(file, path, e);
            NativeFileEntry result = new(entry.String("path"), entry.Hash("sha256"));
            entry.End();
            return result;
        });

    private NativeParameters ReadParameters(NObject o, string file)
    {
        // p, q, g are read as hex of any length here and checked against the group's widths below,
        // once the group is known.
        return new NativeParameters(
            o.String("spec_version"),
            o.String("group"),
            o.HexAnyLength("p"),
            o.HexAnyLength("q"),
            o.HexAnyLength("g"),
            o.Int("n"),
            o.Int("k"),
            o.Hash("h_p"),
            o.Hash("h_b"));
    }

    private void ReadParametersValues()
    {
        if (Parameters.P.Length != PBytes || Parameters.G.Length != PBytes)
        {
            throw new RecordInputException("parameters.json", string.Create(CultureInfo.InvariantCulture, $"p and g must be {2 * PBytes} hexadecimal digits for group \"{Parameters.Group}\"."));
        }

        if (Parameters.Q.Length != QBytes)
        {
            throw new RecordInputException("parameters.json", string.Create(CultureInfo.InvariantCulture, $"q must be {2 * QBytes} hexadecimal digits for group \"{Parameters.Group}\"."));
        }
    }

    private NativeKeyProof ReadKeyProof(NObject parent, string name)
    {
        NObject o = parent.Object(name);
        byte[] c = o.Hex("c", QBytes);
        IReadOnlyList<byte[]> v = o.Array("v", (e, path) => NObject.HexValue(o.File, path, e, QBytes));
        o.End();
        return new NativeKeyProof(c, v);
    }

    private NativeGuardian ReadGuardian(NObject o, string file)
    {
        int i = o.Int("i");
        string name = o.String("name");
        IReadOnlyList<byte[]> vote = o.Array("vote_commitments", (e, path) => NObject.HexValue(file, path, e, PBytes));
        IReadOnlyList<byte[]> data = o.Array("data_commitments", (e, path) => NObject.HexValue(file, path, e, PBytes));
        byte[] kappa = o.Hex("communication_key", PBytes);
        NativeKeyProof voteProof = ReadKeyProof(o, "vote_proof");
        NativeKeyProof dataProof = ReadKeyProof(o, "data_proof");
        return new NativeGuardian(file, i, name, vote, data, kappa, voteProof, dataProof);
    }

    private NativeElection ReadElection(NObject o, string file)
        => new(o.Hex("k_vote", PBytes), o.Hex("k_data", PBytes), o.Hash("h_g"), o.Hash("h_e"));

    private static NativeDevice ReadDevice(NObject o, string file)
    {
        string device = o.String("device");
        string sDevice = o.String("s_device");
        byte[] hdi = o.Hash("h_di");
        string mode = o.String("chaining_mode");
        IReadOnlyList<byte[]> ballots = o.Array("ballots", (e, path) => NObject.HexValue(file, path, e, 32));
        byte[]? closing = o.OptionalHash("closing_hash");
        return new NativeDevice(file, device, sDevice, hdi, mode, ballots, closing);
    }

    private NativeChallengeResponse ReadPair(string file, string path, JsonElement e)
    {
        NObject o = NObject.Of(file, path, e);
        NativeChallengeResponse pair = new(o.Hex("c", QBytes), o.Hex("v", QBytes));
        o.End();
        return pair;
    }

    private NativeHashedCiphertext ReadHashed(NObject parent, string name, int? c1Bytes)
    {
        NObject o = parent.Object(name);
        byte[] c0 = o.Hex("c0", PBytes);
        byte[] c1 = c1Bytes is int n ? o.Hex("c1", n) : o.HexAnyLength("c1");
        NativeHashedCiphertext result = new(c0, c1, o.Hex("c", QBytes), o.Hex("v", QBytes));
        o.End();
        return result;
    }

    private NativeBallot ParseBallot(NObject o, string file)
    {
        byte[] id = o.Hash("id");
        byte[] hi = o.Hash("h_i");
        int style = o.Int("style");
        string device = o.String("device");
        string timestamp = o.String("timestamp");
        if (timestamp.Length != 20 || !DateTime.TryParseExact(timestamp, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _))
        {
            throw o.Error("timestamp", "must be a UTC time YYYY-MM-DDThh:mm:ssZ");
        }

        int weight = o.OptionalInt("weight") ?? 1;
        string state = o.String("state");
        NativeHashedCiphertext nonce = ReadHashed(o, "ballot_nonce", 32);
        IReadOnlyList<NativeContest> contests = o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            int index = c.Int("index");
            IReadOnlyList<NativeSelection> selections = c.Array("selections", (se, sp) =>
            {
                NObject s = NObject.Of(file, sp, se);
                NativeSelection selection = new(
                    s.Hex("alpha", PBytes),
                    s.Hex("beta", PBytes),
                    s.Array("proof", (pe, pp) => ReadPair(file, pp, pe)));
                s.End();
                return selection;
            });
            IReadOnlyList<NativeChallengeResponse> limit = c.Array("limit_proof", (pe, pp) => ReadPair(file, pp, pe));
            NativeHashedCiphertext? data = c.Optional("contest_data") is JsonElement de
                ? ReadHashedElement(file, c.Child("contest_data"), de)
                : null;
            NativeContest contest = new(index, selections, limit, data, c.Hash("contest_hash"));
            c.End();
            return contest;
        });
        byte[] chaining = o.Hex("chaining_field", 36);
        byte[] code = o.Hash("confirmation_code");
        NativePreEncryption? pre = o.Optional("pre_encryption") is JsonElement pe ? ParsePreEncryption(NObject.Of(file, o.Child("pre_encryption"), pe), file) : null;
        o.End();
        return new NativeBallot(file, id, hi, style, device, timestamp, weight, state, nonce, contests, chaining, code) { PreEncryption = pre };
    }

    private NativePreEncryption ParsePreEncryption(NObject o, string file)
    {
        string format = o.String("short_code_format");
        string sDevice = o.String("s_device");
        byte[] hdi = o.Hash("h_di");
        IReadOnlyList<NativePreContest> contests = o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            int index = c.Int("index");
            IReadOnlyList<byte[]> hashes = c.Array("selection_hashes", (he, hp) => NObject.HexValue(file, hp, he, 32));
            IReadOnlyList<NativePreSelected> selected = c.Array("selected", (se, sp) =>
            {
                NObject s = NObject.Of(file, sp, se);
                NativePreSelected result = new(s.String("short_code"), s.Array("vector", (ve, vp) =>
                {
                    NObject v = NObject.Of(file, vp, ve);
                    NativeCiphertext ciphertext = new(v.Hex("alpha", PBytes), v.Hex("beta", PBytes));
                    v.End();
                    return ciphertext;
                }));
                s.End();
                return result;
            });
            c.End();
            return new NativePreContest(index, hashes, selected);
        });
        o.End();
        return new NativePreEncryption(format, sDevice, hdi, contests);
    }

    /// <summary>Reads one uncast pre-encrypted ballot (§4.13); also returns the SHA-256 of its bytes.</summary>
    public (NativeUncast Uncast, byte[] Sha256) ReadUncast(string file)
    {
        byte[] bytes = _files.ReadFile(file, UncastLimit);
        using JsonDocument document = NativeJson.Parse(file, bytes);
        NObject o = NObject.Of(file, "", document.RootElement);
        byte[] id = o.Hash("id");
        byte[] hi = o.Hash("h_i");
        int style = o.Int("style");
        string device = o.String("device");
        string sDevice = o.String("s_device");
        byte[] hdi = o.Hash("h_di");
        string format = o.String("short_code_format");
        IReadOnlyList<NativeUncastContest> contests = o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            int index = c.Int("index");
            string label = c.String("label");
            IReadOnlyList<NativeUncastSelection> selections = c.Array("selections", (se, sp) =>
            {
                NObject s = NObject.Of(file, sp, se);
                NativeUncastSelection selection = new(s.Int("index"), s.OptionalString("label"), s.String("short_code"), s.Hash("selection_hash"),
                    s.Array("nonces", (ne, np) => NObject.HexValue(file, np, ne, QBytes)));
                s.End();
                return selection;
            });
            NativeUncastContest contest = new(index, label, selections, c.Hash("contest_hash"));
            c.End();
            return contest;
        });
        NativeUncast uncast = new(file, id, hi, style, device, sDevice, hdi, format, contests, o.Hex("chaining_field", 36), o.Hash("confirmation_code"));
        o.End();
        return (uncast, SHA256.HashData(bytes));
    }

    private NativeHashedCiphertext ReadHashedElement(string file, string path, JsonElement e)
    {
        NObject o = NObject.Of(file, path, e);
        NativeHashedCiphertext result = new(o.Hex("c0", PBytes), o.HexAnyLength("c1"), o.Hex("c", QBytes), o.Hex("v", QBytes));
        o.End();
        return result;
    }

    private NativeEncryptedTally ReadEncryptedTally(NObject o, string file)
    {
        IReadOnlyList<NativeEncryptedTallyContest> contests = o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            NativeEncryptedTallyContest contest = new(c.Int("index"), c.Array("options", (oe, op) =>
            {
                NObject x = NObject.Of(file, op, oe);
                NativeTallyCiphertext option = new(x.Int("index"), x.Hex("alpha", PBytes), x.Hex("beta", PBytes));
                x.End();
                return option;
            }));
            c.End();
            return contest;
        });
        // The aggregated ballots, listed or (revision 8) committed to by their number and the SHA-256 of the sorted list.
        IReadOnlyList<byte[]>? ballots = o.OptionalArray("ballots", (e, path) => NObject.HexValue(file, path, e, 32));
        long? count = o.Optional("ballot_count") is JsonElement n ? NObject.Number(file, o.Child("ballot_count"), n, (1L << 53) - 1) : null;
        byte[]? sha256 = o.OptionalHash("ballots_sha256");
        if (ballots is not null && (count is not null || sha256 is not null))
        {
            throw o.Error(count is not null ? "ballot_count" : "ballots_sha256", "is present beside ballots: a tally lists its ballots or commits to them, not both");
        }

        if (ballots is null && (count is null || sha256 is null))
        {
            throw count is null && sha256 is null
                ? o.Error("ballots", "is missing (or, for a tally that commits to its ballots, ballot_count and ballots_sha256)")
                : o.Error(count is null ? "ballot_count" : "ballots_sha256", "is missing: a tally that commits to its ballots gives their number and the SHA-256 of their list");
        }

        return new NativeEncryptedTally(contests, ballots, ballots is null ? (count!.Value, sha256!) : null);
    }

    private NativeTally ReadTally(NObject o, string file)
    {
        IReadOnlyList<int> guardians = o.Array("guardians", (e, path) => (int)NObject.Number(file, path, e, int.MaxValue));
        IReadOnlyList<NativeTallyContest> contests = o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            int index = c.Int("index");
            string label = c.String("label");
            IReadOnlyList<NativeTallyOption> options = c.Array("options", (oe, op) =>
            {
                NObject x = NObject.Of(file, op, oe);
                NativeTallyOption option = new(x.Int("index"), x.String("label"), x.Long("value"), ReadPair(file, x.Child("proof"), x.Required("proof")));
                x.End();
                return option;
            });
            c.End();
            return new NativeTallyContest(index, label, options);
        });
        return new NativeTally(guardians, contests);
    }

    private NativePartialDecryptions ReadPartialDecryptions(NObject o, string file)
        => new(o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            NativeSharesContest contest = new(c.Int("index"), c.Array("options", (oe, op) =>
            {
                NObject x = NObject.Of(file, op, oe);
                NativeSharesOption option = new(x.Int("index"), x.Array("shares", (se, sp) =>
                {
                    NObject share = NObject.Of(file, sp, se);
                    NativeShare result = new(share.Int("i"), share.Hex("m", PBytes), share.Hash("d"), share.Hex("a", PBytes), share.Hex("b", PBytes), share.Hex("v", QBytes));
                    share.End();
                    return result;
                }));
                x.End();
                return option;
            }));
            c.End();
            return contest;
        }));

    private NativeOpening ParseOpening(NObject o, string file)
    {
        byte[] id = o.Hash("id");
        IReadOnlyList<NativeOpenedContest> contests = o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            int index = c.Int("index");
            string label = c.String("label");
            IReadOnlyList<NativeOpenedSelection> selections = c.Array("selections", (se, sp) =>
            {
                NObject s = NObject.Of(file, sp, se);
                NativeOpenedSelection selection = new(s.Int("index"), s.String("label"), s.Long("value"), s.Hex("nonce", QBytes));
                s.End();
                return selection;
            });
            NativeOpenedData? data = null;
            if (c.Optional("contest_data") is JsonElement de)
            {
                NObject d = NObject.Of(file, c.Child("contest_data"), de);
                data = new NativeOpenedData(d.Hex("nonce", QBytes), d.HexAnyLength("data"));
                d.End();
            }

            c.End();
            return new NativeOpenedContest(index, label, selections, data);
        });
        o.End();
        return new NativeOpening(file, id, contests);
    }

    private NativeContestDataFile ParseContestData(NObject o, string file)
    {
        byte[] id = o.Hash("id");
        IReadOnlyList<int> guardians = o.Array("guardians", (e, path) => (int)NObject.Number(file, path, e, int.MaxValue));
        IReadOnlyList<NativeDecryptedData> contests = o.Array("contests", (e, path) =>
        {
            NObject c = NObject.Of(file, path, e);
            NativeDecryptedData data = new(
                c.Int("index"),
                c.String("label"),
                c.Hex("beta", PBytes),
                c.HexAnyLength("data"),
                c.OptionalString("text"),
                ReadPair(file, c.Child("proof"), c.Required("proof")));
            c.End();
            return data;
        });
        o.End();
        return new NativeContestDataFile(file, id, guardians, contests);
    }
}

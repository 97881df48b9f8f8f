using System.Security.Cryptography;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Tally;

namespace Entente.Election.Record;

/// <summary>
/// Writes and reads an election record directory (docs/record-format.md §3). A record is written
/// into a staging folder next to the target, every file atomically, then the folder is renamed into
/// place: a reader sees the whole record or none of it. Reading checks the file list and SHA-256
/// digests of <c>record.json</c>, the canonical form of every file, and the links between files
/// (H_B, H_E, ballots per device, the aggregated ballot list).
/// </summary>
public static class RecordStore
{
    /// <summary>Largest record file accepted.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    /// <summary>Writes <paramref name="record"/> to the folder <paramref name="directory"/>, which must not exist or be empty.</summary>
    public static Task WriteAsync(ElectionRecord record, string directory, CancellationToken cancellationToken = default)
        => WriteAsync(record, directory, FilesPerPiece, cancellationToken);

    /// <summary>
    /// Writes <paramref name="record"/> to the folder <paramref name="directory"/> with its file list in pieces of
    /// <paramref name="filesPerPiece"/> once it has more files than that (<see cref="RecordWriter.FilesPerPiece"/>).
    /// </summary>
    public static async Task WriteAsync(ElectionRecord record, string directory, int filesPerPiece, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        using RecordWriter writer = RecordWriter.Create(directory, filesPerPiece);
        foreach ((string path, byte[] bytes) in Serialize(record))
        {
            await writer.WriteFileAsync(path, bytes, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(
            record.Context.Group.Name,
            record.Ballots.Count(b => b.State == BallotState.Cast),
            record.Ballots.Count(b => b.State == BallotState.Challenged),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record's files (path → canonical bytes), without record.json.</summary>
    public static Dictionary<string, byte[]> Serialize(ElectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ElectionContext context = record.Context;
        ElectionManifest manifest = context.Parameters.Manifest;
        Dictionary<string, byte[]> files = new(StringComparer.Ordinal)
        {
            ["manifest.json"] = manifest.CanonicalBytes,
            ["parameters.json"] = RecordFormat.WriteParameters(context.Parameters),
            ["election.json"] = RecordFormat.WriteElection(context),
            ["tally/encrypted_tally.json"] = RecordFormat.WriteEncryptedTally(record.EncryptedTally),
            ["tally/tally.json"] = RecordFormat.WriteTally(record.Tally, manifest),
        };
        if (PartialDecryptionsFile.HasShares(record.Tally))
        {
            files[PartialDecryptionsFile.Path] = PartialDecryptionsFile.Write(record.Tally);
        }

        if (record.Schedule is not null)
        {
            files[ElectionRecord.SchedulePath] = record.Schedule;
        }

        foreach ((string path, byte[] bytes) in record.Abandoned)
        {
            files[path] = bytes;
        }

        foreach (GuardianPublicKey guardian in context.Guardians)
        {
            files[$"guardians/guardian-{guardian.Index}.json"] = RecordFormat.WriteGuardian(guardian);
        }

        foreach (DeviceRecord device in record.Devices)
        {
            files[$"devices/{device.Device}.json"] = RecordFormat.WriteDevice(device);
        }

        foreach (EncryptedBallot ballot in record.Ballots)
        {
            files[$"ballots/{ballot.Id}.json"] = RecordFormat.WriteBallot(ballot);
        }

        foreach (OpenedBallot opened in record.Challenged)
        {
            files[$"challenged/{opened.Id}.json"] = RecordFormat.WriteOpened(opened, manifest);
        }

        foreach (DecryptedBallotContestData decrypted in record.ContestData)
        {
            files[$"contest_data/{decrypted.BallotId}.json"] = RecordFormat.WriteContestData(decrypted, manifest);
        }

        foreach (PreEncryption.UncastBallot uncast in record.Uncast)
        {
            files[$"{PreEncryption.PreEncryptionFormat.UncastFolder}/{uncast.Id}.json"] = PreEncryption.PreEncryptionFormat.WriteUncast(uncast, manifest);
        }

        return files;
    }

    /// <summary>
    /// Most files <c>record.json</c> lists itself, and most entries one piece of the file list holds (§4.1, revision 7). A
    /// record of more files lists those of the per-ballot folders in pieces (<c>lists/files-&lt;i&gt;.json</c>), so that no
    /// file of a record grows with the number of ballots past a reader's size limit.
    /// </summary>
    public const int FilesPerPiece = 65_536;

    /// <summary>The folders whose files a record of more than <see cref="FilesPerPiece"/> files lists in pieces.</summary>
    internal static readonly string[] PiecedFolders = ["ballots/", "challenged/", "contest_data/", "uncast/"];

    /// <summary>The path of piece <paramref name="i"/> of the file list.</summary>
    internal static string FileListPath(int i) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"lists/files-{i}.json");

    private static bool InPiecedFolder(string path) => PiecedFolders.Any(f => path.StartsWith(f, StringComparison.Ordinal));

    /// <summary>
    /// record.json (format, group, ballot counts and the SHA-256 of every other file in ordinal path order) and, for a
    /// record of more than <paramref name="filesPerPiece"/> files, the pieces of its file list (§4.1): the files of the
    /// per-ballot folders in pieces of <paramref name="filesPerPiece"/>, which record.json lists with the other files
    /// and names in <c>file_lists</c>.
    /// </summary>
    internal static (byte[] Index, IReadOnlyList<KeyValuePair<string, byte[]>> Pieces) WriteIndex(string groupName, int cast, int challenged, IReadOnlyDictionary<string, byte[]> digests, int filesPerPiece = FilesPerPiece)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filesPerPiece, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(filesPerPiece, FilesPerPiece);
        List<KeyValuePair<string, byte[]>> sorted = [.. digests.OrderBy(d => d.Key, StringComparer.Ordinal)];
        List<KeyValuePair<string, byte[]>> pieces = [];
        List<KeyValuePair<string, byte[]>> listed = sorted;
        if (sorted.Count > filesPerPiece)
        {
            List<KeyValuePair<string, byte[]>> pieced = [.. sorted.Where(d => InPiecedFolder(d.Key))];
            listed = [.. sorted.Where(d => !InPiecedFolder(d.Key))];
            for (int start = 0; start < pieced.Count; start += filesPerPiece)
            {
                CanonicalJsonWriter piece = new();
                piece.StartObject();
                WriteFileList(piece, pieced.Skip(start).Take(filesPerPiece));
                piece.EndObject();
                pieces.Add(new(FileListPath(pieces.Count), piece.ToArray()));
            }

            listed = [.. listed.Concat(pieces.Select(p => new KeyValuePair<string, byte[]>(p.Key, SHA256.HashData(p.Value)))).OrderBy(d => d.Key, StringComparer.Ordinal)];
        }

        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("format", RecordFormat.Format);
        w.Property("spec_version", RecordFormat.SpecVersion);
        w.Property("group", groupName);
        w.Property("ballots_cast", cast);
        w.Property("ballots_challenged", challenged);
        WriteFileList(w, listed);
        if (pieces.Count > 0)
        {
            w.Name("file_lists");
            w.StartArray();
            foreach (KeyValuePair<string, byte[]> piece in pieces)
            {
                w.String(piece.Key);
            }

            w.EndArray();
        }

        w.EndObject();
        return (w.ToArray(), pieces);
    }

    private static void WriteFileList(CanonicalJsonWriter w, IEnumerable<KeyValuePair<string, byte[]>> files)
    {
        w.Name("files");
        w.StartArray();
        foreach ((string path, byte[] digest) in files)
        {
            w.StartObject();
            w.Property("path", path);
            w.PropertyHex("sha256", digest);
            w.EndObject();
        }

        w.EndArray();
    }

    /// <summary>Reads and cross-checks a record folder. Throws <see cref="ElectionFormatException"/> naming file, object and field.</summary>
    public static async Task<ElectionRecord> ReadAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string root = Path.GetFullPath(directory);
        string indexPath = Path.Combine(root, "record.json");
        byte[] indexBytes = await RecordFiles.ReadLimitedAsync(indexPath, MaxFileBytes, cancellationToken).ConfigureAwait(false);
        Dictionary<string, byte[]> files = await ReadIndexedFilesAsync(root, indexPath, indexBytes, cancellationToken).ConfigureAwait(false);
        byte[] Get(string path) => files.TryGetValue(path, out byte[]? bytes) ? bytes : throw new ElectionFormatException(Path.Combine(root, path), "", "the file is missing from the record");
        string Full(string path) => Path.Combine(root, path);

        ElectionManifest manifest = ManifestReader.Parse(Get("manifest.json"), Full("manifest.json"));
        if (!manifest.CanonicalSpan.SequenceEqual(Get("manifest.json")))
        {
            throw new ElectionFormatException(Full("manifest.json"), "$", "the manifest is not in canonical form");
        }

        ElectionParameters parameters = RecordFormat.ReadParameters(Full("parameters.json"), Get("parameters.json"), manifest);
        List<GuardianPublicKey> guardians = [];
        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            string path = $"guardians/guardian-{i}.json";
            GuardianPublicKey key = RecordFormat.ReadGuardian(Full(path), Get(path), parameters);
            if (key.Index != i)
            {
                throw new ElectionFormatException(Full(path), "$.i", $"the file of guardian {i} holds guardian {key.Index}");
            }

            guardians.Add(key);
        }

        ElectionContext context;
        try
        {
            context = ElectionContext.Create(parameters, guardians, verifyProofs: false);
        }
        catch (ElectionFormatException ex)
        {
            throw ex.InFile(Full("guardians"));
        }

        RecordFormat.CheckElection(Full("election.json"), Get("election.json"), context);
        List<EncryptedBallot> ballots = [];
        Dictionary<Hash256, EncryptedBallot> byId = [];
        foreach (string path in files.Keys.Where(p => p.StartsWith("ballots/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            EncryptedBallot ballot = RecordFormat.ReadBallot(Full(path), files[path], context);
            if (path != $"ballots/{ballot.Id}.json")
            {
                throw new ElectionFormatException(Full(path), "$.id", "the file name does not match the ballot identifier");
            }

            ballots.Add(ballot);
            byId[ballot.Id] = ballot;
        }

        List<DeviceRecord> devices = [];
        foreach (string path in files.Keys.Where(p => p.StartsWith("devices/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            DeviceRecord device = RecordFormat.ReadDevice(Full(path), files[path]);
            if (path != $"devices/{device.Device}.json" || !EncryptionDevice.IsValidName(device.Device))
            {
                throw new ElectionFormatException(Full(path), "$.device", "the file name does not match the device name");
            }

            devices.Add(device);
        }

        // Ballots in device order (the order the record commits to), then any stragglers. The ballots are the instances of
        // byId, so they are told apart by reference: a list's Contains (each a whole record's value equality) made this
        // quadratic, hours at 70,000 ballots.
        HashSet<EncryptedBallot> placed = new(ReferenceEqualityComparer.Instance);
        List<EncryptedBallot> ordered = [.. devices.SelectMany(d => d.Ballots).Where(byId.ContainsKey).Select(id => byId[id]).Where(placed.Add)];
        ordered.AddRange(ballots.Where(placed.Add));
        long totalWeight = ordered.Where(b => b.State == BallotState.Cast).Sum(b => (long)b.Weight);
        EncryptedTally encryptedTally = RecordFormat.ReadEncryptedTally(Full("tally/encrypted_tally.json"), Get("tally/encrypted_tally.json"), context, totalWeight);
        DecryptedTally tally = RecordFormat.ReadTally(Full("tally/tally.json"), Get("tally/tally.json"), context);
        if (files.TryGetValue(PartialDecryptionsFile.Path, out byte[]? partialDecryptions))
        {
            tally = PartialDecryptionsFile.Read(Full(PartialDecryptionsFile.Path), partialDecryptions, context, tally);
        }
        List<OpenedBallot> challenged = [];
        foreach (string path in files.Keys.Where(p => p.StartsWith("challenged/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (!Hash256.TryDecodeHex(name, out Hash256? id) || !byId.TryGetValue(id, out EncryptedBallot? ballot) || ballot.State != BallotState.Challenged)
            {
                throw new ElectionFormatException(Full(path), "$.id", "no challenged ballot in ballots/ has this identifier");
            }

            OpenedBallot opened = RecordFormat.ReadOpened(Full(path), files[path], context, ballot);
            if (!opened.Id.Equals(id))
            {
                throw new ElectionFormatException(Full(path), "$.id", "the file name does not match the ballot identifier");
            }

            challenged.Add(opened);
        }

        List<DecryptedBallotContestData> contestData = [];
        foreach (string path in files.Keys.Where(p => p.StartsWith("contest_data/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (!Hash256.TryDecodeHex(name, out Hash256? id) || path != $"contest_data/{id}.json" || !byId.TryGetValue(id, out EncryptedBallot? ballot) || ballot.State != BallotState.Cast)
            {
                throw new ElectionFormatException(Full(path), "$.id", "no cast ballot in ballots/ has this identifier (contest_data/ holds cast ballots only)");
            }

            contestData.Add(RecordFormat.ReadContestData(Full(path), files[path], context, ballot));
        }

        List<PreEncryption.UncastBallot> uncast = [];
        foreach (string path in files.Keys.Where(p => p.StartsWith(PreEncryption.PreEncryptionFormat.UncastFolder + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            PreEncryption.UncastBallot opened = PreEncryption.PreEncryptionFormat.ReadUncast(Full(path), files[path], context);
            if (path != $"{PreEncryption.PreEncryptionFormat.UncastFolder}/{opened.Id}.json" || byId.ContainsKey(opened.Id))
            {
                throw new ElectionFormatException(Full(path), "$.id", "the file name does not match the ballot identifier, or the ballot is also in ballots/ (a ballot is cast or uncast, never both)");
            }

            uncast.Add(opened);
        }

        return new ElectionRecord(context, devices, ordered, encryptedTally, tally, challenged) { ContestData = contestData, Uncast = uncast, Schedule = files.GetValueOrDefault(ElectionRecord.SchedulePath),
            Abandoned = files.Where(f => f.Key.StartsWith("tally/abandoned/", StringComparison.Ordinal)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal) };
    }

    private static async Task<Dictionary<string, byte[]>> ReadIndexedFilesAsync(string root, string indexPath, byte[] indexBytes, CancellationToken cancellationToken)
    {
        using System.Text.Json.JsonDocument document = JsonReading.Parse(indexPath, indexBytes);
        JsonReading r = new(indexPath, null);
        System.Text.Json.JsonElement o = r.Object(document.RootElement, "$", "format", "spec_version", "group", "ballots_cast", "ballots_challenged", "files", "file_lists");
        if (r.String(o, "$", "format") != RecordFormat.Format)
        {
            throw r.Error("$.format", $"unknown record format; this tool reads \"{RecordFormat.Format}\"");
        }

        Dictionary<string, byte[]> files = new(StringComparer.Ordinal);
        bool hasPieces = o.TryGetProperty("file_lists", out _);
        await ReadListedAsync(root, r, o, files, hasPieces ? false : null, "record.json", cancellationToken).ConfigureAwait(false);
        if (o.TryGetProperty("file_lists", out System.Text.Json.JsonElement lists))
        {
            // Revision 7 (§4.1): the per-ballot folders' files are listed in pieces, each listed above with its SHA-256.
            string? last = null;
            int i = 0;
            foreach (System.Text.Json.JsonElement list in r.Array(o, "$", "file_lists", min: 1).EnumerateArray())
            {
                string at = $"$.file_lists[{i}]";
                string piece = list.ValueKind == System.Text.Json.JsonValueKind.String ? list.GetString()! : throw r.Error(at, "a string is required");
                if (piece != FileListPath(i++) || !files.TryGetValue(piece, out byte[]? bytes))
                {
                    throw r.Error(at, $"\"{piece}\" is not {FileListPath(i - 1)}, listed in $.files (the pieces are lists/files-0.json, lists/files-1.json, … in order)");
                }

                string full = Path.Combine(root, piece);
                using System.Text.Json.JsonDocument pieceDocument = JsonReading.Parse(full, bytes);
                JsonReading pr = new(full, null);
                System.Text.Json.JsonElement po = pr.Object(pieceDocument.RootElement, "$", "files");
                if (pr.Array(po, "$", "files", min: 1).GetArrayLength() > FilesPerPiece)
                {
                    throw pr.Error("$.files", $"a piece lists at most {FilesPerPiece} files");
                }

                last = await ReadListedAsync(root, pr, po, files, true, piece, cancellationToken, after: last).ConfigureAwait(false);
            }
        }

        foreach (string present in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, present).Replace(Path.DirectorySeparatorChar, '/');
            if (relative != "record.json" && !files.ContainsKey(relative))
            {
                throw new ElectionFormatException(present, "", "the file is not listed in record.json");
            }
        }

        return files;
    }

    /// <summary>
    /// Reads the files one list names (record.json's own, or a piece's, each after <paramref name="after"/>), checks each
    /// against its SHA-256 and adds it; returns the last path. <paramref name="pieced"/>: null, any file (a record without
    /// pieces); true, only files of the per-ballot folders (a piece); false, none of them (record.json of a record with pieces).
    /// </summary>
    private static async Task<string?> ReadListedAsync(string root, JsonReading r, System.Text.Json.JsonElement o, Dictionary<string, byte[]> files, bool? pieced, string list, CancellationToken cancellationToken, string? after = null)
    {
        int n = 0;
        string? previous = after;
        foreach (System.Text.Json.JsonElement entry in r.Array(o, "$", "files").EnumerateArray())
        {
            string path = $"$.files[{n++}]";
            System.Text.Json.JsonElement e = r.Object(entry, path, "path", "sha256");
            string relative = r.String(e, path, "path");
            if (!IsSafeRelativePath(relative) || (previous is not null && string.CompareOrdinal(previous, relative) >= 0))
            {
                throw r.Error(path + ".path", $"\"{relative}\" is not a record path, or the list is not sorted without duplicates");
            }

            if ((pieced is bool p && p != InPiecedFolder(relative)) || files.ContainsKey(relative))
            {
                throw r.Error(path + ".path", pieced == true
                    ? $"\"{relative}\" is listed in a piece of the file list, which lists only ballots/, challenged/, contest_data/ and uncast/ (once)"
                    : $"\"{relative}\" is listed in record.json, but this record lists ballots/, challenged/, contest_data/ and uncast/ in the pieces of $.file_lists");
            }

            previous = relative;
            byte[] expected = r.Bytes(e, path, "sha256", 32);
            string full = Path.Combine(root, relative);
            byte[] bytes = await RecordFiles.ReadLimitedAsync(full, MaxFileBytes, cancellationToken).ConfigureAwait(false);
            if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(bytes), expected))
            {
                throw new ElectionFormatException(full, "", $"the file's SHA-256 differs from {list}: the file was changed, truncated or replaced");
            }

            files[relative] = bytes;
        }

        return previous;
    }

    private static bool IsSafeRelativePath(string path) =>
        path.Length is > 0 and < 200 && !path.StartsWith('/') && !path.Contains("..", StringComparison.Ordinal) && !path.Contains('\\', StringComparison.Ordinal)
        && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-');
}

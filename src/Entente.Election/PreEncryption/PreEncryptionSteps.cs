using System.Globalization;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Record;

namespace Entente.Election.PreEncryption;

/// <summary>What <see cref="PreEncryptionSteps.RecordAsync"/> did: the cast ballots published and the uncast ballots opened.</summary>
public sealed record PreEncryptionRecordResult(IReadOnlyList<EncryptedBallot> Cast, IReadOnlyList<UncastBallot> Uncast);

/// <summary>
/// <c>entente preencrypt generate</c> and <c>entente preencrypt record</c> against the election's shared place
/// (docs/record-format.md §5.3). Generation writes, in a new folder, one printable file per ballot
/// (<c>ballots/&lt;id_B&gt;.json</c>: the short codes beside each option, H_C) and the secret nonce file
/// <c>nonces.json</c> (owner-only; ξ_B of each ballot, E24). Recording reads a marks file (which short codes a scanner
/// or a clerk read on each returned ballot, or that it stays uncast), publishes each cast ballot to the place like a
/// device's ballot, and writes each uncast ballot's opening to <c>uncast/&lt;id_B&gt;.json</c> in the generation folder.
/// </summary>
public static class PreEncryptionSteps
{
    /// <summary>The secret nonce file in a generation folder.</summary>
    public const string NonceFile = "nonces.json";

    /// <summary>Most ballots one generation run writes.</summary>
    public const int MaxCount = 100_000;

    /// <summary>Generates <paramref name="count"/> ballots of style <paramref name="style"/> (its label, or its index in decimal) into the new folder <paramref name="outDir"/>.</summary>
    /// <exception cref="ElectionFormatException">The ceremony is not complete, the style is unknown, or the folder is not new.</exception>
    public static async Task<IReadOnlyList<PreEncryptedBallot>> GenerateAsync(
        IElectionBoard board, string style, int count, string device, string deviceInformation, ShortCodeFormat shortCodes, string outDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(style);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        if (count is < 1 or > MaxCount)
        {
            throw new ElectionFormatException(null, "count", $"need 1 to {MaxCount} ballots, not {count}");
        }

        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
        {
            throw new ElectionFormatException(outDir, "", "the output folder exists and is not empty; choose a new folder");
        }

        ElectionContext context = await board.LoadContextAsync(cancellationToken).ConfigureAwait(false);
        ElectionManifest manifest = context.Parameters.Manifest;
        BallotStyle found = manifest.FindBallotStyle(style)
            ?? (int.TryParse(style, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index >= 1 && index <= manifest.BallotStyles.Count ? manifest.BallotStyles[index - 1] : null)
            ?? throw new ElectionFormatException(null, "style", $"no ballot style \"{style}\" (styles: {string.Join(", ", manifest.BallotStyles.Select(s => s.Label))})");
        PreEncryptor tool = new(context, device, deviceInformation, shortCodes);
        GeneratedBallot[] generated = new GeneratedBallot[count];
        try
        {
            Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, b => generated[b] = tool.Generate(found.Index));
            Utf8JsonWriterFile nonces = new();
            foreach (GeneratedBallot ballot in generated)
            {
                await RecordFiles.WriteAtomicAsync(Path.Combine(outDir, "ballots", ballot.Ballot.Id + ".json"), PreEncryptionFormat.WritePrinted(ballot.Ballot, manifest), cancellationToken).ConfigureAwait(false);
                nonces.Add(ballot.Ballot.Id, ballot.Nonce);
            }

            byte[] secret = nonces.ToArray(device);
            try
            {
                RecordFiles.WriteAtomicPrivate(Path.Combine(outDir, NonceFile), secret);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            }

            return [.. generated.Select(g => g.Ballot)];
        }
        finally
        {
            foreach (GeneratedBallot? ballot in generated)
            {
                ballot?.Dispose();
            }
        }
    }

    /// <summary>
    /// Records the returned ballots a marks file names (docs/record-format.md §5.3): cast ones are published to
    /// <paramref name="board"/>; uncast ones are opened, published to <paramref name="board"/> (<c>uncast/</c>) and kept in <c>uncast/</c> of <paramref name="generationDir"/>.
    /// </summary>
    /// <exception cref="ElectionFormatException">A file is malformed, a ballot unknown, a mark invalid (named), or a nonce does not open its ballot.</exception>
    public static async Task<PreEncryptionRecordResult> RecordAsync(
        IElectionBoard board, string generationDir, string marksFile, byte[] marks, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(time);
        ElectionContext context = await board.LoadContextAsync(cancellationToken).ConfigureAwait(false);
        ElectionManifest manifest = context.Parameters.Manifest;
        IReadOnlyList<MarkedBallot> entries = ReadMarks(marksFile, marks, manifest);
        string noncePath = Path.Combine(generationDir, NonceFile);
        byte[] nonceBytes = await RecordFiles.ReadLimitedAsync(noncePath, 64L * 1024 * 1024, cancellationToken).ConfigureAwait(false);
        Dictionary<Hash256, BallotNonce> nonces = ReadNonces(noncePath, nonceBytes);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(nonceBytes);
        PreEncryptionRecorder recorder = new(context);
        List<EncryptedBallot> cast = [];
        List<UncastBallot> uncast = [];
        try
        {
            foreach (MarkedBallot entry in entries)
            {
                string printedPath = Path.Combine(generationDir, "ballots", entry.Id + ".json");
                PreEncryptedBallot printed = PreEncryptionFormat.ReadPrinted(printedPath, await RecordFiles.ReadLimitedAsync(printedPath, 16L * 1024 * 1024, cancellationToken).ConfigureAwait(false), context);
                BallotNonce nonce = nonces.TryGetValue(entry.Id, out BallotNonce? n) ? n : throw new ElectionFormatException(noncePath, "", $"has no nonce for ballot {entry.Id}");
                if (entry.Marks is null)
                {
                    UncastBallot opened = recorder.OpenUncast(printed, nonce);
                    byte[] openedBytes = PreEncryptionFormat.WriteUncast(opened, manifest);
                    await RecordFiles.WriteAtomicAsync(Path.Combine(generationDir, PreEncryptionFormat.UncastFolder, opened.Id + ".json"), openedBytes, cancellationToken).ConfigureAwait(false);
                    await board.PublishAsync(ElectionDocument.Uncast(opened.Id), openedBytes, cancellationToken).ConfigureAwait(false);
                    uncast.Add(opened);
                }
                else
                {
                    EncryptedBallot ballot = recorder.RecordCast(printed, nonce, entry.Marks, time.GetUtcNow());
                    await board.PublishAsync(ElectionDocument.Ballot(ballot), RecordFormat.WriteBallot(ballot), cancellationToken).ConfigureAwait(false);
                    cast.Add(ballot);
                }
            }
        }
        finally
        {
            foreach (BallotNonce nonce in nonces.Values)
            {
                nonce.Dispose();
            }
        }

        return new PreEncryptionRecordResult(cast, uncast);
    }

    /// <summary>
    /// Reads every printable ballot of a generation folder (<c>ballots/*.json</c>, in identifier order) for printing, and
    /// checks that each prints what was committed: every short code is Ω of its selection hash, every contest hash
    /// follows from its selection hashes (eq 115) and the confirmation code from the contest hashes (eq 116).
    /// </summary>
    /// <exception cref="ElectionFormatException">The folder has no ballots, or a ballot is malformed or inconsistent (named).</exception>
    public static async Task<IReadOnlyList<PreEncryptedBallot>> ReadPrintedAsync(ElectionContext context, string generationDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        string folder = Path.Combine(generationDir, "ballots");
        string[] files = Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal)] : [];
        if (files.Length == 0)
        {
            throw new ElectionFormatException(folder, "", "holds no printable ballots (expected ballots/<id>.json as `entente preencrypt generate` writes them)");
        }

        List<PreEncryptedBallot> ballots = new(files.Length);
        foreach (string file in files)
        {
            PreEncryptedBallot ballot = PreEncryptionFormat.ReadPrinted(file, await RecordFiles.ReadLimitedAsync(file, 16L * 1024 * 1024, cancellationToken).ConfigureAwait(false), context);
            CheckPrintable(context, file, ballot);
            ballots.Add(ballot);
        }

        return ballots;
    }

    private static void CheckPrintable(ElectionContext context, string file, PreEncryptedBallot ballot)
    {
        if (!string.Equals(Path.GetFileNameWithoutExtension(file), ballot.Id.ToHex(), StringComparison.Ordinal))
        {
            throw new ElectionFormatException(file, "$.id", $"is ballot {ballot.Id}, not the ballot its file name names");
        }

        for (int c = 0; c < ballot.Contests.Count; c++)
        {
            PreEncryptedContest contest = ballot.Contests[c];
            for (int j = 0; j < contest.Selections.Count; j++)
            {
                PreEncryptedSelection selection = contest.Selections[j];
                string expected = ballot.ShortCodes.Apply(selection.SelectionHash);
                if (!string.Equals(selection.ShortCode, expected, StringComparison.Ordinal))
                {
                    throw new ElectionFormatException(file, $"$.contests[{c}].selections[{j}].short_code",
                        $"is \"{selection.ShortCode}\" but {ballot.ShortCodes.Name} of the selection hash is \"{expected}\": the ballot would print a code that records a different vector");
                }
            }

            Hash256 contestHash = PreEncryptionHashes.ContestHash(context.Group, ballot.IdentifierHash, contest.ContestIndex, contest.Selections.Select(s => s.SelectionHash));
            if (!contestHash.Equals(contest.ContestHash))
            {
                throw new ElectionFormatException(file, $"$.contests[{c}].contest_hash", "does not follow from the contest's selection hashes (eq 115)");
            }
        }

        Hash256 code = PreEncryptionHashes.ConfirmationCode(context.Group, ballot.IdentifierHash, ballot.Contests.Select(c => c.ContestHash), ballot.ChainingField);
        if (!code.Equals(ballot.ConfirmationCode))
        {
            throw new ElectionFormatException(file, "$.confirmation_code", "does not follow from the ballot's contest hashes (eq 116)");
        }
    }

    /// <summary>One entry of a marks file: a ballot and its marks by contest index, or null marks for an uncast ballot.</summary>
    internal sealed record MarkedBallot(Hash256 Id, IReadOnlyDictionary<int, IReadOnlyList<string>>? Marks);

    /// <summary>
    /// <c>{"ballots":[{"id":HEX,"marks":{"Contest label":["CODE",…],…}},{"id":HEX,"uncast":true},…]}</c>: every entry
    /// names a ballot once; contests by label; a contest left out has no mark.
    /// </summary>
    internal static IReadOnlyList<MarkedBallot> ReadMarks(string file, byte[] bytes, ElectionManifest manifest)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, null);
        JsonElement root = r.Object(document.RootElement, "$", "ballots");
        List<MarkedBallot> entries = [];
        HashSet<Hash256> seen = [];
        int b = 0;
        foreach (JsonElement e in r.Array(root, "$", "ballots", min: 1).EnumerateArray())
        {
            string path = $"$.ballots[{b++}]";
            JsonElement o = r.Object(e, path, "id", "marks", "uncast");
            Hash256 id = r.Hash(o, path, "id");
            if (!seen.Add(id))
            {
                throw r.Error(path + ".id", $"ballot {id} is listed twice");
            }

            bool isUncast = JsonReading.Has(o, "uncast");
            if (isUncast == JsonReading.Has(o, "marks") || (isUncast && r.Member(o, path, "uncast").ValueKind != JsonValueKind.True))
            {
                throw r.Error(path, "give either \"marks\" (a cast ballot) or \"uncast\": true");
            }

            if (isUncast)
            {
                entries.Add(new MarkedBallot(id, null));
                continue;
            }

            Dictionary<int, IReadOnlyList<string>> marks = [];
            JsonElement m = r.Member(o, path, "marks");
            if (m.ValueKind != JsonValueKind.Object)
            {
                throw r.Error(path + ".marks", "an object of contest labels is required");
            }

            foreach (JsonProperty contest in m.EnumerateObject())
            {
                Contest definition = manifest.Contests.FirstOrDefault(c => c.Label == contest.Name)
                    ?? throw r.Error($"{path}.marks", $"no contest \"{contest.Name}\" in the manifest");
                marks[definition.Index] = [.. r.Array(m, path + ".marks", contest.Name).EnumerateArray().Select((c, i) =>
                    c.ValueKind == JsonValueKind.String ? c.GetString()! : throw r.Error($"{path}.marks.{contest.Name}[{i}]", "a short code (string) is required"))];
            }

            entries.Add(new MarkedBallot(id, marks));
        }

        return entries;
    }

    private static Dictionary<Hash256, BallotNonce> ReadNonces(string file, byte[] bytes)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, null);
        JsonElement root = r.Object(document.RootElement, "$", "device", "nonces");
        Dictionary<Hash256, BallotNonce> nonces = [];
        int i = 0;
        foreach (JsonElement e in r.Array(root, "$", "nonces").EnumerateArray())
        {
            string path = $"$.nonces[{i++}]";
            JsonElement o = r.Object(e, path, "id", "nonce");
            byte[] raw = r.Bytes(o, path, "nonce", BallotNonce.Length);
            nonces[r.Hash(o, path, "id")] = BallotNonce.FromBytes(raw);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
        }

        return nonces;
    }

    /// <summary>The nonce file's canonical JSON, built without keeping the secret in strings.</summary>
    private sealed class Utf8JsonWriterFile
    {
        private readonly List<(Hash256 Id, byte[] Nonce)> _entries = [];

        public void Add(Hash256 id, BallotNonce nonce)
        {
            byte[] bytes = new byte[BallotNonce.Length];
            nonce.CopyTo(bytes);
            _entries.Add((id, bytes));
        }

        public byte[] ToArray(string device)
        {
            CanonicalJsonWriter w = new();
            w.StartObject();
            w.Property("device", device);
            w.Name("nonces");
            w.StartArray();
            foreach ((Hash256 id, byte[] nonce) in _entries)
            {
                w.StartObject();
                w.PropertyHex("id", id.Bytes);
                w.PropertyHex("nonce", nonce);
                w.EndObject();
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(nonce);
            }

            w.EndArray();
            w.EndObject();
            return w.ToArray();
        }
    }
}

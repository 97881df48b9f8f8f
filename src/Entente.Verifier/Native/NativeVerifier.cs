using System.Globalization;
using System.Text;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// Runs the verification steps of ElectionGuard 2.1.0 (§6.2, V1–V14) on an Entente record
/// (docs/record-format.md, format <c>entente-eg-record/1</c>) with the errata decisions of that
/// document (§7). Every check of every object runs; failures are collected with their lettered check
/// and the object (guardian, ballot, contest, option, device, file), never thrown. Only arithmetic and
/// hashing primitives are shared with the code that writes records: every equation is written here.
/// Ballots are read one file at a time, in parallel, and only a small summary of each is kept.
/// </summary>
public sealed partial class NativeVerifier
{
    /// <summary>The specification version a record must declare (1.A).</summary>
    public const string SpecVersion = "2.1.0";

    private readonly NativeRecord _record;
    private readonly VerificationOptions _options;
    private readonly Dictionary<string, StepRecorder> _steps;
    private readonly List<string> _notes = [];
    private readonly NativeMath _math;
    private readonly Dictionary<string, byte[]> _listedFiles = new(StringComparer.Ordinal);

    private NativeVerifier(NativeRecord record, VerificationOptions options)
    {
        _record = record;
        _options = options;
        _steps = NativeSteps.All.ToDictionary(s => s.Number, s => new StepRecorder(s.Number, s.Name));
        _math = new NativeMath(record.Group, options.Memo);
    }

    /// <summary>Verifies an opened record. Throws <see cref="RecordInputException"/> only when a file cannot be read.</summary>
    public static VerificationReport Verify(NativeRecord record, VerificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        NativeVerifier verifier = new(record, options ?? new VerificationOptions());
        return verifier.Run();
    }

    /// <summary>
    /// Opens the record directory and verifies it: the entry point for the CLI and the demo. Throws
    /// <see cref="RecordInputException"/> (file and reason) when the record cannot be read.
    /// </summary>
    public static VerificationReport Verify(string directory, VerificationOptions? options = null)
        => Verify(NativeRecord.Open(directory), options);

    private StepRecorder Step(string number) => _steps[number];

    /// <summary>
    /// Runs <paramref name="body"/> for every file on the verifier's threads and reports progress under
    /// <paramref name="label"/>; a file that cannot be read (or makes the checks fail unexpectedly) ends the run
    /// with one <see cref="RecordInputException"/> naming it (<see cref="ParallelWork"/>).
    /// </summary>
    private void ForEachFile(IReadOnlyList<string> files, string label, Action<string> body)
    {
        long done = 0;
        ParallelWork.ForEach(files, _options.Threads, file => file, file =>
        {
            body(file);
            _options.Progress?.Report(new VerificationProgress(label, Interlocked.Increment(ref done), files.Count));
        });
    }

    private NativeParameters Parameters => _record.Parameters;

    private NativeManifest Manifest => _record.Manifest;

    private Group Group => _record.Group;

    private byte[] He => _record.Election.He;

    private VerificationReport Run()
    {
        VerifyParameters();
        VerifyFiles();
        VerifyGuardianKeys();
        VerifyJointKeys();
        VerifyExtendedBaseHash();
        if (_math.K is null || _math.KHat is null)
        {
            // Every later equation uses K or K̂; with no valid key none of them can be checked.
            foreach ((string number, _) in NativeSteps.All.Where(s => int.Parse(s.Number, CultureInfo.InvariantCulture) >= 5))
            {
                Step(number).Fail($"{number}.struct", RecordObject.ForFile("election.json"),
                    "the joint keys K and K̂ are not both elements of Z_p^r other than 1, so this step cannot be checked");
            }
        }
        else
        {
            BallotPass pass = _options.Shards is { } shards ? MergeShards(shards.Run(ShardPlan(_record, _listedFiles) with { ProductFold = FoldProducts }, _options.Progress), shards as IBallotIndex) : VerifyBallots(_record.BallotFiles);
            if (pass.Index is null)
            {
                // One process: the summaries, in one partition of each kind.
                LocalBallotIndex index = new();
                index.Add(0, pass.Summaries);
                pass.Summaries.Clear();
                pass.Index = index;
            }

            ResolveWholeRecord(pass);
            VerifyIdentifiers(pass);
            VerifyDevices(pass);
            VerifyAggregation(pass);
            VerifyTally(pass);
            VerifyContestData(pass);
            VerifyChallenged(pass);
            VerifyUncast(pass);
        }

        return new VerificationReport(
            NativeSteps.Specification,
            "native",
            _record.Directory,
            [.. NativeSteps.All.Select(s => _steps[s.Number].ToResult()), .. VerifySchedule() is StepResult schedule ? [schedule] : Array.Empty<StepResult>(),
             .. VerifyAttempts() is StepResult attempts ? [attempts] : Array.Empty<StepResult>()],
            _notes);
    }

    // ---------------------------------------------------------------- step 1

    private void VerifyParameters()
    {
        StepRecorder step = Step("1");
        RecordObject parameters = RecordObject.ForFile("parameters.json");
        NativeParameters p = Parameters;
        step.Checked(6);
        step.Require(p.SpecVersion == SpecVersion, "1.A", parameters, $"the record declares specification version \"{p.SpecVersion}\"; this verifier checks \"{SpecVersion}\"");
        step.Require(_record.Header.SpecVersion == SpecVersion, "1.A", RecordObject.ForFile("record.json"), $"record.json declares specification version \"{_record.Header.SpecVersion}\"; this verifier checks \"{SpecVersion}\"");
        step.Require(_record.Header.Group == p.Group, "1.struct", RecordObject.ForFile("record.json"), $"record.json names group \"{_record.Header.Group}\", parameters.json \"{p.Group}\"");

        // 1.B–1.D: the record's p, q, g against the constants this verifier holds (never the record's own).
        Group group = Group;
        step.Require(p.P.AsSpan().SequenceEqual(Fixed(group.P, group.PByteLength)), "1.B", parameters, $"p is not the large prime of group \"{group.Name}\"");
        step.Require(p.Q.AsSpan().SequenceEqual(Fixed(group.Q, group.QByteLength)), "1.C", parameters, $"q is not the small prime of group \"{group.Name}\"");
        step.Require(p.G.AsSpan().SequenceEqual(Fixed(group.G, group.PByteLength)), "1.D", parameters, $"g is not the generator of group \"{group.Name}\"");
        if (ReferenceEquals(group, Group.Reduced3072))
        {
            _notes.Add("The record uses the reduced 3072-bit parameters of the specification's appendix, not the standard 4096-bit parameters of §3.1.1.");
        }
        else if (group.IsInsecure)
        {
            if (_options.AllowToyGroups)
            {
                _notes.Add($"The record uses the insecure toy group \"{group.Name}\" (accepted for tests); it proves nothing about a real election.");
            }
            else
            {
                step.Fail("1.B", parameters, $"the record uses the insecure toy group \"{group.Name}\", not the standard parameters of §3.1.1 (toy groups are for tests only)");
            }
        }

        // 1.E: H_P = H(ver; 0x00, p, q, g, n, k), ver = "v2.1.0" padded with zero bytes to 32 (eq 4).
        byte[] ver = new byte[32];
        Encoding.UTF8.GetBytes("v" + SpecVersion, ver);
        using (HashInput input = _math.Input(0x00).AppendBytes(p.P).AppendBytes(p.Q).AppendBytes(p.G).Append(p.N).Append(p.K))
        {
            byte[] hp = NativeMath.H(ver, input);
            step.Require(hp.AsSpan().SequenceEqual(p.Hp), "1.E", parameters,
                $"h_p is {NativeMath.Hex(p.Hp)}; H(ver; 0x00, p, q, g, n={p.N}, k={p.K}) is {NativeMath.Hex(hp)}");
        }

        // 1.F: H_B = H(H_P; 0x01, b(len(manifest), 4) ∥ manifest) (eq 5), with the record's H_P.
        using (HashInput input = _math.Input(0x01).AppendFile(Manifest.Bytes))
        {
            byte[] hb = NativeMath.H(p.Hp, input);
            step.Require(hb.AsSpan().SequenceEqual(p.Hb), "1.F", RecordObject.ForFile("manifest.json"),
                $"h_b is {NativeMath.Hex(p.Hb)}; the hash of manifest.json is {NativeMath.Hex(hb)}");
        }

        step.Require(p.K >= 1 && p.K <= p.N, "1.struct", parameters, $"the quorum k = {p.K} must satisfy 1 ≤ k ≤ n = {p.N}");
        foreach (string problem in _record.ManifestProblems)
        {
            step.Fail("1.struct", RecordObject.ForFile("manifest.json"), problem);
        }
    }

    private static byte[] Fixed(System.Numerics.BigInteger x, int width)
    {
        byte[] bytes = new byte[width];
        x.TryWriteBytes(bytes.AsSpan(width - x.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>
    /// 1.files: record.json lists every other file with its SHA-256 (§4.1), itself or (revision 7) in the pieces its
    /// <c>file_lists</c> names. Small files (the pieces among them) are compared here; ballots and openings when the
    /// passes read them.
    /// </summary>
    private void VerifyFiles()
    {
        StepRecorder step = Step("1");
        bool pieced = _record.FileListing.Count > 1;
        string? previousLast = null;
        for (int i = 0; i < _record.FileListing.Count; i++)
        {
            (string list, IReadOnlyList<NativeFileEntry> files) = _record.FileListing[i];
            RecordObject at = RecordObject.ForFile(list);
            foreach (NativeFileEntry entry in files)
            {
                if (!_listedFiles.TryAdd(entry.Path, entry.Sha256))
                {
                    step.Fail("1.files", at, $"\"{entry.Path}\" is listed twice");
                }
            }

            List<string> sorted = [.. files.Select(f => f.Path)];
            if (!sorted.SequenceEqual(sorted.Order(StringComparer.Ordinal)))
            {
                step.Fail("1.files", at, i == 0 ? "the file list is not sorted by path" : "the piece's file list is not sorted by path");
            }

            if (i == 0)
            {
                if (pieced && files.FirstOrDefault(f => InPiecedFolder(f.Path)) is { } stray)
                {
                    step.Fail("1.files", at, $"\"{stray.Path}\" is listed in record.json, but a record with file_lists lists ballots/, challenged/, contest_data/ and uncast/ only in its pieces");
                }

                continue;
            }

            string expected = string.Create(CultureInfo.InvariantCulture, $"lists/files-{i - 1}.json");
            step.Require(list == expected, "1.files", RecordObject.ForFile("record.json"), $"file_lists[{i - 1}] is \"{list}\", not \"{expected}\" (the pieces are lists/files-0.json, lists/files-1.json, … in order)");
            step.Require(_record.Header.Files.Any(f => f.Path == list), "1.files", RecordObject.ForFile("record.json"), $"file_lists names \"{list}\", which record.json's files do not list with its SHA-256");
            step.Require(files.Count is > 0 and <= NativeRecord.FilesPerPiece, "1.files", at, string.Create(CultureInfo.InvariantCulture, $"a piece lists 1 to {NativeRecord.FilesPerPiece} files; this one lists {files.Count}"));
            if (files.FirstOrDefault(f => !InPiecedFolder(f.Path)) is { } outside)
            {
                step.Fail("1.files", at, $"\"{outside.Path}\" is not in ballots/, challenged/, contest_data/ or uncast/, the only folders a piece lists");
            }

            if (files.Count > 0)
            {
                step.Require(previousLast is null || string.CompareOrdinal(previousLast, files[0].Path) < 0, "1.files", at,
                    $"the piece starts at \"{files[0].Path}\", not after \"{previousLast}\" where the piece before it ends (the pieces list the files in path order)");
                previousLast = files[^1].Path;
            }
        }

        HashSet<string> present = new(_record.PresentFiles, StringComparer.Ordinal);
        foreach (string path in _listedFiles.Keys.Where(p => !present.Contains(p)).Order(StringComparer.Ordinal))
        {
            step.Fail("1.files", RecordObject.ForFile(path), $"{ListOf(path)} lists this file but it is missing");
        }

        foreach (string path in _record.PresentFiles.Where(p => !_listedFiles.ContainsKey(p)))
        {
            step.Fail("1.files", RecordObject.ForFile(path), "the file is present but record.json does not list it");
        }

        foreach ((string path, byte[] sha) in _record.SmallFileHashes)
        {
            CheckFileHash(path, sha);
        }
    }

    /// <summary>The list that lists <paramref name="path"/>: record.json, or the piece whose range holds it (revision 7).</summary>
    private string ListOf(string path)
    {
        IReadOnlyList<NativeFileList> listing = _record.FileListing;
        if (listing.Count < 2 || !InPiecedFolder(path))
        {
            return "record.json";
        }

        // The pieces list ascending ranges of paths: the last piece that starts at or before the path holds it.
        int low = 1, high = listing.Count - 1, found = 1;
        while (low <= high)
        {
            int middle = (low + high) / 2;
            if (listing[middle].Files.Count == 0 || string.CompareOrdinal(listing[middle].Files[0].Path, path) <= 0)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return listing[found].File;
    }

    private static bool InPiecedFolder(string path) =>
        path.StartsWith("ballots/", StringComparison.Ordinal) || path.StartsWith("challenged/", StringComparison.Ordinal)
        || path.StartsWith("contest_data/", StringComparison.Ordinal) || path.StartsWith("uncast/", StringComparison.Ordinal);

    private void CheckFileHash(string path, byte[] sha)
    {
        StepRecorder step = Step("1");
        step.Checked();
        if (_listedFiles.TryGetValue(path, out byte[]? listed) && !listed.AsSpan().SequenceEqual(sha))
        {
            step.Fail("1.files", RecordObject.ForFile(path), $"{ListOf(path)} lists SHA-256 {NativeMath.Hex(listed)}; the file's bytes hash to {NativeMath.Hex(sha)}");
        }
    }

    // ---------------------------------------------------------------- step 2

    private void VerifyGuardianKeys()
    {
        StepRecorder step = Step("2");
        NativeParameters p = Parameters;
        IReadOnlyList<NativeGuardian> guardians = _record.Guardians;
        RecordObject folder = RecordObject.ForFile("guardians/");
        step.Require(guardians.Count == p.N, "2.struct", folder, $"the record has {guardians.Count} guardian files; n = {p.N}");
        foreach (IGrouping<int, NativeGuardian> same in guardians.GroupBy(g => g.I).Where(g => g.Count() > 1))
        {
            step.Fail("2.struct", folder, $"guardian index {same.Key} is used by {string.Join(", ", same.Select(g => g.File))}");
        }

        ParallelWork.ForEach(guardians, _options.Threads, guardian => guardian.File, guardian =>
        {
            RecordObject who = Guardian(guardian);
            step.Checked();
            step.Require(guardian.I >= 1 && guardian.I <= p.N, "2.struct", who, $"index i = {guardian.I} is not in 1..n = {p.N}");
            step.Require(guardian.File == $"guardians/guardian-{guardian.I.ToString(CultureInfo.InvariantCulture)}.json", "2.struct", who, $"the file of guardian {guardian.I} must be guardians/guardian-{guardian.I}.json");
            VerifyKeyProof(step, who, guardian, "pk_vote", guardian.VoteCommitments, guardian.VoteProof, "K", "c");
            VerifyKeyProof(step, who, guardian, "pk_data", guardian.DataCommitments, guardian.DataProof, "K̂", "ĉ");
            if (!_math.TryMember(guardian.CommunicationKey, out _))
            {
                step.Fail("2.A", who, $"κ_{guardian.I} {_math.WhyNotMember(guardian.CommunicationKey)}");
            }
        });
    }

    private static RecordObject Guardian(NativeGuardian guardian) => RecordObject.ForGuardian(guardian.I.ToString(CultureInfo.InvariantCulture)) with { File = guardian.File };

    /// <summary>(2.1)–(2.4), 2.A–2.C for one of the guardian's two compact Schnorr proofs (eqs 10–13).</summary>
    private void VerifyKeyProof(StepRecorder step, RecordObject who, NativeGuardian guardian, string label, IReadOnlyList<byte[]> commitments, NativeKeyProof proof, string name, string challengeName)
    {
        int k = Parameters.K;
        bool shape = step.Require(commitments.Count == k, "2.struct", who, $"{commitments.Count} commitments {name}_i,j; k = {k}")
            & step.Require(proof.V.Count == commitments.Count + 1, "2.struct", who, $"the {label} proof has {proof.V.Count} responses; it needs k + 1 = {commitments.Count + 1}");
        ElementModP?[] elements = _math.Members([.. commitments, guardian.CommunicationKey]);
        bool valid = true;
        for (int j = 0; j < commitments.Count; j++)
        {
            if (elements[j] is null)
            {
                valid = false;
                step.Fail("2.A", who, $"{name}_{guardian.I},{j} {_math.WhyNotMember(commitments[j])}");
            }
        }

        ElementModQ?[] v = [.. proof.V.Select(_math.Scalar)];
        for (int j = 0; j < v.Length; j++)
        {
            if (v[j] is null)
            {
                valid = false;
                step.Fail("2.B", who, $"the response v_{guardian.I},{j} of the {label} proof is not in Z_q");
            }
        }

        ElementModQ? c = _math.Scalar(proof.C);
        if (!shape || !valid || elements[^1] is null || c is null)
        {
            if (c is null)
            {
                step.Fail("2.C", who, $"the challenge {challengeName}_{guardian.I} of the {label} proof is not in Z_q");
            }

            return;
        }

        // h_i,j = g^v_i,j · K_i,j^c_i (j < k), h_i,k = g^v_i,k · κ_i^c_i; c_i = H_q(H_P; 0x10, label, i, K…, κ_i, h…).
        using HashInput input = _math.Input(0x10).AppendLabel(label).Append(guardian.I);
        foreach (byte[] commitment in commitments)
        {
            input.AppendBytes(commitment);
        }

        input.AppendBytes(guardian.CommunicationKey);
        for (int j = 0; j <= k; j++)
        {
            input.Append(_math.GPowTimes(v[j]!, elements[j]!, c));
        }

        byte[] expected = _math.Hq(Parameters.Hp, input);
        step.Require(expected.AsSpan().SequenceEqual(proof.C), "2.C", who,
            $"the {label} challenge {challengeName}_{guardian.I} is {NativeMath.Hex(proof.C)}; H_q(H_P; 0x10, \"{label}\", i, {name}…, κ_i, h…) is {NativeMath.Hex(expected)}");
    }

    // ---------------------------------------------------------------- step 3

    private void VerifyJointKeys()
    {
        StepRecorder step = Step("3");
        RecordObject file = RecordObject.ForFile("election.json");
        NativeElection election = _record.Election;
        NativeGuardian[] guardians = [.. _record.Guardians.OrderBy(g => g.I)];
        ElementModP? k = Key(step, election.KVote, "K", "k_vote", file);
        ElementModP? kHat = Key(step, election.KData, "K̂", "k_data", file);
        CheckProduct(step, "3.A", "K", k, guardians.Select(g => g.VoteCommitments.Count > 0 ? g.VoteCommitments[0] : null));
        CheckProduct(step, "3.B", "K̂", kHat, guardians.Select(g => g.DataCommitments.Count > 0 ? g.DataCommitments[0] : null));
        _math.K = k is null ? null : new ElGamalPublicKey(k);
        _math.KHat = kHat is null ? null : new ElGamalPublicKey(kHat);

        // H_G = H(H_B; 0x13, K, K̂, K_1,0 … K_n,k−1, K̂_1,0 … K̂_n,k−1, κ_1 … κ_n) (eq 27): the hash the
        // guardians compared before approving. Not a lettered check of §6.2; reported as 3.struct.
        step.Checked();
        using HashInput input = _math.Input(0x13).AppendBytes(election.KVote).AppendBytes(election.KData);
        foreach (byte[] commitment in guardians.SelectMany(g => g.VoteCommitments))
        {
            input.AppendBytes(commitment);
        }

        foreach (byte[] commitment in guardians.SelectMany(g => g.DataCommitments))
        {
            input.AppendBytes(commitment);
        }

        foreach (NativeGuardian guardian in guardians)
        {
            input.AppendBytes(guardian.CommunicationKey);
        }

        byte[] hg = NativeMath.H(Parameters.Hb, input);
        step.Require(hg.AsSpan().SequenceEqual(election.Hg), "3.struct", file, $"h_g is {NativeMath.Hex(election.Hg)}; H(H_B; 0x13, K, K̂, K_i,j…, K̂_i,j…, κ_i…) (eq 27) is {NativeMath.Hex(hg)}");
    }

    private ElementModP? Key(StepRecorder step, byte[] value, string name, string member, RecordObject file)
    {
        step.Checked();
        if (!_math.TryMember(value, out ElementModP? key))
        {
            step.Fail(name == "K" ? "3.A" : "3.B", file, $"{member} ({name}) {_math.WhyNotMember(value)}");
            return null;
        }

        if (key.IsOne)
        {
            step.Fail(name == "K" ? "3.A" : "3.B", file, $"{member} ({name}) is 1: it would encrypt in the clear");
            return null;
        }

        return key;
    }

    private void CheckProduct(StepRecorder step, string check, string name, ElementModP? key, IEnumerable<byte[]?> parts)
    {
        step.Checked();
        ElementModP product = Group.OneModP;
        foreach (byte[]? part in parts)
        {
            if (part is null || !_math.TryMember(part, out ElementModP? element))
            {
                step.Fail(check, RecordObject.ForFile("guardians/"), $"{name} cannot be recomputed: a guardian's {name}_i is missing or not in Z_p^r (step 2)");
                return;
            }

            product *= element;
        }

        if (key is not null)
        {
            step.Require(product.Equals(key), check, RecordObject.ForFile("election.json"), $"{name} is not the product of the guardians' keys {name}_i (it is {product.ToHex()})");
        }
    }

    // ---------------------------------------------------------------- step 4

    private void VerifyExtendedBaseHash()
    {
        StepRecorder step = Step("4");
        step.Checked();
        NativeElection election = _record.Election;
        // H_E = H(H_B; 0x14, K, K̂) (eq 30).
        using HashInput input = _math.Input(0x14).AppendBytes(election.KVote).AppendBytes(election.KData);
        byte[] he = NativeMath.H(Parameters.Hb, input);
        step.Require(he.AsSpan().SequenceEqual(election.He), "4.A", RecordObject.ForFile("election.json"),
            $"h_e is {NativeMath.Hex(election.He)}; H(H_B; 0x14, K, K̂) is {NativeMath.Hex(he)}");
    }
}

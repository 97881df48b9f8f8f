using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text;
using Entente.Cryptography;
using Entente.Verifier.Egk;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Egk20;

/// <summary>
/// Runs the verification steps of ElectionGuard 2.0.0 (§6.2, steps 1–14 under their 2.0 numbers and
/// with 2.0's hash inputs) on an egk record. Every check of every object is run; failures are
/// collected with the lettered check and the object, never thrown. Only the arithmetic (modular
/// exponentiation) and the hash (HMAC-SHA-256) are shared with producing code; the equations are
/// written here from the 2.0 text.
/// </summary>
/// <remarks>
/// Conventions of the egk implementation that this verifier accepts and reports as notes:
/// <list type="bullet">
/// <item>Challenges are published reduced mod q (2.0 publishes the 256-bit hash); a challenge is
/// accepted when it equals the hash or the hash mod q.</item>
/// <item>With chained confirmation codes the first ballot of a device uses B_aux,1 = H_0 instead of
/// H_0 ∥ B_aux,0 (eq 60).</item>
/// <item>The contest-data decryption challenge (14.B) hashes C1 as its upper-case hexadecimal text.</item>
/// </list>
/// </remarks>
public sealed class Egk20Verifier
{
    /// <summary>The version string a 2.0.0 record declares (1.A).</summary>
    public const string Version = "v2.0.0";

    private const string NoteFirstChained =
        "egk convention accepted: the first chained ballot of a device uses B_aux,1 = H_0 rather than H_0 ∥ B_aux,0 (2.0 eq 60).";

    private const string NoteReducedChallenges =
        "egk convention accepted: challenges are published reduced mod q (2.0 publishes the unreduced 256-bit hash).";

    private const string NoteHexC1 =
        "egk convention accepted: the contest-data decryption challenge hashes C1 as upper-case hexadecimal text (2.0 eq 81 hashes C1 itself; its bytes and the §5.5 table's b(C1, 512) are accepted too).";

    private static readonly BigInteger TwoTo256 = BigInteger.One << 256;

    /// <summary>Most ballots whose α and β share one batched membership check.</summary>
    private const int BallotsPerMembershipBatch = 16;

    private readonly EgkRecord _record;
    private readonly VerificationOptions _options;
    private readonly BigInteger _p = Egk20Arithmetic.P;
    private readonly BigInteger _q = Egk20Arithmetic.Q;
    private readonly Dictionary<string, StepRecorder> _steps;
    private readonly Dictionary<string, EgkManifestContest> _contests;
    private readonly List<string> _notes = [];
    private Egk20Arithmetic _math = null!;
    private byte[] _he = [];

    private Egk20Verifier(EgkRecord record, VerificationOptions options)
    {
        _record = record;
        _options = options;
        _steps = Egk20Steps.All.ToDictionary(s => s.Number, s => new StepRecorder(s.Number, s.Name));
        _contests = [];
        foreach (EgkManifestContest contest in record.Manifest.Contests)
        {
            _contests.TryAdd(contest.ContestId, contest);
        }
    }

    /// <summary>Verifies an egk 2.0 record. Throws <see cref="RecordInputException"/> only when a file cannot be read.</summary>
    public static VerificationReport Verify(EgkRecord record, VerificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        Egk20Verifier verifier = new(record, options ?? new VerificationOptions());
        return verifier.Run();
    }

    /// <summary>Opens the record directory and verifies it.</summary>
    public static VerificationReport Verify(string directory, VerificationOptions? options = null)
        => Verify(EgkRecord.Open(directory), options);

    private StepRecorder Step(string number) => _steps[number];

    private VerificationReport Run()
    {
        _he = _record.Initialized.ExtendedBaseHash;
        _math = new Egk20Arithmetic(_record.Initialized.JointPublicKey, _options.Memo);

        byte[] hb = VerifyParameters();
        VerifyGuardianKeys();
        VerifyJointKey();
        VerifyExtendedBaseHash(hb);
        if (_math.K is null)
        {
            // Every later equation uses K; with no valid K none of them can hold.
            foreach ((string number, _) in Egk20Steps.All.Where(s => int.Parse(s.Number, CultureInfo.InvariantCulture) >= 5))
            {
                Step(number).Fail($"{number}.struct", RecordObject.ForFile("election_initialized.json"),
                    "the joint key K is not an element of Z_p^r other than 1, so this step cannot be checked");
            }
        }
        else
        {
            BallotPass ballots = VerifyBallots();
            VerifyChains(ballots);
            VerifyAggregation(ballots);
            VerifyTallyDecryption(ballots);
            VerifyChallengedBallots(ballots);
        }

        return new VerificationReport(
            Egk20Steps.Specification,
            "egk",
            _record.Directory,
            [.. Egk20Steps.All.Select(s => _steps[s.Number].ToResult())],
            _notes);
    }

    // ---------------------------------------------------------------- step 1

    private byte[] VerifyParameters()
    {
        StepRecorder step = Step("1");
        RecordObject config = RecordObject.ForFile("election_config.json");
        RecordObject constants = RecordObject.ForFile("constants.json");
        EgkConfig c = _record.Config;
        EgkConstants k = _record.Constants;
        step.Checked(8);

        step.Require(c.ConfigVersion == Version, "1.A", config, $"the record declares version \"{c.ConfigVersion}\"; this verifier checks \"{Version}\"");
        step.Require(k.LargePrime == _p, "1.B", constants, "the large prime is not the standard p of §3.1.1");
        step.Require(k.SmallPrime == _q, "1.C", constants, "the small prime is not the standard q of §3.1.1");
        step.Require(k.Cofactor == Egk20Arithmetic.Group.R, "1.D", constants, "the cofactor is not the standard r of §3.1.1");
        step.Require(k.Generator == Egk20Arithmetic.Group.G, "1.E", constants, "the generator is not the standard g of §3.1.1");

        // H_P = H(ver; 0x00, p, q, g), ver = "v2.0.0" padded with zero bytes to 32 (eq 4).
        byte[] ver = new byte[32];
        Encoding.UTF8.GetBytes(Version, ver);
        byte[] hp = Egk20Hash.Start(ver, 0x00).ModP(_p).ModQ(_q).ModP(Egk20Arithmetic.Group.G).Finish();
        step.Require(hp.AsSpan().SequenceEqual(c.ParameterBaseHash), "1.F", config,
            $"parameter_base_hash is {Hex(c.ParameterBaseHash)}; H(ver; 0x00, p, q, g) is {Hex(hp)}");

        // H_M = H(H_P; 0x01, b(len(manifest), 4) ∥ manifest) (eq 6).
        byte[] manifest = _record.Manifest.FileBytes;
        // Each equation is checked against the record's own inputs, so that one wrong value fails one check.
        byte[] hm = Egk20Hash.Start(c.ParameterBaseHash, 0x01).Int(manifest.Length).Bytes(manifest).Finish();
        step.Require(hm.AsSpan().SequenceEqual(c.ManifestHash), "1.G", RecordObject.ForFile("manifest.json"),
            $"manifest_hash is {Hex(c.ManifestHash)}; the hash of manifest.json is {Hex(hm)}");

        // H_B = H(H_P; 0x02, H_M, n, k) (eq 7).
        byte[] hb = Egk20Hash.Start(c.ParameterBaseHash, 0x02).Bytes(c.ManifestHash).Int(c.NumberOfGuardians).Int(c.Quorum).Finish();
        step.Require(hb.AsSpan().SequenceEqual(c.ElectionBaseHash), "1.H", config,
            $"election_base_hash is {Hex(c.ElectionBaseHash)}; H(H_P; 0x02, H_M, n={c.NumberOfGuardians}, k={c.Quorum}) is {Hex(hb)}");

        step.Require(c.Quorum >= 1 && c.Quorum <= c.NumberOfGuardians, "1.H", config,
            $"quorum k={c.Quorum} must satisfy 1 ≤ k ≤ n={c.NumberOfGuardians}");
        return c.ElectionBaseHash;
    }

    // ---------------------------------------------------------------- step 2

    private void VerifyGuardianKeys()
    {
        StepRecorder step = Step("2");
        EgkConfig c = _record.Config;
        IReadOnlyList<EgkGuardian> guardians = _record.Initialized.Guardians;
        RecordObject file = RecordObject.ForFile("election_initialized.json");
        step.Require(guardians.Count == c.NumberOfGuardians, "2.struct", file,
            $"the record has {guardians.Count} guardians; election_config.json says n = {c.NumberOfGuardians}");
        foreach (IGrouping<int, EgkGuardian> same in guardians.GroupBy(g => g.XCoordinate).Where(g => g.Count() > 1))
        {
            step.Fail("2.struct", file, $"x_coordinate {same.Key} is used by {string.Join(", ", same.Select(g => g.GuardianId))}");
        }

        ConcurrentBag<(RecordObject, string, string)> failures = [];
        List<(EgkGuardian Guardian, int J)> work = [];
        foreach (EgkGuardian guardian in guardians)
        {
            RecordObject who = RecordObject.ForGuardian(guardian.GuardianId);
            step.Require(guardian.XCoordinate >= 1, "2.struct", who, $"x_coordinate {guardian.XCoordinate} must be at least 1");
            step.Require(guardian.CoefficientProofs.Count == c.Quorum, "2.struct", who,
                $"the guardian has {guardian.CoefficientProofs.Count} coefficient commitments; k = {c.Quorum}");
            for (int j = 0; j < guardian.CoefficientProofs.Count; j++)
            {
                work.Add((guardian, j));
            }
        }

        byte[] hp = _record.Config.ParameterBaseHash;
        CheckedElements keys = _math.CheckAll(work.Select(item => item.Guardian.CoefficientProofs[item.J].PublicKey), _options.Threads);
        long done = 0;
        ParallelWork.ForEach(work, _options.Threads, _ => "election_initialized.json", item =>
        {
            _options.Progress?.Report(new VerificationProgress("guardian keys", Interlocked.Increment(ref done), work.Count));
            EgkSchnorrProof proof = item.Guardian.CoefficientProofs[item.J];
            RecordObject who = RecordObject.ForGuardian(item.Guardian.GuardianId).WithOption($"coefficient {item.J}");
            step.Checked();
            bool inGroup = keys.TryElement(proof.PublicKey, out ElementModP? kij);
            step.Require(inGroup, "2.A", who, "K_i,j is not in Z_p^r");
            step.Require(proof.Response < _q, "2.B", who, "the response v_i,j is not in Z_q");
            if (kij is null || proof.Response >= _q)
            {
                return;
            }

            // (2.1) h_i,j = g^v_i,j · K_i,j^c_i,j; (2.C) c_i,j = H(H_P; 0x10, i, j, K_i,j, h_i,j).
            BigInteger c2 = _math.Remember("2.0 guardian Schnorr hash", () => [.. hp, .. kij.Encode(), .. Q32(proof.Challenge), .. Q32(proof.Response), .. Q32(item.Guardian.XCoordinate), .. Q32(item.J)], () =>
            {
                ElementModP h = Egk20Arithmetic.GPowTimes(Exp(proof.Response), kij, Exp(proof.Challenge));
                return Egk20Hash.Start(hp, 0x10).Int(item.Guardian.XCoordinate).Int(item.J).ModP(kij).ModP(h).FinishInteger();
            });
            CheckChallenge(step, "2.C", who, proof.Challenge, c2);
        });
    }

    // ---------------------------------------------------------------- step 3

    private void VerifyJointKey()
    {
        StepRecorder step = Step("3");
        ElementModP product = Egk20Arithmetic.Group.OneModP;
        bool allValid = true;
        foreach (EgkGuardian guardian in _record.Initialized.Guardians.OrderBy(g => g.XCoordinate))
        {
            RecordObject who = RecordObject.ForGuardian(guardian.GuardianId);
            step.Checked();
            if (guardian.CoefficientProofs.Count == 0)
            {
                step.Fail("3.A", who, "the guardian publishes no public key K_i = K_i,0");
                continue;
            }

            if (step.Require(_math.TryElement(guardian.CoefficientProofs[0].PublicKey, out ElementModP? ki) && !ki.IsOne, "3.A", who, "K_i is not in Z_p^r or equals 1"))
            {
                product *= ki!;
            }
            else
            {
                allValid = false;
            }
        }

        BigInteger k = _record.Initialized.JointPublicKey;
        step.Checked();
        RecordObject file = RecordObject.ForFile("election_initialized.json");
        if (_math.K is null)
        {
            step.Fail("3.B", file, "joint_public_key K is not an element of Z_p^r other than 1; no proof that uses K can be checked");
        }
        else if (allValid)
        {
            step.Require(Egk20Arithmetic.Same(product, k), "3.B", file, "joint_public_key K differs from the product of the guardians' keys K_i");
        }
    }

    // ---------------------------------------------------------------- step 4

    private void VerifyExtendedBaseHash(byte[] hb)
    {
        StepRecorder step = Step("4");
        step.Checked();
        // H_E = H(H_B; 0x12, K) (eq 23).
        byte[] he = Egk20Hash.Start(hb, 0x12).ModP(_record.Initialized.JointPublicKey).Finish();
        step.Require(he.AsSpan().SequenceEqual(_he), "4.A", RecordObject.ForFile("election_initialized.json"),
            $"extended_base_hash is {Hex(_he)}; H(H_B; 0x12, K) is {Hex(he)}");
    }

    // ---------------------------------------------------------------- steps 5, 6, 7.A–C (per ballot)

    /// <summary>What the later steps need from the ballot pass, kept small so ballots can stream.</summary>
    private sealed class BallotPass
    {
        public ConcurrentBag<BallotSummary> Summaries { get; } = [];

        public Dictionary<(string Contest, string Option), (ElementModP A, ElementModP B)> CastProducts { get; } = [];

        public Lock ProductLock { get; } = new();

        public ConcurrentDictionary<string, EgkEncryptedBallot> Challenged { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, byte> ContestsOnBallots { get; } = new(StringComparer.Ordinal);
    }

    private sealed record BallotSummary(string BallotId, string Device, string File, string State, byte[] ConfirmationCode, byte[] CodeBaux);

    private BallotPass VerifyBallots()
    {
        BallotPass pass = new();
        IReadOnlyList<EgkBallotFile> files = _record.BallotFiles;
        long done = 0;
        _options.Progress?.Report(new VerificationProgress("encrypted ballots", 0, files.Count));

        // Ballots go in small groups, so that the membership of all their α and β is one batched check
        // (a smoke ballot has only 8 values); about four groups per thread keep every core busy.
        int threads = Math.Max(1, _options.Threads);
        int groupSize = Math.Clamp((files.Count + (4 * threads) - 1) / (4 * threads), 1, BallotsPerMembershipBatch);
        ParallelWork.ForEach(
            files.Chunk(groupSize),
            _options.Threads,
            group => group[0].File,
            () => new Dictionary<(string, string), (ElementModP, ElementModP)>(),
            (group, local) =>
            {
                // Each file is read and checked under its own name, so the one that fails is named (ParallelWork).
                EgkEncryptedBallot[] ballots = new EgkEncryptedBallot[group.Length];
                for (int i = 0; i < group.Length; i++)
                {
                    EgkBallotFile file = group[i];
                    ParallelWork.Guard(file.File, () => ballots[i] = _record.ReadBallot(file));
                }

                // (5.A) every α and β of these ballots in one batched membership check.
                CheckedElements elements = _math.CheckAll(
                    ballots.SelectMany(b => b.Contests).SelectMany(c => c.Selections).SelectMany(s => (IEnumerable<BigInteger>)[s.Vote.Pad, s.Vote.Data]),
                    threads: 1);
                for (int i = 0; i < ballots.Length; i++)
                {
                    EgkEncryptedBallot ballot = ballots[i];
                    EgkBallotFile file = group[i];
                    ParallelWork.Guard(file.File, () => VerifyBallot(ballot, file, pass, local, elements));
                    _options.Progress?.Report(new VerificationProgress("encrypted ballots", Interlocked.Increment(ref done), files.Count));
                }

                return local;
            },
            local =>
            {
                lock (pass.ProductLock)
                {
                    foreach (KeyValuePair<(string, string), (ElementModP A, ElementModP B)> entry in local)
                    {
                        pass.CastProducts[entry.Key] = pass.CastProducts.TryGetValue(entry.Key, out (ElementModP A, ElementModP B) sum)
                            ? (sum.A * entry.Value.A, sum.B * entry.Value.B)
                            : entry.Value;
                    }
                }
            });

        // (7.C) No two submitted ballots share a confirmation code.
        StepRecorder step7 = Step("7");
        foreach (IGrouping<string, BallotSummary> same in pass.Summaries.GroupBy(s => Hex(s.ConfirmationCode)).Where(g => g.Count() > 1))
        {
            string ids = string.Join(", ", same.Select(s => $"{s.BallotId} ({s.File})").Order(StringComparer.Ordinal));
            step7.Fail("7.C", RecordObject.ForBallot(same.OrderBy(s => s.File, StringComparer.Ordinal).First().BallotId),
                $"confirmation code {same.Key} is shared by ballots {ids}");
        }

        return pass;
    }

    private void VerifyBallot(EgkEncryptedBallot ballot, EgkBallotFile file, BallotPass pass, Dictionary<(string, string), (ElementModP, ElementModP)> products, CheckedElements elements)
    {
        StepRecorder step5 = Step("5");
        StepRecorder step6 = Step("6");
        StepRecorder step7 = Step("7");
        RecordObject who = RecordObject.ForBallot(ballot.BallotId);
        pass.Summaries.Add(new BallotSummary(ballot.BallotId, file.Device, file.File, ballot.State, ballot.ConfirmationCode, ballot.CodeBaux));

        step5.Require(ballot.ElectionId.AsSpan().SequenceEqual(_he), "5.struct", who,
            $"election_id {Hex(ballot.ElectionId)} is not the extended base hash H_E {Hex(_he)}");
        step5.Require(ballot.IsCast || ballot.IsChallenged, "5.struct", who, $"unknown ballot state \"{ballot.State}\"");
        if (ballot.IsPreencrypt)
        {
            step5.Fail("5.struct", who, "pre-encrypted ballots (steps 15–18) are not verified by this version of entente");
        }

        if (ballot.IsChallenged)
        {
            pass.Challenged.TryAdd(ballot.BallotId, ballot);
        }

        List<byte[]> contestHashes = [];
        HashSet<string> seenContests = new(StringComparer.Ordinal);
        foreach (EgkEncryptedContest contest in ballot.Contests)
        {
            RecordObject where = who.WithContest(contest.ContestId);
            contestHashes.Add(contest.ContestHash);
            pass.ContestsOnBallots.TryAdd(contest.ContestId, 0);
            if (!seenContests.Add(contest.ContestId))
            {
                step5.Fail("5.struct", where, "the contest appears twice on the ballot");
                continue;
            }

            if (!_contests.TryGetValue(contest.ContestId, out EgkManifestContest? manifestContest))
            {
                step5.Fail("5.struct", where, "the contest is not in the manifest");
                continue;
            }

            VerifyContest(ballot, contest, manifestContest, where, products, elements);
        }

        // (7.B) H(B) = H(H_E; 0x24, χ_1, …, χ_mB, B_aux) (eq 58).
        step7.Checked();
        Egk20Hash code = Egk20Hash.Start(_he, 0x24);
        foreach (byte[] chi in contestHashes)
        {
            code.Bytes(chi);
        }

        byte[] expected = code.Bytes(ballot.CodeBaux).Finish();
        step7.Require(expected.AsSpan().SequenceEqual(ballot.ConfirmationCode), "7.B", who,
            $"confirmation_code is {Hex(ballot.ConfirmationCode)}; H(H_E; 0x24, χ…, B_aux) is {Hex(expected)}");
        if (!_record.Config.ChainConfirmationCodes)
        {
            step7.Require(ballot.CodeBaux.AsSpan().SequenceEqual(_record.Config.Baux0), "7.B", who,
                $"code_baux {Hex(ballot.CodeBaux)} is not the configured B_aux,0 {Hex(_record.Config.Baux0)} (codes are not chained)");
        }
    }

    private void VerifyContest(
        EgkEncryptedBallot ballot,
        EgkEncryptedContest contest,
        EgkManifestContest manifestContest,
        RecordObject where,
        Dictionary<(string, string), (ElementModP, ElementModP)> products,
        CheckedElements elements)
    {
        StepRecorder step5 = Step("5");
        StepRecorder step6 = Step("6");
        StepRecorder step7 = Step("7");
        int optionLimit = manifestContest.OptionSelectionLimit;
        int contestLimit = manifestContest.VotesAllowed;

        step6.Require(contest.VotesAllowed == contestLimit, "6.struct", where,
            $"votes_allowed {contest.VotesAllowed} differs from the manifest's {contestLimit}");
        HashSet<string> manifestOptions = [.. manifestContest.Selections.Select(s => s.SelectionId)];
        HashSet<string> ballotOptions = new(StringComparer.Ordinal);
        bool allInGroup = true;
        ElementModP alphaBar = Egk20Arithmetic.Group.OneModP;
        ElementModP betaBar = Egk20Arithmetic.Group.OneModP;

        foreach (EgkEncryptedSelection selection in contest.Selections)
        {
            RecordObject at = where.WithOption(selection.SelectionId);
            if (!ballotOptions.Add(selection.SelectionId))
            {
                step5.Fail("5.struct", at, "the option appears twice in the contest");
            }

            if (!manifestOptions.Contains(selection.SelectionId))
            {
                step5.Fail("5.struct", at, "the option is not in the manifest contest");
            }

            // (5.A) α and β are in Z_p^r.
            step5.Checked();
            bool alphaOk = elements.TryElement(selection.Vote.Pad, out ElementModP? alpha);
            bool betaOk = elements.TryElement(selection.Vote.Data, out ElementModP? beta);
            if (alpha is null || beta is null)
            {
                step5.Fail("5.A", at, $"{(alphaOk ? "β" : betaOk ? "α" : "α and β")} not in Z_p^r");
                allInGroup = false;
                continue;
            }

            VerifyRangeProof(step5, "5", at, alpha, beta, selection.Proof, optionLimit);
            alphaBar *= alpha;
            betaBar *= beta;
            if (ballot.IsCast && manifestOptions.Contains(selection.SelectionId))
            {
                (string, string) key = (contest.ContestId, selection.SelectionId);
                products[key] = products.TryGetValue(key, out (ElementModP A, ElementModP B) sum)
                    ? (sum.A * alpha, sum.B * beta)
                    : (alpha, beta);
            }
        }

        foreach (string missing in manifestOptions.Where(o => !ballotOptions.Contains(o)).Order(StringComparer.Ordinal))
        {
            step6.Fail("6.struct", where.WithOption(missing), "the manifest option is missing from the encrypted contest");
        }

        // Step 6: the contest total (ᾱ, β̄) = (Π α_i, Π β_i) encrypts at most L (6.1–6.5).
        step6.Checked();
        if (!allInGroup)
        {
            step6.Fail("6.A", where, "some α_i or β_i of the contest is not in Z_p^r (see step 5)");
        }
        else
        {
            VerifyRangeProof(step6, "6", where, alphaBar, betaBar, contest.Proof, contestLimit);
        }

        // (7.A) χ_l = H(H_E; 0x23, l, K, α_1, β_1, …, α_m, β_m) with l the contest's index in the manifest.
        step7.Checked();
        Egk20Hash chi = Egk20Hash.Start(_he, 0x23).Int(manifestContest.SequenceOrder).ModP(_math.K!);
        foreach (EgkEncryptedSelection selection in contest.Selections)
        {
            chi.ModP(selection.Vote.Pad).ModP(selection.Vote.Data);
        }

        byte[] expected = chi.Finish();
        step7.Require(expected.AsSpan().SequenceEqual(contest.ContestHash), "7.A", where,
            $"contest_hash is {Hex(contest.ContestHash)}; χ_l recomputed is {Hex(expected)}");
    }

    /// <summary>
    /// The compact range proof that (α, β) encrypts a value in 0..limit (2.0 eqs 5.1–5.3 / 6.3–6.5),
    /// checks .B (c_j &lt; 2^256), .C (v_j ∈ Z_q) and .D (the challenges sum to the hash).
    /// </summary>
    private void VerifyRangeProof(
        StepRecorder step,
        string number,
        RecordObject at,
        ElementModP alpha,
        ElementModP beta,
        IReadOnlyList<EgkChallengeResponse> proof,
        int limit)
    {
        if (proof.Count != limit + 1)
        {
            step.Fail($"{number}.struct", at, $"the range proof has {proof.Count} challenge/response pairs; the limit {limit} needs {limit + 1}");
            return;
        }

        bool valuesOk = true;
        for (int j = 0; j < proof.Count; j++)
        {
            valuesOk &= step.Require(proof[j].Challenge < TwoTo256, $"{number}.B", at, $"c_{j} is not below 2^256");
            valuesOk &= step.Require(proof[j].Response < _q, $"{number}.C", at, $"v_{j} is not in Z_q");
        }

        if (!valuesOk)
        {
            return;
        }

        // a_j = g^v_j · α^c_j, b_j = K^w_j · β^c_j with w_j = (v_j − j·c_j) mod q;
        // c = H(H_E; 0x21, K, α, β, a_0, b_0, …, a_R, b_R); check c = (c_0 + … + c_R) mod q.
        BigInteger challenge = _math.Remember("2.0 range proof hash", () => ProofInputs(alpha, beta, proof), () =>
        {
            Egk20Hash hash = Egk20Hash.Start(_he, 0x21).ModP(_math.K!).ModP(alpha).ModP(beta);
            ElementModQ[] challenges = [.. proof.Select(pair => Exp(pair.Challenge))];

            // α^c_j and β^c_j for every j: one shared precomputation per base (Exponentiation.PowMany).
            ElementModP[] alphaPowers = Exponentiation.PowMany(alpha, challenges);
            ElementModP[] betaPowers = Exponentiation.PowMany(beta, challenges);
            for (int j = 0; j < proof.Count; j++)
            {
                ElementModQ c = challenges[j];
                ElementModQ v = Exp(proof[j].Response);
                ElementModQ w = v - (Egk20Arithmetic.Exponent(j) * c);
                hash.ModP(Egk20Arithmetic.Group.GPow(v) * alphaPowers[j]).ModP(_math.KPow(w) * betaPowers[j]);
            }

            return hash.FinishInteger();
        });
        BigInteger sum = BigInteger.Zero;
        foreach (EgkChallengeResponse pair in proof)
        {
            sum += pair.Challenge;
        }

        step.Require(sum % _q == challenge % _q, $"{number}.D", at, "the challenges c_j do not sum to the hash c of the proof's commitments");
    }

    // ---------------------------------------------------------------- step 7.D–G (chaining)

    private void VerifyChains(BallotPass pass)
    {
        StepRecorder step = Step("7");
        EgkConfig config = _record.Config;
        if (!config.ChainConfirmationCodes)
        {
            foreach (EgkBallotChain chain in _record.Chains.Where(c => c.Chaining))
            {
                step.Fail("7.D", RecordObject.ForFile(chain.File), "the device chains its codes but election_config.json says chain_confirmation_codes is false");
            }

            return;
        }

        Dictionary<string, List<BallotSummary>> byDevice = pass.Summaries
            .GroupBy(s => s.Device, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Dictionary<string, EgkBallotChain> chains = _record.Chains.ToDictionary(c => DeviceFolder(c.File), StringComparer.Ordinal);
        byte[] baux0 = config.Baux0;

        // (7.D) H_0 = H(H_E; 0x24, B_aux,0) (eq 59).
        byte[] h0 = Egk20Hash.Start(_he, 0x24).Bytes(baux0).Finish();
        foreach (string device in byDevice.Keys.Union(chains.Keys).Order(StringComparer.Ordinal))
        {
            RecordObject who = RecordObject.ForDevice(device);
            step.Checked();
            if (!chains.TryGetValue(device, out EgkBallotChain? chain))
            {
                step.Fail("7.D", who, "codes are chained but the device has no ballot_chain.json");
                continue;
            }

            step.Require(chain.Chaining, "7.D", who, "ballot_chain.json says chaining is false but election_config.json chains codes");
            step.Require(chain.Baux0.AsSpan().SequenceEqual(h0), "7.D", who,
                $"the chain's initial value {Hex(chain.Baux0)} is not H_0 = H(H_E; 0x24, B_aux,0) = {Hex(h0)}");

            List<BallotSummary> ballots = byDevice.TryGetValue(device, out List<BallotSummary>? list) ? list : [];
            Dictionary<string, BallotSummary> byId = [];
            foreach (BallotSummary ballot in ballots)
            {
                if (!byId.TryAdd(ballot.BallotId, ballot))
                {
                    step.Fail("7.E", who.WithOption(ballot.BallotId) with { Option = null, Ballot = ballot.BallotId }, "the ballot id occurs twice on the device");
                }
            }

            foreach (BallotSummary ballot in ballots.Where(b => !chain.BallotIds.Contains(b.BallotId)))
            {
                step.Fail("7.E", RecordObject.ForBallot(ballot.BallotId) with { Device = device }, "the ballot is not in the device's ballot_chain.json");
            }

            // (7.E) B_aux,j = H(B_j−1) ∥ B_aux,0; egk starts with B_aux,1 = H_0.
            byte[] previous = h0;
            bool first = true;
            foreach (string id in chain.BallotIds)
            {
                RecordObject at = RecordObject.ForBallot(id) with { Device = device };
                if (!byId.TryGetValue(id, out BallotSummary? ballot))
                {
                    step.Fail("7.E", at, "ballot_chain.json lists a ballot that is not in the device's folder");
                    first = false;
                    continue;
                }

                byte[] specified = [.. previous, .. baux0];
                if (first && ballot.CodeBaux.AsSpan().SequenceEqual(h0))
                {
                    Note(step, NoteFirstChained);
                }
                else
                {
                    step.Require(ballot.CodeBaux.AsSpan().SequenceEqual(specified), "7.E", at,
                        $"code_baux {Hex(ballot.CodeBaux)} is not H(B_j−1) ∥ B_aux,0 = {Hex(specified)}");
                }

                first = false;
                previous = ballot.ConfirmationCode;
            }

            // (7.F) B_aux = H(B_ℓ) ∥ B_aux,0 ∥ b("CLOSE", 5); (7.G) H = H(H_E; 0x24, B_aux).
            step.Require(chain.LastConfirmationCode.AsSpan().SequenceEqual(previous), "7.F", who,
                $"last_confirmation_code {Hex(chain.LastConfirmationCode)} is not the code of the last ballot in the chain {Hex(previous)}");
            byte[] closing = Egk20Hash.Start(_he, 0x24).Bytes(previous).Bytes(baux0).Utf8("CLOSE").Finish();
            step.Require(chain.ClosingHash is not null && chain.ClosingHash.AsSpan().SequenceEqual(closing), "7.G", who,
                $"closing_hash {(chain.ClosingHash is null ? "is missing" : Hex(chain.ClosingHash))}; H(H_E; 0x24, H(B_ℓ) ∥ B_aux,0 ∥ \"CLOSE\") is {Hex(closing)}");
        }
    }

    private static string DeviceFolder(string chainFile)
    {
        string[] parts = chainFile.Split('/');
        return parts.Length >= 3 ? parts[^2] : "";
    }

    // ---------------------------------------------------------------- step 8

    private void VerifyAggregation(BallotPass pass)
    {
        StepRecorder step = Step("8");
        EgkEncryptedTally tally = _record.EncryptedTally;
        RecordObject file = RecordObject.ForFile("encrypted_tally.json");
        if (tally.ElectionId is byte[] id)
        {
            step.Require(id.AsSpan().SequenceEqual(_he), "8.struct", file, "election_id is not the extended base hash H_E");
        }

        // The cast ballots the tally claims are exactly the cast ballots of the record, each once.
        List<string> cast = [.. pass.Summaries.Where(s => s.State == "CAST").Select(s => s.BallotId)];
        foreach (IGrouping<string, string> same in cast.GroupBy(x => x, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            step.Fail("8.struct", RecordObject.ForBallot(same.Key), $"the cast ballot id occurs {same.Count()} times in encrypted_ballots/");
        }

        HashSet<string> castSet = new(cast, StringComparer.Ordinal);
        HashSet<string> claimed = new(StringComparer.Ordinal);
        foreach (string idInTally in tally.CastBallotIds)
        {
            if (!claimed.Add(idInTally))
            {
                step.Fail("8.struct", RecordObject.ForBallot(idInTally), "cast_ballot_ids lists the ballot twice");
            }
            else if (!castSet.Contains(idInTally))
            {
                step.Fail("8.struct", RecordObject.ForBallot(idInTally), "cast_ballot_ids lists a ballot that is not a cast ballot of the record");
            }
        }

        foreach (string missing in castSet.Where(c => !claimed.Contains(c)).Order(StringComparer.Ordinal))
        {
            step.Fail("8.struct", RecordObject.ForBallot(missing), "the cast ballot is missing from cast_ballot_ids");
        }

        // (8.A) A = Π α_j, (8.B) B = Π β_j over all cast ballots, for each option of the manifest.
        Dictionary<(string, string), EgkTallySelection> inTally = [];
        foreach (EgkTallyContest contest in tally.Contests)
        {
            foreach (EgkTallySelection selection in contest.Selections)
            {
                if (!inTally.TryAdd((contest.ContestId, selection.SelectionId), selection))
                {
                    step.Fail("8.struct", RecordObject.ForBallot("tally", contest.ContestId, selection.SelectionId), "the option appears twice in the encrypted tally");
                }
                else if (!_contests.TryGetValue(contest.ContestId, out EgkManifestContest? mc) || mc.Selections.All(s => s.SelectionId != selection.SelectionId))
                {
                    step.Fail("8.struct", RecordObject.ForBallot("tally", contest.ContestId, selection.SelectionId), "the encrypted tally has an option that is not in the manifest");
                }
            }
        }

        foreach (EgkManifestContest contest in _record.Manifest.Contests)
        {
            foreach (EgkManifestSelection option in contest.Selections)
            {
                RecordObject at = RecordObject.ForBallot("tally", contest.ContestId, option.SelectionId);
                step.Checked();
                (ElementModP A, ElementModP B) expected = pass.CastProducts.TryGetValue((contest.ContestId, option.SelectionId), out (ElementModP, ElementModP) product)
                    ? product
                    : (Egk20Arithmetic.Group.OneModP, Egk20Arithmetic.Group.OneModP);
                if (!inTally.TryGetValue((contest.ContestId, option.SelectionId), out EgkTallySelection? found))
                {
                    step.Fail("8.A", at, "the option is missing from the encrypted tally");
                    continue;
                }

                step.Require(Egk20Arithmetic.Same(expected.A, found.Vote.Pad), "8.A", at, "A differs from the product of the cast ballots' α");
                step.Require(Egk20Arithmetic.Same(expected.B, found.Vote.Data), "8.B", at, "B differs from the product of the cast ballots' β");
            }
        }
    }

    // ---------------------------------------------------------------- steps 9, 10, 11

    private void VerifyTallyDecryption(BallotPass pass)
    {
        StepRecorder step9 = Step("9");
        StepRecorder step10 = Step("10");
        StepRecorder step11 = Step("11");
        EgkDecryptedTallyOrBallot tally = _record.DecryptedTally;
        RecordObject file = RecordObject.ForFile("tally.json");
        if (tally.ElectionId is byte[] id)
        {
            step9.Require(id.AsSpan().SequenceEqual(_he), "9.struct", file, "election_id is not the extended base hash H_E");
        }

        Dictionary<(string, string), EgkTallySelection> encrypted = [];
        foreach (EgkTallyContest contest in _record.EncryptedTally.Contests)
        {
            foreach (EgkTallySelection selection in contest.Selections)
            {
                encrypted.TryAdd((contest.ContestId, selection.SelectionId), selection);
            }
        }

        VerifyDecryptions(tally, "tally.json", isBallot: false, step9, step10, encrypted: key => encrypted.TryGetValue(key, out EgkTallySelection? s) ? s.Vote : null);

        // (10.E) Every contest on a submitted ballot occurs in the tally.
        HashSet<string> tallyContests = [.. tally.Contests.Select(c => c.ContestId)];
        foreach (string contest in pass.ContestsOnBallots.Keys.Order(StringComparer.Ordinal))
        {
            step10.Checked();
            step10.Require(tallyContests.Contains(contest), "10.E", RecordObject.ForBallot("tally", contest), "a contest on a submitted ballot is missing from the tally");
        }

        int withData = tally.Contests.Count(c => c.ContestData is not null);
        if (withData == 0)
        {
            step11.Note("The decrypted tally carries no contest data (egk does not decrypt contest data in the tally): nothing to check.");
        }
        else
        {
            foreach (EgkDecryptedContest contest in tally.Contests.Where(c => c.ContestData is not null))
            {
                VerifyContestData(step11, "11", RecordObject.ForBallot("tally", contest.ContestId), contest.ContestData!);
            }
        }
    }

    /// <summary>
    /// The decryption proofs and contents of the tally (steps 9, 10) or of a challenged ballot (12, 13).
    /// </summary>
    private void VerifyDecryptions(
        EgkDecryptedTallyOrBallot decrypted,
        string file,
        bool isBallot,
        StepRecorder proofs,
        StepRecorder contents,
        Func<(string, string), EgkCiphertext?> encrypted)
    {
        string p = proofs.Number;
        string t = contents.Number;
        string owner = isBallot ? decrypted.Id : "tally";
        List<(EgkDecryptedContest Contest, EgkDecryptedSelection Selection, EgkCiphertext Vote)> work = [];
        HashSet<string> seenContests = new(StringComparer.Ordinal);
        foreach (EgkDecryptedContest contest in decrypted.Contests)
        {
            RecordObject where = RecordObject.ForBallot(owner, contest.ContestId);
            contents.Checked();
            if (!seenContests.Add(contest.ContestId))
            {
                contents.Fail($"{t}.B", where, "the contest appears twice");
                continue;
            }

            // (10.B / 13.D) The contest label is a contest of the manifest.
            if (!_contests.TryGetValue(contest.ContestId, out EgkManifestContest? manifestContest))
            {
                contents.Fail(isBallot ? "13.D" : "10.B", where, "the contest is not in the manifest");
                continue;
            }

            HashSet<string> options = new(StringComparer.Ordinal);
            long votes = 0;
            foreach (EgkDecryptedSelection selection in contest.Selections)
            {
                RecordObject at = where.WithOption(selection.SelectionId);
                // (10.C / 13.E) The option label is an option of the manifest contest.
                if (manifestContest.Selections.All(s => s.SelectionId != selection.SelectionId))
                {
                    contents.Fail(isBallot ? "13.E" : "10.C", at, "the option is not in the manifest contest");
                    continue;
                }

                if (!options.Add(selection.SelectionId))
                {
                    contents.Fail(isBallot ? "13.E" : "10.C", at, "the option appears twice");
                    continue;
                }

                votes += selection.Tally;
                if (isBallot)
                {
                    // (13.B) σ is a valid value 0..R.
                    contents.Require(selection.Tally >= 0 && selection.Tally <= manifestContest.OptionSelectionLimit, "13.B", at,
                        $"the selection {selection.Tally} is not in 0..{manifestContest.OptionSelectionLimit}");
                }

                EgkCiphertext? original = encrypted((contest.ContestId, selection.SelectionId));
                if (original is null)
                {
                    proofs.Fail($"{p}.struct", at, isBallot ? "the encrypted ballot has no such selection" : "the encrypted tally has no such option");
                    continue;
                }

                if (original.Pad != selection.Vote.Pad || original.Data != selection.Vote.Data)
                {
                    proofs.Fail($"{p}.struct", at, isBallot
                        ? "the decrypted ciphertext differs from the encrypted ballot's"
                        : "the decrypted ciphertext differs from encrypted_tally.json");
                }

                work.Add((contest, selection, original));
            }

            // (10.D / 13.F) Every option of the manifest contest occurs.
            foreach (EgkManifestSelection option in manifestContest.Selections.Where(s => !options.Contains(s.SelectionId)))
            {
                contents.Fail(isBallot ? "13.F" : "10.D", where.WithOption(option.SelectionId), "the manifest option is missing");
            }

            if (isBallot)
            {
                // (13.C) The sum of the selections is at most L.
                contents.Require(votes <= manifestContest.VotesAllowed, "13.C", where,
                    $"the selections sum to {votes}, more than the limit {manifestContest.VotesAllowed}");
            }

            if (isBallot && contest.ContestData is not null)
            {
                VerifyContestData(Step("14"), "14", where, contest.ContestData);
            }
        }

        string stage = isBallot ? "challenged ballot decryptions" : "tally decryptions";
        CheckedElements elements = _math.CheckAll(
            work.SelectMany(item => (IEnumerable<BigInteger>)[item.Selection.BOverM, item.Vote.Pad, item.Vote.Data]),
            _options.Threads);
        long done = 0;
        ParallelWork.ForEach(work, _options.Threads, _ => file, item =>
        {
            _options.Progress?.Report(new VerificationProgress(stage, Interlocked.Increment(ref done), work.Count));
            RecordObject at = RecordObject.ForBallot(owner, item.Contest.ContestId, item.Selection.SelectionId);
            proofs.Checked();
            contents.Checked();
            EgkDecryptedSelection s = item.Selection;

            // (10.A / 13.A) T = K^t mod p.
            bool tValid = elements.TryElement(s.BOverM, out ElementModP? t);
            bool tallyOk = tValid && s.Tally >= 0 && t == _math.KPow(Egk20Arithmetic.Exponent(s.Tally));
            contents.Require(tallyOk, isBallot ? "13.A" : "10.A", at, isBallot
                ? $"S is not K^σ for the published selection σ = {s.Tally}"
                : $"T is not K^t for the published tally t = {s.Tally}");

            if (t is null || !elements.TryElement(item.Vote.Pad, out ElementModP? alpha) || !elements.TryElement(item.Vote.Data, out ElementModP? beta))
            {
                proofs.Fail($"{p}.B", at, "A, B or T is not in Z_p^r: the proof cannot hold");
                return;
            }

            // (9.A / 12.A) v ∈ Z_q.
            if (!proofs.Require(s.Proof.Response < _q, $"{p}.A", at, "the response v is not in Z_q"))
            {
                return;
            }

            // M = B · T^−1, a = g^v · K^c, b = A^v · M^c; (9.B) c = H(H_E; 0x30, K, A, B, a, b, M).
            BigInteger expected = _math.Remember("2.0 decryption proof hash", () => [.. _he, .. _math.K!.Encode(), .. alpha.Encode(), .. beta.Encode(), .. t.Encode(), .. Q32(s.Proof.Challenge), .. Q32(s.Proof.Response)], () =>
            {
                ElementModQ v = Exp(s.Proof.Response);
                ElementModQ c = Exp(s.Proof.Challenge);
                ElementModP m = beta / t;
                ElementModP a = Egk20Arithmetic.Group.GPow(v) * _math.KPow(c); // both from fixed-base tables
                ElementModP b = Egk20Arithmetic.PowProduct(alpha, v, m, c);
                return Egk20Hash.Start(_he, 0x30).ModP(_math.K!).ModP(alpha).ModP(beta).ModP(a).ModP(b).ModP(m).FinishInteger();
            });
            CheckChallenge(proofs, $"{p}.B", at, s.Proof.Challenge, expected);
        });
    }

    /// <summary>Steps 11 and 14: a = g^v · K^c, b = C0^v · β^c, c = H(H_E; 0x31, K, C0, C1, C2, a, b, β).</summary>
    private void VerifyContestData(StepRecorder step, string number, RecordObject at, EgkDecryptedContestData data)
    {
        step.Checked();
        EgkHashedCiphertext ct = data.Ciphertext;
        if (!_math.TryElement(ct.C0, out ElementModP? c0) || !_math.TryElement(data.Beta, out ElementModP? beta))
        {
            step.Fail($"{number}.B", at, "C0 or β is not in Z_p^r: the proof cannot hold");
            return;
        }

        if (!step.Require(data.Proof.Response < _q, $"{number}.A", at, "the response v is not in Z_q"))
        {
            return;
        }

        ElementModQ v = Exp(data.Proof.Response);
        ElementModQ c = Exp(data.Proof.Challenge);
        ElementModP a = Egk20Arithmetic.Group.GPow(v) * _math.KPow(c); // both from fixed-base tables
        ElementModP b = Egk20Arithmetic.PowProduct(c0, v, beta, c);
        BigInteger asBytes = Egk20Hash.Start(_he, 0x31).ModP(_math.K!).ModP(c0).Bytes(ct.C1).Bytes(ct.C2).ModP(a).ModP(b).ModP(beta).FinishInteger();
        BigInteger asHex = Egk20Hash.Start(_he, 0x31).ModP(_math.K!).ModP(c0).Utf8(Convert.ToHexString(ct.C1)).Bytes(ct.C2).ModP(a).ModP(b).ModP(beta).FinishInteger();
        BigInteger? asTable = ct.C1.Length <= Egk20Hash.PBytes
            ? Egk20Hash.Start(_he, 0x31).ModP(_math.K!).ModP(c0).ModP(new BigInteger(ct.C1, isUnsigned: true, isBigEndian: true))
                .ModP(new BigInteger(ct.C2, isUnsigned: true, isBigEndian: true)).ModP(a).ModP(b).ModP(beta).FinishInteger()
            : null;
        if (Matches(data.Proof.Challenge, asBytes))
        {
            NoteIfReduced(step, data.Proof.Challenge, asBytes);
        }
        else if (asTable is BigInteger table && Matches(data.Proof.Challenge, table))
        {
            // The 2.0 hash-input table (§5.5) writes b(C1, 512) ∥ b(C2, 512) for eq 81.
            NoteIfReduced(step, data.Proof.Challenge, table);
        }
        else if (Matches(data.Proof.Challenge, asHex))
        {
            NoteIfReduced(step, data.Proof.Challenge, asHex);
            Note(step, NoteHexC1);
        }
        else
        {
            step.Fail($"{number}.B", at, "the challenge c is not H(H_E; 0x31, K, C0, C1, C2, a, b, β)");
        }
    }

    // ---------------------------------------------------------------- steps 12, 13, 14

    private void VerifyChallengedBallots(BallotPass pass)
    {
        StepRecorder step12 = Step("12");
        StepRecorder step13 = Step("13");
        StepRecorder step14 = Step("14");
        HashSet<string> decryptedIds = new(StringComparer.Ordinal);
        foreach (string file in _record.ChallengedBallotFiles)
        {
            EgkDecryptedTallyOrBallot decrypted = _record.ReadChallengedBallot(file);
            RecordObject who = RecordObject.ForBallot(decrypted.Id);
            if (!decryptedIds.Add(decrypted.Id))
            {
                step12.Fail("12.struct", who, "the challenged ballot is decrypted twice");
                continue;
            }

            if (decrypted.ElectionId is byte[] id)
            {
                step12.Require(id.AsSpan().SequenceEqual(_he), "12.struct", who, "election_id is not the extended base hash H_E");
            }

            if (!pass.Challenged.TryGetValue(decrypted.Id, out EgkEncryptedBallot? ballot))
            {
                step12.Fail("12.struct", who, "a decrypted ballot that is not a challenged ballot of encrypted_ballots/");
                continue;
            }

            Dictionary<(string, string), EgkCiphertext> votes = [];
            foreach (EgkEncryptedContest contest in ballot.Contests)
            {
                foreach (EgkEncryptedSelection selection in contest.Selections)
                {
                    votes.TryAdd((contest.ContestId, selection.SelectionId), selection.Vote);
                }
            }

            foreach (EgkDecryptedContest contest in decrypted.Contests.Where(c => c.ContestData is not null))
            {
                EgkHashedCiphertext? original = ballot.Contests.FirstOrDefault(c => c.ContestId == contest.ContestId)?.ContestData;
                EgkHashedCiphertext published = contest.ContestData!.Ciphertext;
                step14.Require(original is not null && original.C0 == published.C0 && original.C1.AsSpan().SequenceEqual(published.C1) && original.C2.AsSpan().SequenceEqual(published.C2),
                    "14.struct", who.WithContest(contest.ContestId), "the decrypted contest data ciphertext differs from the encrypted ballot's");
            }

            VerifyDecryptions(decrypted, file, isBallot: true, step12, step13, key => votes.TryGetValue(key, out EgkCiphertext? v) ? v : null);
        }

        foreach (string missing in pass.Challenged.Keys.Where(k => !decryptedIds.Contains(k)).Order(StringComparer.Ordinal))
        {
            step12.Fail("12.struct", RecordObject.ForBallot(missing), "the challenged ballot has no decryption in challenged_ballots/");
        }

        if (pass.Challenged.IsEmpty && decryptedIds.Count == 0)
        {
            step12.Note("The record has no challenged ballots.");
            step13.Note("The record has no challenged ballots.");
            step14.Note("The record has no challenged ballots.");
        }
    }

    // ---------------------------------------------------------------- helpers

    private void CheckChallenge(StepRecorder step, string check, RecordObject at, BigInteger published, BigInteger hash)
    {
        if (Matches(published, hash))
        {
            NoteIfReduced(step, published, hash);
        }
        else
        {
            step.Fail(check, at, $"the challenge {published:X} is not the recomputed hash {hash:X}");
        }
    }

    private bool Matches(BigInteger published, BigInteger hash) => published == hash || published == hash % _q;

    private void NoteIfReduced(StepRecorder step, BigInteger published, BigInteger hash)
    {
        if (hash >= _q && published == hash % _q)
        {
            Note(step, NoteReducedChallenges);
        }
    }

    private void Note(StepRecorder step, string text)
    {
        step.Note(text);
        lock (_notes)
        {
            if (!_notes.Contains(text))
            {
                _notes.Add(text);
            }
        }
    }

    private static ElementModQ Exp(BigInteger x) => Egk20Arithmetic.Exponent(x);

    /// <summary>b(x, 32) of a value below 2^256 (challenges, responses, small integers).</summary>
    private static byte[] Q32(BigInteger x) => Egk20Hash.FixedWidth(x, Egk20Hash.QBytes);

    /// <summary>Everything a range proof's recomputed hash depends on.</summary>
    private byte[] ProofInputs(ElementModP alpha, ElementModP beta, IReadOnlyList<EgkChallengeResponse> proof)
    {
        List<byte> inputs = [.. _he, .. _math.K!.Encode(), .. alpha.Encode(), .. beta.Encode()];
        foreach (EgkChallengeResponse pair in proof)
        {
            inputs.AddRange(Q32(pair.Challenge));
            inputs.AddRange(Q32(pair.Response));
        }

        return [.. inputs];
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}

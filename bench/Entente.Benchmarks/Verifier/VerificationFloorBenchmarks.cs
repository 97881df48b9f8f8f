using System.Numerics;
using BenchmarkDotNet.Attributes;
using Entente.Cryptography;
using Entente.Cryptography.Arithmetic;
using Entente.Verifier.Egk20;

namespace Entente.Benchmarks.Verifier;

/// <summary>
/// Verification of encrypted 0/1 selections against the floor of issue 6, on the standard group, one
/// thread, everything measured in the same run.
/// <list type="bullet">
/// <item>Floor (the baseline): 4 variable-base exponentiations x^e and 4 fixed-base ones g^e with
/// 256-bit public exponents, i.e. count × measured single cost, per selection.</item>
/// <item>One 0/1 selection as the egk 2.0 verifier checks it (step 5): α and β read as integers, their
/// membership in Z_p^r by the batched check (one batch per ballot), the commitments
/// a_j = g^v_j·α^c_j and b_j = K^w_j·β^c_j (g and K from fixed-base tables, α^c_0 and α^c_1 with one
/// shared precomputation, likewise β), the challenge hash
/// H(H_E; 0x21, K, α, β, a_0, b_0, a_1, b_1) and the sum of the c_j: the same calls as
/// <see cref="Egk20Verifier"/>. The proofs are valid (built in the set-up with the 2.0 equations).</item>
/// <item>One smoke ballot (bench/manifests/smoke.json: one contest, four options, limit 1): four
/// selection proofs and the contest-limit proof on (Π α, Π β); the membership of the α and β of ten
/// ballots in one batch, as the verifier groups them.</item>
/// <item>The parts: one Legendre symbol of a 4096-bit value, one membership by x^q, and one membership
/// inside a batch of 200.</item>
/// </list>
/// Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*VerificationFloorBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[InProcess]
[WarmupCount(2)]
[IterationCount(10)]
public class VerificationFloorBenchmarks
{
    private const int Selections = 100;
    private const int SmokeBallots = 10;
    private static readonly Group Group = Group.Standard;

    private readonly byte[] _he = new byte[32];
    private Egk20Arithmetic _math = null!;
    private BigInteger _k;
    private Selection[] _selections = [];
    private Selection[] _smokeContests = [];
    private ElementModP _x = null!;
    private ElementModQ[] _exponents = [];
    private byte[] _xBytes = [];
    private ulong[] _xLimbs = [];
    private ulong[] _jacobiScratch = [];
    private List<BigInteger> _batchValues = [];

    /// <summary>An encrypted 0/1 value with its compact range proof, as integers read from a record.</summary>
    private sealed record Selection(BigInteger Alpha, BigInteger Beta, BigInteger C0, BigInteger V0, BigInteger C1, BigInteger V1);

    [GlobalSetup]
    public void Setup()
    {
        Random random = new(20261127);
        ElementModQ secret = RandomQ(random);
        ElementModP k = Group.GPow(secret);
        _k = Value(k);
        random.NextBytes(_he);
        _math = new Egk20Arithmetic(_k, memo: null);

        _selections = [.. Enumerable.Range(0, Selections).Select(i => Encrypt(random, i % 3 == 0 ? 1 : 0).Selection)];

        // Smoke ballots: four options of which at most one is 1, then the contest-limit proof on the product.
        List<Selection> smoke = [];
        List<Selection> contests = [];
        for (int b = 0; b < SmokeBallots; b++)
        {
            int chosen = random.Next(5); // 4: no option selected
            ElementModQ nonceSum = Group.ZeroModQ;
            for (int o = 0; o < 4; o++)
            {
                (Selection selection, ElementModQ nonce) = Encrypt(random, o == chosen ? 1 : 0);
                smoke.Add(selection);
                nonceSum += nonce;
            }

            contests.Add(Prove(random, chosen < 4 ? 1 : 0, nonceSum));
        }

        _smokeContests = [.. contests];
        _smokeSelections = [.. smoke];

        _x = Group.GPow(RandomQ(random));
        _exponents = [.. Enumerable.Range(0, 8).Select(_ => RandomQ(random))];
        _xBytes = _x.Encode();
        _xLimbs = new ulong[Group.PLimbCount];
        ReferenceArithmetic.FromBigInteger(Value(_x), _xLimbs);
        _jacobiScratch = new ulong[LimbJacobi.ScratchLength(Group.PLimbCount)];
        _batchValues = [.. Enumerable.Range(0, 200).Select(_ => Value(Group.GPow(RandomQ(random))))];

        // The proofs are valid: a verification that fails would not measure the verifier's normal path.
        if (VerifySelections() != Selections || VerifySmokeBallots() != SmokeBallots * 5)
        {
            throw new InvalidOperationException("The generated proofs do not verify.");
        }
    }

    private Selection[] _smokeSelections = [];

    [Benchmark(Baseline = true, OperationsPerInvoke = 1, Description = "floor: 4 x^e + 4 g^e (one 0/1 selection)")]
    public ElementModP Floor()
    {
        ElementModP acc = _x;
        for (int j = 0; j < 4; j++)
        {
            acc = _x.Pow(_exponents[j]);
            acc = Group.GPow(_exponents[j + 4]);
        }

        return acc;
    }

    [Benchmark(Description = "x^e, general base, 256-bit public e")]
    public ElementModP VariableBasePow() => _x.Pow(_exponents[0]);

    [Benchmark(Description = "g^e, fixed-base table, 256-bit public e")]
    public ElementModP FixedBasePow() => Group.GPow(_exponents[0]);

    [Benchmark(Description = "Legendre symbol (x | p), 4096 bits")]
    public int Jacobi() => LimbJacobi.Symbol(_xLimbs, Group.PLimbs, _jacobiScratch);

    [Benchmark(Description = "membership x^q = 1, one value")]
    public bool MembershipSingle() => ElementModP.TryDecode(Group, _xBytes, out _);

    [Benchmark(OperationsPerInvoke = 200, Description = "membership in a batch of 200, per value")]
    public int MembershipBatched() => SubgroupBatch.Check(Group, _batchValues).Rejected.Count;

    [Benchmark(OperationsPerInvoke = Selections, Description = "one 0/1 selection, egk 2.0 step 5 (batch of 200 values)")]
    public int Selection01() => VerifySelections();

    [Benchmark(OperationsPerInvoke = SmokeBallots, Description = "one smoke ballot (4 selections + contest limit), 1 core")]
    public int SmokeBallot() => VerifySmokeBallots();

    private int VerifySelections()
    {
        CheckedElementsFor(_selections, out ElementModP?[] elements);
        int valid = 0;
        for (int i = 0; i < _selections.Length; i++)
        {
            valid += VerifyProof(elements[2 * i]!, elements[(2 * i) + 1]!, _selections[i]) ? 1 : 0;
        }

        return valid;
    }

    private int VerifySmokeBallots()
    {
        // As the verifier does: the α and β of a group of up to 16 ballots in one membership batch.
        CheckedElementsFor(_smokeSelections, out ElementModP?[] elements);
        int valid = 0;
        for (int b = 0; b < SmokeBallots; b++)
        {
            ElementModP alphaBar = Group.OneModP;
            ElementModP betaBar = Group.OneModP;
            for (int o = 0; o < 4; o++)
            {
                int k = (4 * b) + o;
                valid += VerifyProof(elements[2 * k]!, elements[(2 * k) + 1]!, _smokeSelections[k]) ? 1 : 0;
                alphaBar *= elements[2 * k]!;
                betaBar *= elements[(2 * k) + 1]!;
            }

            valid += VerifyProof(alphaBar, betaBar, _smokeContests[b]) ? 1 : 0;
        }

        return valid;
    }

    private static void CheckedElementsFor(Selection[] selections, out ElementModP?[] elements)
    {
        List<BigInteger> values = new(2 * selections.Length);
        foreach (Selection s in selections)
        {
            values.Add(s.Alpha);
            values.Add(s.Beta);
        }

        elements = [.. SubgroupBatch.Check(Group, values).Elements];
    }

    /// <summary>2.0 eqs 5.1–5.3 for limit 1, with the calls of Egk20Verifier.VerifyRangeProof.</summary>
    private bool VerifyProof(ElementModP alpha, ElementModP beta, Selection s)
    {
        using Egk20Hash hash = Egk20Hash.Start(_he, 0x21).ModP(_math.K!).ModP(alpha).ModP(beta);
        (BigInteger C, BigInteger V)[] pairs = [(s.C0, s.V0), (s.C1, s.V1)];
        ElementModQ[] challenges = [Egk20Arithmetic.Exponent(s.C0), Egk20Arithmetic.Exponent(s.C1)];
        ElementModP[] alphaPowers = Exponentiation.PowMany(alpha, challenges);
        ElementModP[] betaPowers = Exponentiation.PowMany(beta, challenges);
        for (int j = 0; j < 2; j++)
        {
            ElementModQ c = challenges[j];
            ElementModQ v = Egk20Arithmetic.Exponent(pairs[j].V);
            ElementModQ w = v - (Egk20Arithmetic.Exponent(j) * c);
            hash.ModP(Group.GPow(v) * alphaPowers[j]).ModP(_math.KPow(w) * betaPowers[j]);
        }

        return (s.C0 + s.C1) % Group.Q == hash.FinishInteger() % Group.Q;
    }

    private (Selection Selection, ElementModQ Nonce) Encrypt(Random random, int sigma)
    {
        ElementModQ xi = RandomQ(random);
        return (Prove(random, sigma, xi), xi);
    }

    /// <summary>(α, β) = (g^ξ, K^(σ+ξ)) with the 2.0 compact 0/1 proof: real branch σ, simulated branch 1 − σ.</summary>
    private Selection Prove(Random random, int sigma, ElementModQ xi)
    {
        ElementModP alpha = Group.GPow(xi);
        ElementModP beta = _math.KPow(xi + ElementModQ.FromInt64(Group, sigma));
        ElementModQ u = RandomQ(random);
        ElementModQ cFake = RandomQ(random);
        ElementModQ vFake = RandomQ(random);
        int fake = 1 - sigma;
        ElementModP[] a = new ElementModP[2];
        ElementModP[] bCommit = new ElementModP[2];
        a[sigma] = Group.GPow(u);
        bCommit[sigma] = _math.KPow(u);
        ElementModQ wFake = vFake - (ElementModQ.FromInt64(Group, fake) * cFake);
        a[fake] = Egk20Arithmetic.GPowTimes(vFake, alpha, cFake);
        bCommit[fake] = _math.KPowTimes(wFake, beta, cFake);
        using Egk20Hash hash = Egk20Hash.Start(_he, 0x21).ModP(_math.K!).ModP(alpha).ModP(beta).ModP(a[0]).ModP(bCommit[0]).ModP(a[1]).ModP(bCommit[1]);
        ElementModQ c = Egk20Arithmetic.Exponent(hash.FinishInteger());
        ElementModQ cReal = c - cFake;
        // a_σ = g^v·α^c_σ = g^u ⇒ v = u − c_σ·ξ; b_σ = K^(v − σ·c_σ)·β^c_σ = K^u as β = K^(σ+ξ).
        ElementModQ vReal = u - (cReal * xi);
        ElementModQ[] cs = new ElementModQ[2];
        ElementModQ[] vs = new ElementModQ[2];
        cs[sigma] = cReal;
        vs[sigma] = vReal;
        cs[fake] = cFake;
        vs[fake] = vFake;
        return new Selection(Value(alpha), Value(beta), Value(cs[0]), Value(vs[0]), Value(cs[1]), Value(vs[1]));
    }

    private static ElementModQ RandomQ(Random random)
    {
        byte[] bytes = new byte[64];
        random.NextBytes(bytes);
        return ElementModQ.FromBytesReduced(Group, bytes);
    }

    private static BigInteger Value(ElementModP x) => new(x.Encode(), isUnsigned: true, isBigEndian: true);

    private static BigInteger Value(ElementModQ x) => new(Convert.FromHexString(x.ToHex()), isUnsigned: true, isBigEndian: true);
}

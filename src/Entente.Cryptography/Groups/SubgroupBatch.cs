using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography;

/// <summary>
/// Batched subgroup membership (ElectionGuard "x ∈ Z_p^r": 0 ≤ x &lt; p and x^q mod p = 1) for many
/// values read from a record, at a fraction of the cost of one x^q per value:
/// <list type="number">
/// <item>range: 0 ≤ x_i &lt; p;</item>
/// <item>the Legendre symbol (x_i | p) = 1 for every value (binary Jacobi algorithm): rules out 0 and
/// every component of even order, which random exponents would catch only half the time;</item>
/// <item>one small-exponent test per batch: (Π x_i^(e_i))^q = 1 with independent uniform 64-bit e_i
/// (bucket multi-exponentiation, then one exponentiation by q).</item>
/// </list>
/// If the batch test fails, the batch is split in halves and each half is tested again with fresh
/// exponents, down to single values checked with x^q, so every non-member is named.
/// See <c>docs/verifier-batch-checks.md</c> for the soundness argument: when p − 1 = q·r with
/// r = 2·r′, r′ prime and r′ &gt; 2^64 (the standard and reduced groups), a batch that contains a
/// non-member passes with probability at most 2^-64. For groups without that structure (most toy
/// groups) every value that passes steps 1 and 2 is checked with its own x^q.
/// </summary>
/// <remarks>
/// The exponents must be unpredictable to whoever chose the values: by default each call draws a
/// 32-byte seed from <see cref="RandomNumberGenerator"/>. The seeded overloads exist for reproducible
/// tests and benchmarks; a verifier must not take the seed from the record it checks.
/// All values are public (variable-time arithmetic).
/// </remarks>
public static class SubgroupBatch
{
    /// <summary>Bits of each random exponent e_i: a non-member escapes a batch with probability at most 2^-64.</summary>
    public const int ExponentBits = 64;

    /// <summary>Most values tested in one multi-exponentiation (bounds working memory: about 1.3 KiB per value for the standard group).</summary>
    public const int MaxBatchSize = 1024;

    /// <summary>At or below this many values a batch (or a half of a failed one) is checked value by value.</summary>
    private const int SplitFloor = 2;

    private static readonly ConcurrentDictionary<Group, bool> Soundness = new();

    /// <summary>
    /// Whether <paramref name="group"/> has the structure the batch test needs (r = 2·r′ with r′ a prime
    /// above 2^64, q not dividing r). The standard and reduced groups do (their r′ is a 3,840- and
    /// 2,816-bit prime; the test suite checks it); for the toy groups it is computed.
    /// </summary>
    public static bool IsBatchSound(Group group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Soundness.GetOrAdd(group, static g =>
        {
            if (ReferenceEquals(g, Group.Standard) || ReferenceEquals(g, Group.Reduced3072))
            {
                // Checked by SubgroupBatchTests (Miller–Rabin on r/2): too slow to repeat in every process.
                return true;
            }

            return HasBatchStructure(g, millerRabinRounds: 32);
        });
    }

    /// <summary>The structure check behind <see cref="IsBatchSound"/>, computed (slow for large groups).</summary>
    internal static bool HasBatchStructure(Group group, int millerRabinRounds)
    {
        BigInteger r = group.R;
        if (group.P - BigInteger.One != group.Q * r || r % 4 != 2 || (r % group.Q).IsZero)
        {
            return false;
        }

        BigInteger half = r >> 1;
        return half > (BigInteger.One << ExponentBits) && Primality.IsProbablePrime(half, millerRabinRounds, null);
    }

    /// <summary>The Legendre symbol (x | p) of 0 ≤ x &lt; p: 1 for members of Z_p^r and other squares, −1 for non-squares, 0 for 0.</summary>
    public static int LegendreSymbol(Group group, BigInteger x)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (x.Sign < 0 || x >= group.P)
        {
            throw new ArgumentOutOfRangeException(nameof(x), "The value must satisfy 0 ≤ x < p.");
        }

        ulong[] limbs = Group.ToLimbs(x, group.PLimbCount);
        Span<ulong> scratch = stackalloc ulong[LimbJacobi.ScratchLength(group.PLimbCount)];
        return LimbJacobi.Symbol(limbs, group.PLimbs, scratch);
    }

    /// <summary>Checks every value with fresh random exponents.</summary>
    /// <param name="group">The group whose subgroup Z_p^r is checked.</param>
    /// <param name="values">The values (any integers: negative ones and ones ≥ p are reported out of range).</param>
    /// <param name="maxDegreeOfParallelism">Threads to use (1: the calling thread only).</param>
    public static SubgroupBatchResult Check(Group group, IReadOnlyList<BigInteger> values, int maxDegreeOfParallelism = 1)
    {
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        return Check(group, values, seed, maxDegreeOfParallelism);
    }

    /// <summary>Checks every value with exponents derived from <paramref name="seed"/> (reproducible; see the remarks on the type).</summary>
    public static SubgroupBatchResult Check(Group group, IReadOnlyList<BigInteger> values, ReadOnlySpan<byte> seed, int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(values);
        ulong[]?[] limbs = new ulong[values.Count][];
        for (int i = 0; i < values.Count; i++)
        {
            BigInteger x = values[i];
            limbs[i] = x.Sign >= 0 && x < group.P ? Group.ToLimbs(x, group.PLimbCount) : null;
        }

        return Run(group, limbs, seed, maxDegreeOfParallelism);
    }

    /// <summary>Decodes b(x, l_p) encodings (exactly l_p big-endian bytes each) and checks them with fresh random exponents.</summary>
    public static SubgroupBatchResult Decode(Group group, IReadOnlyList<ReadOnlyMemory<byte>> encodings, int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(encodings);
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        ulong[]?[] limbs = new ulong[encodings.Count][];
        for (int i = 0; i < encodings.Count; i++)
        {
            ReadOnlySpan<byte> bytes = encodings[i].Span;
            ulong[] value = new ulong[group.PLimbCount];
            limbs[i] = bytes.Length == group.PByteLength && ElementModP.TryReadBigEndian(bytes, value) && ElementModP.IsLessThan(value, group.PLimbs)
                ? value
                : null;
        }

        return Run(group, limbs, seed, maxDegreeOfParallelism);
    }

    private static SubgroupBatchResult Run(Group group, ulong[]?[] limbs, ReadOnlySpan<byte> seed, int maxDegreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        int count = limbs.Length;
        SubgroupCheckFailure[] failures = new SubgroupCheckFailure[count];
        ParallelOptions parallel = new() { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        byte[] key = seed.ToArray();

        // Steps 1 and 2: range (done while converting) and the Legendre symbol, value by value.
        ForEachRange(count, parallel, (from, to) =>
        {
            int limbCount = group.PLimbCount;
            Span<ulong> scratch = stackalloc ulong[LimbJacobi.ScratchLength(limbCount)];
            for (int i = from; i < to; i++)
            {
                if (limbs[i] is not ulong[] value)
                {
                    failures[i] = SubgroupCheckFailure.OutOfRange;
                }
                else if (LimbJacobi.Symbol(value, group.PLimbs, scratch) != 1)
                {
                    failures[i] = SubgroupCheckFailure.NotQuadraticResidue;
                }
            }
        });

        List<int> candidates = [];
        for (int i = 0; i < count; i++)
        {
            if (failures[i] == SubgroupCheckFailure.None)
            {
                candidates.Add(i);
            }
        }

        bool batch = IsBatchSound(group);
        int singles = 0;
        int batches = 0;
        if (!batch)
        {
            // No batch structure: x^q for every candidate.
            Parallel.For(0, candidates.Count, parallel, k =>
            {
                int i = candidates[k];
                if (!IsMemberSingle(group, limbs[i]!))
                {
                    failures[i] = SubgroupCheckFailure.NotInSubgroup;
                }
            });
            singles = candidates.Count;
        }
        else if (candidates.Count > 0)
        {
            // Step 3: chunks of at most MaxBatchSize, at least one per thread.
            int chunks = Math.Max(Math.Min(maxDegreeOfParallelism, candidates.Count), (candidates.Count + MaxBatchSize - 1) / MaxBatchSize);
            int size = (candidates.Count + chunks - 1) / chunks;
            Parallel.For(0, chunks, parallel, c =>
            {
                int from = c * size;
                int to = Math.Min(candidates.Count, from + size);
                if (from >= to)
                {
                    return;
                }

                (int s, int b) = Resolve(group, limbs, candidates.GetRange(from, to - from), failures, key, (ulong)c, path: 1);
                Interlocked.Add(ref singles, s);
                Interlocked.Add(ref batches, b);
            });
        }

        ElementModP?[] elements = new ElementModP?[count];
        List<int> rejected = [];
        for (int i = 0; i < count; i++)
        {
            if (failures[i] == SubgroupCheckFailure.None)
            {
                elements[i] = new ElementModP(group, limbs[i]!);
            }
            else
            {
                rejected.Add(i);
            }
        }

        return new SubgroupBatchResult(elements, failures, rejected, batch, batches, singles);
    }

    /// <summary>Tests a batch; on failure splits it, so every non-member ends up marked. Returns (single checks, batch tests).</summary>
    private static (int Singles, int Batches) Resolve(Group group, ulong[]?[] limbs, List<int> indices, SubgroupCheckFailure[] failures, byte[] key, ulong chunk, ulong path)
    {
        if (indices.Count <= SplitFloor)
        {
            foreach (int i in indices)
            {
                if (!IsMemberSingle(group, limbs[i]!))
                {
                    failures[i] = SubgroupCheckFailure.NotInSubgroup;
                }
            }

            return (indices.Count, 0);
        }

        if (BatchPasses(group, limbs, indices, key, chunk, path))
        {
            return (0, 1);
        }

        // Paths are 1, then 2·path and 2·path + 1 for the halves: each test gets its own exponents.
        int half = indices.Count / 2;
        (int s1, int b1) = Resolve(group, limbs, indices.GetRange(0, half), failures, key, chunk, 2 * path);
        (int s2, int b2) = Resolve(group, limbs, indices.GetRange(half, indices.Count - half), failures, key, chunk, (2 * path) + 1);
        return (s1 + s2, 1 + b1 + b2);
    }

    /// <summary>(Π x_i^(e_i))^q = 1 with e_i = the first 8 bytes of HMAC-SHA-256(seed, chunk ∥ path ∥ i).</summary>
    private static bool BatchPasses(Group group, ulong[]?[] limbs, List<int> indices, byte[] key, ulong chunk, ulong path)
    {
        int limbCount = group.PLimbCount;
        ulong[] bases = new ulong[indices.Count * limbCount];
        ulong[] exponents = new ulong[indices.Count];
        Span<byte> message = stackalloc byte[20];
        Span<byte> mac = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(message, chunk);
        BinaryPrimitives.WriteUInt64BigEndian(message[8..], path);
        using IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            limbs[i]!.CopyTo(bases, k * limbCount);
            BinaryPrimitives.WriteInt32BigEndian(message[16..], i);
            hmac.AppendData(message);
            hmac.GetHashAndReset(mac);
            exponents[k] = BinaryPrimitives.ReadUInt64LittleEndian(mac);
        }

        ulong[] product = new ulong[limbCount];
        group.Arithmetic.MultiPowSmall(bases, exponents, product);
        ulong[] power = new ulong[limbCount];
        group.Arithmetic.Pow(product, group.QLimbs, power);
        return IsOne(power);
    }

    private static bool IsMemberSingle(Group group, ulong[] value)
    {
        ulong[] power = new ulong[value.Length];
        group.Arithmetic.Pow(value, group.QLimbs, power);
        return IsOne(power);
    }

    private static bool IsOne(ReadOnlySpan<ulong> value) => value[0] == 1 && value[1..].IndexOfAnyExcept(0UL) < 0;

    private delegate void RangeAction(int from, int to);

    private static void ForEachRange(int count, ParallelOptions parallel, RangeAction action)
    {
        int parts = Math.Max(1, Math.Min(parallel.MaxDegreeOfParallelism, count / 8));
        if (parts == 1)
        {
            action(0, count);
            return;
        }

        int size = (count + parts - 1) / parts;
        Parallel.For(0, parts, parallel, part =>
        {
            int from = part * size;
            action(from, Math.Min(count, from + size));
        });
        Debug.Assert(parts * size >= count);
    }
}

/// <summary>Why a value is not in Z_p^r (<see cref="SubgroupBatch"/>).</summary>
public enum SubgroupCheckFailure
{
    /// <summary>The value is a member.</summary>
    None,

    /// <summary>The value is negative or not less than p (or its encoding has the wrong length).</summary>
    OutOfRange,

    /// <summary>The Legendre symbol (x | p) is not 1: x is 0 or has a component of even order.</summary>
    NotQuadraticResidue,

    /// <summary>x^q mod p ≠ 1 (found by splitting a failed batch, or by the single check).</summary>
    NotInSubgroup,
}

/// <summary>The outcome of <see cref="SubgroupBatch"/>: an element for each member, the reason for each other value.</summary>
public sealed class SubgroupBatchResult
{
    private readonly SubgroupCheckFailure[] _failures;

    internal SubgroupBatchResult(ElementModP?[] elements, SubgroupCheckFailure[] failures, List<int> rejected, bool batched, int batchTests, int singleChecks)
    {
        Elements = elements;
        _failures = failures;
        Rejected = rejected;
        Batched = batched;
        BatchTests = batchTests;
        SingleChecks = singleChecks;
    }

    /// <summary>For each input, its element, or null when it is not a member of Z_p^r.</summary>
    public IReadOnlyList<ElementModP?> Elements { get; }

    /// <summary>The indices of the values that are not members, ascending (empty when all are).</summary>
    public IReadOnlyList<int> Rejected { get; }

    /// <summary>True when every value is a member.</summary>
    public bool AllMembers => Rejected.Count == 0;

    /// <summary>Whether the random-exponent batch test was used (false: every candidate got its own x^q).</summary>
    public bool Batched { get; }

    /// <summary>Batch tests run (one per chunk, more when a failed batch was split).</summary>
    public int BatchTests { get; }

    /// <summary>Values checked with their own x^q.</summary>
    public int SingleChecks { get; }

    /// <summary>Why value <paramref name="index"/> is not a member (<see cref="SubgroupCheckFailure.None"/> when it is).</summary>
    public SubgroupCheckFailure Failure(int index) => _failures[index];
}

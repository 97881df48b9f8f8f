using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// The arithmetic and hashing the 2.1 verification equations need, built only on the primitives of
/// Entente.Cryptography (elements, fixed-base tables, exponentiation, HMAC-SHA-256 and H_q): subgroup
/// membership of record values (one method, <see cref="Members"/>, so that a batched check can replace
/// it), g^a from the table of g, K^a and K̂^a from the tables of the joint keys, and the hash inputs of
/// §5 written from raw record bytes (so a hash check does not depend on the value being valid).
/// </summary>
internal sealed class NativeMath
{
    private readonly VerificationMemo? _memo;
    private readonly BigInteger _p;

    public NativeMath(Group group, VerificationMemo? memo)
    {
        Group = group;
        _memo = memo;
        _p = group.P;
    }

    public Group Group { get; }

    /// <summary>The joint vote key K, once step 3 found it valid.</summary>
    public ElGamalPublicKey? K { get; set; }

    /// <summary>The joint data key K̂, once step 3 found it valid.</summary>
    public ElGamalPublicKey? KHat { get; set; }

    /// <summary>
    /// Subgroup membership of every encoding (0 ≤ x &lt; p and x^q mod p = 1): the element, or null
    /// when the value is not in Z_p^r. Every membership decision of the verifier goes through here, a
    /// batch at a time (one ballot's values), so that a batched check can be swapped in.
    /// </summary>
    public ElementModP?[] Members(IReadOnlyList<byte[]> encodings)
    {
        ElementModP?[] result = new ElementModP?[encodings.Count];
        List<int> pending = new(encodings.Count);
        string label = "2.1 Z_p^r member " + Group.Name;
        for (int i = 0; i < encodings.Count; i++)
        {
            if (_memo is not null && _memo.TryGet(label, encodings[i], out ElementModP? remembered))
            {
                result[i] = remembered;
            }
            else
            {
                pending.Add(i);
            }
        }

        if (pending.Count == 1)
        {
            result[pending[0]] = Decode(encodings[pending[0]]);
        }
        else if (pending.Count > 1)
        {
            // One batched test for the whole group of values (docs/verifier-batch-checks.md): range and
            // Legendre symbol per value, then (Π x_i^e_i)^q = 1 with random 64-bit e_i; a failing batch
            // is split until every non-member is named, so each still gets its own failure.
            SubgroupBatchResult batch = SubgroupBatch.Decode(Group, [.. pending.Select(i => (ReadOnlyMemory<byte>)encodings[i])]);
            for (int j = 0; j < pending.Count; j++)
            {
                result[pending[j]] = batch.Elements[j];
            }
        }

        if (_memo is not null)
        {
            foreach (int i in pending)
            {
                ElementModP? element = result[i];
                _memo.GetOrAdd(label, encodings[i], () => element);
            }
        }

        return result;
    }

    /// <summary>One value's membership (see <see cref="Members"/>).</summary>
    public bool TryMember(byte[] encoding, [NotNullWhen(true)] out ElementModP? element)
    {
        element = Members([encoding])[0];
        return element is not null;
    }

    private ElementModP? Decode(byte[] bytes) => ElementModP.TryDecode(Group, bytes, out ElementModP? element) ? element : null;

    /// <summary>Why a value is not in Z_p^r: "≥ p" or "outside the order-q subgroup".</summary>
    public string WhyNotMember(byte[] encoding)
    {
        BigInteger x = new(encoding, isUnsigned: true, isBigEndian: true);
        return x >= _p ? "is not less than p" : x.IsZero ? "is 0" : "is not in the order-q subgroup (x^q mod p ≠ 1)";
    }

    /// <summary>A Z_q value: x &lt; q, else null.</summary>
    public ElementModQ? Scalar(byte[] encoding) => ElementModQ.TryDecode(Group, encoding, out ElementModQ? x) ? x : null;

    /// <summary>g^a from the fixed-base table of g.</summary>
    public ElementModP GPow(ElementModQ a) => Group.GPow(a);

    /// <summary>g^v · x^c (eqs 2.1, 6.1, 7.3, 10.2 …): g^v from the table, x^c variable-base.</summary>
    public ElementModP GPowTimes(ElementModQ v, ElementModP x, ElementModQ c) => Group.GPow(v) * x.Pow(c);

    /// <summary>
    /// The commitments of a range proof (6.1–6.2, 7.3–7.4): a_j = g^v_j · α^c_j and b_j = K^w_j · β^c_j with
    /// w_j = v_j − j·c_j, returned as a_0, b_0, a_1, b_1, …. The powers of α and of β are two batches of
    /// shared-base powers (<see cref="Exponentiation.PowMany"/>: one call each, squarings shared by all
    /// the proof's challenges); g^v_j and K^w_j come from the fixed-base tables.
    /// </summary>
    public ElementModP[] RangeCommitments(ElementModP alpha, ElementModP beta, ElementModQ[] c, ElementModQ[] v)
    {
        ElementModP[] alphaPowers = Exponentiation.PowMany(alpha, c);
        ElementModP[] betaPowers = Exponentiation.PowMany(beta, c);
        ElementModP[] commitments = new ElementModP[2 * c.Length];
        for (int j = 0; j < c.Length; j++)
        {
            ElementModQ w = v[j] - (Small(j) * c[j]);
            commitments[2 * j] = Group.GPow(v[j]) * alphaPowers[j];
            commitments[(2 * j) + 1] = K!.Pow(w) * betaPowers[j];
        }

        return commitments;
    }

    /// <summary>K^w · x^c with K^w from the table of K.</summary>
    public ElementModP KPowTimes(ElementModQ w, ElementModP x, ElementModQ c) => K!.Pow(w) * x.Pow(c);

    /// <summary>A small non-negative integer as an exponent mod q.</summary>
    public ElementModQ Small(long value) => ElementModQ.FromInt64(Group, value);

    /// <summary>Starts a hash input B1 with its domain-separation byte.</summary>
    public HashInput Input(byte domain) => HashInput.Create(Group, domain);

    /// <summary>H(key; B1).</summary>
    public static byte[] H(ReadOnlySpan<byte> key, HashInput input) => input.Hash(key).ToArray();

    /// <summary>H_q(key; B1) as its l_q-byte encoding.</summary>
    public byte[] Hq(ReadOnlySpan<byte> key, HashInput input) => ElectionHash.Hq(Group, key, input.Written).Encode();

    /// <summary>b(x, 32) of a Z_q value given as l_q bytes (b(C2, 64) = b(c,32) ∥ b(v,32), E4).</summary>
    public static byte[] Pad32(byte[] value)
    {
        if (value.Length >= 32)
        {
            return value;
        }

        byte[] padded = new byte[32];
        value.CopyTo(padded, 32 - value.Length);
        return padded;
    }

    /// <summary>mode ∥ 32 bytes: a chaining field B_C.</summary>
    public static byte[] ChainingField(int mode, ReadOnlySpan<byte> value)
    {
        byte[] field = new byte[36];
        BinaryPrimitives.WriteInt32BigEndian(field, mode);
        value.CopyTo(field.AsSpan(4));
        return field;
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}

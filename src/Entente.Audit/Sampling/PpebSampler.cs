// PPEB: sampling batches with probability proportional to their error bound (Aslam, Popa and Rivest, "On auditing
// elections when precincts have different sizes", EVT 2008), with replacement, as MACRO's risk measurement assumes
// (Stark, "Efficient post-election audits of multiple contests", 2009). Arlo draws with NumPy's generator seeded from
// the audit seed; we do not reproduce that generator. Ours is exact and needs only SHA-256 and integers:
//
//   weights  w_p ≥ 0 are integers (MacroWeights makes them exactly proportional to u_p), W = Σ w_p > 0;
//   ticket i (1, 2, 3, …):  h_i = SHA-256( "entente/audit/ppeb/v1" || 0x00 || LP(seed) || uint64_be(i) ) as a
//                            256-bit unsigned big-endian integer,
//                            x_i = ⌊ h_i · W / 2^256 ⌋ ∈ [0, W),
//                            the draw is the first batch p (manifest order) with w_1 + … + w_p > x_i.
//
// Sound: with the seed unpredictable when the weights were fixed (commit-then-reveal after the reported tallies are
// committed), the h_i are modelled as independent uniform 256-bit integers, so P(draw = p) = w_p/W within 2^-256,
// independently for every ticket: sampling with replacement with probability u_p/U, which is what MACRO's bound
// Π (1 − 1/U)/(1 − t_p) needs. A batch of weight 0 is never drawn (it cannot hide an error). Ticket numbers make the
// sample consistent: round 2 continues with tickets n+1, n+2, …, so the first n draws never change.
using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Audit.Sampling;

/// <summary>One PPEB draw: the ticket number and the drawn batch's index in the weight list.</summary>
/// <param name="Ticket">The ticket number, 1-based, over all rounds.</param>
/// <param name="Index">Index of the drawn batch in the weights given.</param>
public readonly record struct PpebDraw(long Ticket, int Index);

/// <summary>The PPEB batch sampler (see the file's header for the exact definition).</summary>
public static class PpebSampler
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("entente/audit/ppeb/v1");

    /// <summary>Draws tickets <paramref name="firstTicket"/> … firstTicket + count − 1.</summary>
    public static IReadOnlyList<PpebDraw> Draw(string seed, IReadOnlyList<BigInteger> weights, long firstTicket, long count)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstTicket, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (weights.Any(w => w.Sign < 0))
        {
            throw new ArgumentException("Weights must not be negative.", nameof(weights));
        }

        BigInteger total = weights.Aggregate(BigInteger.Zero, (a, b) => a + b);
        if (total.IsZero)
        {
            throw new ArgumentException("At least one batch needs a positive weight.", nameof(weights));
        }

        BigInteger[] cumulative = new BigInteger[weights.Count];
        BigInteger running = BigInteger.Zero;
        for (int i = 0; i < weights.Count; i++)
        {
            running += weights[i];
            cumulative[i] = running;
        }

        List<PpebDraw> draws = [];
        for (long t = firstTicket; t < firstTicket + count; t++)
        {
            BigInteger x = (Hash(seed, t) * total) >> 256;
            int index = Array.FindIndex(cumulative, c => c > x);
            draws.Add(new PpebDraw(t, index));
        }

        return draws;
    }

    /// <summary>h_i: SHA-256("entente/audit/ppeb/v1" || 0x00 || LP(seed) || uint64_be(ticket)) as an unsigned integer.</summary>
    public static BigInteger Hash(string seed, long ticket)
    {
        ArgumentNullException.ThrowIfNull(seed);
        byte[] seedBytes = Encoding.UTF8.GetBytes(seed);
        byte[] message = new byte[Domain.Length + 1 + 4 + seedBytes.Length + 8];
        Domain.CopyTo(message, 0);
        int o = Domain.Length + 1;
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(o), (uint)seedBytes.Length);
        seedBytes.CopyTo(message, o + 4);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(o + 4 + seedBytes.Length), (ulong)ticket);
        return new BigInteger(SHA256.HashData(message), isUnsigned: true, isBigEndian: true);
    }
}

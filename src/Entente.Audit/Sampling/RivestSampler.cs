// Rivest's sampler.py (Ronald L. Rivest, 14 November 2011), SHA-256 counter mode.
// pick_i = a + (BigEndianUnsigned(SHA256(UTF8(seed + "," + decimal(i)))) mod (b - a + 1)), i = 1, 2, ...
// Without replacement a repeated pick is rejected and the counter still advances. No bias correction:
// plain reduction of a 256-bit value, exactly as the reference program and ColoradoRLA do.
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Audit.Sampling;

/// <summary>Rivest's 2011 <c>sampler.py</c>: reproducible picks of integers in a range from a public seed.</summary>
public static class RivestSampler
{
    /// <summary>The integer drawn with counter <paramref name="counter"/> (1-based) from the range [low, high].</summary>
    public static BigInteger Pick(string seed, long counter, BigInteger low, BigInteger high)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentOutOfRangeException.ThrowIfLessThan(counter, 1);
        if (high < low)
        {
            throw new ArgumentOutOfRangeException(nameof(high), "The range is empty.");
        }

        byte[] message = Encoding.UTF8.GetBytes(seed + "," + counter.ToString(CultureInfo.InvariantCulture));
        byte[] digest = SHA256.HashData(message);
        BigInteger value = new(digest, isUnsigned: true, isBigEndian: true);
        return low + (value % (high - low + 1));
    }

    /// <summary>
    /// Draws <paramref name="count"/> ballot numbers in 1..<paramref name="total"/>, in draw order, after
    /// skipping the first <paramref name="skip"/> accepted picks ("expanded sample").
    /// </summary>
    public static IReadOnlyList<long> Draw(string seed, long total, int count, bool withReplacement, int skip = 0)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        if (!withReplacement && (long)count + skip > total)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot draw {count + (long)skip} distinct numbers from 1..{total}.");
        }

        List<long> result = new(count);
        HashSet<long>? seen = withReplacement ? null : [];
        int accepted = 0;
        for (long counter = 1; result.Count < count; counter++)
        {
            long pick = (long)Pick(seed, counter, BigInteger.One, total);
            if (seen is not null && !seen.Add(pick))
            {
                continue;
            }

            if (accepted++ >= skip)
            {
                result.Add(pick);
            }
        }

        return result;
    }
}

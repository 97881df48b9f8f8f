using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography;

/// <summary>
/// Miller–Rabin (FIPS 186-5 B.3.1) with bases derived deterministically from SHA-256, so a check of
/// fixed parameters gives the same answer on every run. For p the exponentiations go through the
/// group's arithmetic engine; small numbers use <see cref="BigInteger.ModPow"/>.
/// </summary>
internal static class Primality
{
    public static bool IsProbablePrime(BigInteger n, int rounds, IModularArithmetic? engine)
    {
        if (n < 2)
        {
            return false;
        }

        foreach (int small in (ReadOnlySpan<int>)[2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37])
        {
            if (n == small)
            {
                return true;
            }

            if (n % small == 0)
            {
                return false;
            }
        }

        BigInteger nMinusOne = n - 1;
        int s = 0;
        BigInteger d = nMinusOne;
        while (d.IsEven)
        {
            d >>= 1;
            s++;
        }

        int limbs = engine?.LimbCount ?? 0;
        for (int round = 0; round < rounds; round++)
        {
            BigInteger a = DeriveBase(n, round);
            BigInteger x = engine is null ? BigInteger.ModPow(a, d, n) : EnginePow(engine, limbs, a, d);
            if (x.IsOne || x == nMinusOne)
            {
                continue;
            }

            bool composite = true;
            for (int i = 1; i < s; i++)
            {
                x = x * x % n;
                if (x == nMinusOne)
                {
                    composite = false;
                    break;
                }

                if (x.IsOne)
                {
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    private static BigInteger EnginePow(IModularArithmetic engine, int limbs, BigInteger a, BigInteger d)
    {
        ulong[] baseLimbs = Group.ToLimbs(a, limbs);
        int exponentLimbs = (int)((d.GetBitLength() + 63) / 64);
        ulong[] exponent = Group.ToLimbs(d, Math.Max(1, exponentLimbs));
        ulong[] result = new ulong[limbs];
        engine.Pow(baseLimbs, exponent, result);
        return ReferenceArithmetic.ToBigInteger(result);
    }

    /// <summary>Base number <paramref name="round"/> in [2, n − 2], from SHA-256 in counter mode.</summary>
    private static BigInteger DeriveBase(BigInteger n, int round)
    {
        int bytes = (int)((n.GetBitLength() + 7) / 8) + 16;
        byte[] stream = new byte[bytes];
        byte[] prefix = Encoding.ASCII.GetBytes("entente-miller-rabin");
        int written = 0;
        for (int block = 0; written < bytes; block++)
        {
            byte[] input = [.. prefix, (byte)(round >> 8), (byte)round, (byte)(block >> 8), (byte)block];
            byte[] digest = SHA256.HashData(input);
            int take = Math.Min(digest.Length, bytes - written);
            digest.AsSpan(0, take).CopyTo(stream.AsSpan(written));
            written += take;
        }

        BigInteger value = new(stream, isUnsigned: true, isBigEndian: true);
        return (value % (n - 3)) + 2;
    }
}

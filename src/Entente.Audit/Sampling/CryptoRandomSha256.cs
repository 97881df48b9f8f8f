// statlab/cryptorandom's SHA256 generator, the PRNG of SHANGRLA (P. B. Stark et al.). It is a different stream
// from Rivest's sampler.py: output_k = SHA-256(UTF8(str(seed) + ",") || k zero bytes), k = 0, 1, 2, ...
// Provided so a SHANGRLA sample can be cross-checked; Entente's own audits use Rivest's samplers.
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Audit.Sampling;

/// <summary>cryptorandom's SHA256 PRNG (counter of appended NUL bytes).</summary>
public sealed class CryptoRandomSha256
{
    private readonly byte[] _prefix;
    private long _counter;
    private BigInteger _bits;
    private int _bitsRemaining;

    /// <summary>Seeds the generator with str(seed).</summary>
    public CryptoRandomSha256(string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        _prefix = Encoding.UTF8.GetBytes(seed + ",");
    }

    /// <summary>The next 256-bit output as an unsigned integer.</summary>
    public BigInteger NextInteger()
    {
        byte[] message = new byte[_prefix.Length + _counter];
        _prefix.CopyTo(message, 0);
        _counter++;
        return new BigInteger(SHA256.HashData(message), isUnsigned: true, isBigEndian: true);
    }

    /// <summary>random(): the next output times 2^-256.</summary>
    public double NextDouble() => (double)NextInteger() / Math.Pow(2, 256);

    /// <summary>randint_trunc(a, b): a + output mod (b − a), biased but as in cryptorandom.</summary>
    public BigInteger NextTruncated(BigInteger a, BigInteger b) => a + (NextInteger() % (b - a));

    /// <summary>getrandbits(k): the low k bits of the buffered outputs, new outputs added above.</summary>
    public BigInteger GetRandomBits(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (_bitsRemaining == 0)
        {
            _bits = NextInteger();
            _bitsRemaining = 256;
        }

        while (k > _bitsRemaining)
        {
            _bits = (NextInteger() << _bitsRemaining) | _bits;
            _bitsRemaining += 256;
        }

        BigInteger value = _bits & ((BigInteger.One << k) - 1);
        _bitsRemaining -= k;
        _bits = _bitsRemaining > 0 ? _bits >> k : BigInteger.Zero;
        return value;
    }

    /// <summary>randbelow(n) by rejection on bit_length(n − 1) bits.</summary>
    public BigInteger NextBelow(BigInteger n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);

        int k = (int)Math.Max(1, (n - 1).GetBitLength());
        BigInteger r = GetRandomBits(k);
        while (r >= n)
        {
            r = GetRandomBits(k);
        }

        return r;
    }

    /// <summary>randint(a, b) = a + randbelow(b − a).</summary>
    public BigInteger NextInteger(BigInteger a, BigInteger b) => a + NextBelow(b - a);
}

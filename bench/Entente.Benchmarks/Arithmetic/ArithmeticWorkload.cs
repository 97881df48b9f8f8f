using System.Globalization;
using System.Numerics;
using Entente.Benchmarks.Gmp;
using Entente.Cryptography.Arithmetic;

namespace Entente.Benchmarks.Arithmetic;

/// <summary>
/// The inputs and the operations timed by the arithmetic benchmarks and by <c>entente bench</c>
/// (this file is linked into the CLI, not copied): the standard ElectionGuard 2.1 group (p of 4096
/// bits, g), a random base, and exponents of 256 bits (the size of q), each operation implemented by
/// our engine, by GMP (when present) and by System.Numerics.BigInteger, on the same numbers.
/// </summary>
internal sealed class ArithmeticWorkload : IDisposable
{
    /// <summary>The standard 4096-bit p (ElectionGuard 2.1 §3.1.1).</summary>
    public static readonly BigInteger P = Hex(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFB17217F7D1CF79ABC9E3B39803F2F6AF" +
        "40F343267298B62D8A0D175B8BAAFA2BE7B876206DEBAC98559552FB4AFA1B10ED2EAE35C138214427573B291169B825" +
        "3E96CA16224AE8C51ACBDA11317C387EB9EA9BC3B136603B256FA0EC7657F74B72CE87B19D6548CAF5DFA6BD38303248" +
        "655FA1872F20E3A2DA2D97C50F3FD5C607F4CA11FB5BFB90610D30F88FE551A2EE569D6DFC1EFA157D2E23DE1400B396" +
        "17460775DB8990E5C943E732B479CD33CCCC4E659393514C4C1A1E0BD1D6095D25669B333564A3376A9C7F8A5E148E82" +
        "074DB6015CFE7AA30C480A5417350D2C955D5179B1E17B9DAE313CDB6C606CB1078F735D1B2DB31B5F50B5185064C18B" +
        "4D162DB3B365853D7598A1951AE273EE5570B6C68F96983496D4E6D330AF889B44A02554731CDC8EA17293D1228A4EF9" +
        "8D6F5177FBCF0755268A5C1F9538B98261AFFD446B1CA3CF5E9222B88C66D3C5422183EDC99421090BBB16FAF3D949F2" +
        "36E02B20CEE886B905C128D53D0BD2F9621363196AF503020060E49908391A0C57339BA2BEBA7D052AC5B61CC4E9207C" +
        "EF2F0CE2D7373958D762265890445744FB5F2DA4B751005892D356890DEFE9CAD9B9D4B713E06162A2D8FDD0DF2FD608" +
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");

    /// <summary>The standard generator g (ElectionGuard 2.1 §3.1.1).</summary>
    public static readonly BigInteger G = Hex(
        "36036FED214F3B50DC566D3A312FE4131FEE1C2BCE6D02EA39B477AC05F7F885F38CFE77A7E45ACF4029114C4D7A9BFE" +
        "058BF2F995D2479D3DDA618FFD910D3C4236AB2CFDD783A5016F7465CF59BBF45D24A22F130F2D04FE93B2D58BB9C1D1" +
        "D27FC9A17D2AF49A779F3FFBDCA22900C14202EE6C99616034BE35CBCDD3E7BB7996ADFE534B63CCA41E21FF5DC778EB" +
        "B1B86C53BFBE99987D7AEA0756237FB40922139F90A62F2AA8D9AD34DFF799E33C857A6468D001ACF3B681DB87DC4242" +
        "755E2AC5A5027DB81984F033C4D178371F273DBB4FCEA1E628C23E52759BC7765728035CEA26B44C49A65666889820A4" +
        "5C33DD37EA4A1D00CB62305CD541BE1E8A92685A07012B1A20A746C3591A2DB3815000D2AACCFE43DC49E828C1ED7387" +
        "466AFD8E4BF1935593B2A442EEC271C50AD39F733797A1EA11802A2557916534662A6B7E9A9E449A24C8CFF809E79A4D" +
        "806EB681119330E6C57985E39B200B4893639FDFDEA49F76AD1ACD997EBA13657541E79EC57437E504EDA9DD01106151" +
        "6C643FB30D6D58AFCCD28B73FEDA29EC12B01A5EB86399A593A9D5F450DE39CB92962C5EC6925348DB54D128FD99C14B" +
        "457F883EC20112A75A6A0581D3D80A3B4EF09EC86F9552FFDA1653F133AA2534983A6F31B0EE4697935A6B1EA2F75B85" +
        "E7EBA151BA486094D68722B054633FEC51CA3F29B31E77E317B178B6B9D8AE0F");

    private readonly ulong[] _base;
    private readonly ulong[] _other;
    private readonly ulong[] _exponent;
    private readonly ulong[] _exponent2;
    private readonly ulong[] _result;
    private readonly BigInteger _bigBase, _bigOther, _bigExponent, _bigExponent2;
    private readonly GmpLibrary? _gmp;
    private readonly GmpInteger? _gP, _gG, _gBase, _gOther, _gExponent, _gExponent2, _gResult, _gScratch, _gScratch2;

    /// <summary>Prepares the inputs; <paramref name="engineKind"/> as ENTENTE_ARITHMETIC (null: the default choice).</summary>
    public ArithmeticWorkload(string? engineKind, GmpLibrary? gmp, int seed = 20261127)
    {
        int limbs = (int)((P.GetBitLength() + 63) / 64);
        Engine = ArithmeticEngine.Create(ToLimbs(P, limbs), engineKind);
        Random random = new(seed);
        _bigBase = RandomBelow(random, P);
        _bigOther = RandomBelow(random, P);
        BigInteger q = (BigInteger.One << 256) - 189;
        _bigExponent = RandomBelow(random, q) | (BigInteger.One << 255);
        _bigExponent2 = RandomBelow(random, q) | (BigInteger.One << 255);
        _base = ToLimbs(_bigBase, limbs);
        _other = ToLimbs(_bigOther, limbs);
        _exponent = ToLimbs(_bigExponent, 4);
        _exponent2 = ToLimbs(_bigExponent2, 4);
        _result = new ulong[limbs];
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Table = Engine.CreateFixedBaseTable(ToLimbs(G, limbs), 256);
        TableBuildTime = System.Diagnostics.Stopwatch.GetElapsedTime(start);

        _gmp = gmp;
        if (gmp is not null)
        {
            _gP = gmp.Create(ToLimbs(P, limbs));
            _gG = gmp.Create(ToLimbs(G, limbs));
            _gBase = gmp.Create(_base);
            _gOther = gmp.Create(_other);
            _gExponent = gmp.Create(_exponent);
            _gExponent2 = gmp.Create(_exponent2);
            _gResult = gmp.Create([0]);
            _gScratch = gmp.Create([0]);
            _gScratch2 = gmp.Create([0]);
        }
    }

    /// <summary>The engine under test.</summary>
    public IModularArithmetic Engine { get; }

    /// <summary>The fixed-base table for g (256-bit exponents).</summary>
    public IFixedBaseTable Table { get; }

    /// <summary>How long building <see cref="Table"/> took.</summary>
    public TimeSpan TableBuildTime { get; }

    /// <summary>Whether GMP baselines are available.</summary>
    public bool HasGmp => _gmp is not null;

    // ---- ours
    public void ModMul() => Engine.Multiply(_base, _other, _result);

    public void Pow() => Engine.Pow(_base, _exponent, _result);

    public void PowSecret() => Engine.PowSecret(_base, _exponent, _result);

    public void FixedBasePow() => Table.Pow(_exponent, _result);

    public void FixedBasePowSecret() => Table.PowSecret(_exponent, _result);

    public void PowProduct() => Engine.PowProduct(_base, _exponent, _other, _exponent2, _result);

    public IFixedBaseTable BuildTable() => Engine.CreateFixedBaseTable(_base, 256);

    // ---- GMP
    public void GmpModMul() => Gmp.MultiplyMod(_gResult!, _gScratch!, _gBase!, _gOther!, _gP!);

    public void GmpPow() => Gmp.PowMod(_gResult!, _gBase!, _gExponent!, _gP!);

    public void GmpPowSecret() => Gmp.PowModSecure(_gResult!, _gBase!, _gExponent!, _gP!);

    public void GmpFixedBasePow() => Gmp.PowMod(_gResult!, _gG!, _gExponent!, _gP!);

    public void GmpPowProduct()
    {
        Gmp.PowMod(_gScratch!, _gBase!, _gExponent!, _gP!);
        Gmp.PowMod(_gScratch2!, _gOther!, _gExponent2!, _gP!);
        Gmp.MultiplyMod(_gResult!, _gResult!, _gScratch!, _gScratch2!, _gP!);
    }

    // ---- BigInteger
    public BigInteger BigModMul() => _bigBase * _bigOther % P;

    public BigInteger BigPow() => BigInteger.ModPow(_bigBase, _bigExponent, P);

    public BigInteger BigFixedBasePow() => BigInteger.ModPow(G, _bigExponent, P);

    public BigInteger BigPowProduct() => BigInteger.ModPow(_bigBase, _bigExponent, P) * BigInteger.ModPow(_bigOther, _bigExponent2, P) % P;

    /// <summary>Runs every operation once and checks that all implementations agree; returns the first disagreement or null.</summary>
    public string? Verify()
    {
        (string Name, Action Ours, Func<BigInteger> Expected, Action? Gmp)[] checks =
        [
            ("modmul", ModMul, BigModMul, HasGmp ? GmpModMul : null),
            ("pow", Pow, BigPow, HasGmp ? GmpPow : null),
            ("pow secret", PowSecret, BigPow, HasGmp ? GmpPowSecret : null),
            ("fixed-base pow", FixedBasePow, BigFixedBasePow, HasGmp ? GmpFixedBasePow : null),
            ("fixed-base pow secret", FixedBasePowSecret, BigFixedBasePow, HasGmp ? GmpFixedBasePow : null),
            ("pow product", PowProduct, BigPowProduct, HasGmp ? GmpPowProduct : null),
        ];
        Span<ulong> gmpResult = stackalloc ulong[_result.Length];
        foreach ((string name, Action ours, Func<BigInteger> expected, Action? gmp) in checks)
        {
            ours();
            BigInteger value = expected();
            if (ReferenceArithmetic.ToBigInteger(_result) != value)
            {
                return $"{name}: {Engine.EngineName} disagrees with BigInteger";
            }

            if (gmp is not null)
            {
                gmp();
                _gmp!.Export(_gResult!, gmpResult);
                if (ReferenceArithmetic.ToBigInteger(gmpResult) != value)
                {
                    return $"{name}: GMP disagrees with BigInteger";
                }
            }
        }

        return null;
    }

    public void Dispose()
    {
        foreach (GmpInteger? value in new[] { _gP, _gG, _gBase, _gOther, _gExponent, _gExponent2, _gResult, _gScratch, _gScratch2 })
        {
            value?.Dispose();
        }
    }

    private GmpLibrary Gmp => _gmp ?? throw new InvalidOperationException("GMP is not available on this machine.");

    private static ulong[] ToLimbs(BigInteger value, int limbs)
    {
        ulong[] result = new ulong[limbs];
        ReferenceArithmetic.FromBigInteger(value, result);
        return result;
    }

    private static BigInteger RandomBelow(Random random, BigInteger bound)
    {
        byte[] bytes = new byte[(bound.GetBitLength() / 8) + 16];
        random.NextBytes(bytes);
        return new BigInteger(bytes, isUnsigned: true) % bound;
    }

    private static BigInteger Hex(string hex) => BigInteger.Parse("0" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}

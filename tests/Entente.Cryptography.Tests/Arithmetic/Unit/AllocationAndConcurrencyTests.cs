using System.Numerics;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography.Tests.Arithmetic.Unit;

public class AllocationAndConcurrencyTests
{
    public static TheoryData<string, string> Engines()
    {
        TheoryData<string, string> data = [];
        foreach (string modulus in new[] { "p4096", "q256", "p32" })
        {
            foreach (string kind in Contract.EngineContractTests.EngineKinds().Where(k => k != "reference"))
            {
                data.Add(modulus, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Operations_allocate_nothing_once_warm(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Contract.EngineContractTests.Create(m, kind);
        Random random = new(77);
        ulong[] a = Contract.EngineContractTests.Limbs(engine, TestModuli.Random(random, m));
        ulong[] b = Contract.EngineContractTests.Limbs(engine, TestModuli.Random(random, m));
        ulong[] e = Contract.EngineContractTests.ExponentLimbs(TestModuli.Random(random, TestModuli.Q), 4);
        ulong[] result = new ulong[engine.LimbCount];
        IFixedBaseTable table = engine.CreateFixedBaseTable(a, 256);
        Action[] operations =
        [
            () => engine.Multiply(a, b, result),
            () => engine.Pow(a, e, result),
            () => engine.PowSecret(a, e, result),
            () => engine.PowProduct(a, e, b, e, result),
            () => table.Pow(e, result),
            () => table.PowSecret(e, result),
        ];
        foreach (Action operation in operations)
        {
            operation();
            operation();

            // The scratch comes from ArrayPool.Shared, which may drop its arrays when a garbage collection
            // happens to run in between (pool trimming); an operation that allocates does so every time,
            // so the least of three measured calls is 0 exactly when the operation itself allocates nothing.
            long least = long.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                operation();
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            Assert.Equal(0, least);
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void One_engine_and_one_table_serve_several_threads_at_once(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Contract.EngineContractTests.Create(m, kind);
        BigInteger g = TestModuli.Random(new Random(78), m);
        IFixedBaseTable table = engine.CreateFixedBaseTable(Contract.EngineContractTests.Limbs(engine, g), 256);
        int failures = 0;
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            Random random = new(1000 + i);
            ulong[] result = new ulong[engine.LimbCount];
            for (int round = 0; round < 4; round++)
            {
                BigInteger x = TestModuli.Random(random, m);
                BigInteger e = TestModuli.Random(random, TestModuli.Q);
                engine.PowSecret(Contract.EngineContractTests.Limbs(engine, x), Contract.EngineContractTests.ExponentLimbs(e), result);
                if (TestModuli.FromLimbs(result) != BigInteger.ModPow(x, e, m))
                {
                    Interlocked.Increment(ref failures);
                }

                table.PowSecret(Contract.EngineContractTests.ExponentLimbs(e), result);
                if (TestModuli.FromLimbs(result) != BigInteger.ModPow(g, e, m))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void Fixed_base_table_for_the_standard_group_fits_8_MiB()
    {
        BigInteger p = TestModuli.Get("p4096");
        foreach (string kind in Contract.EngineContractTests.EngineKinds().Where(k => k != "reference"))
        {
            IModularArithmetic engine = Contract.EngineContractTests.Create(p, kind);
            IFixedBaseTable table = engine.CreateFixedBaseTable(Contract.EngineContractTests.Limbs(engine, TestModuli.StandardG), 256);
            Assert.InRange(table.TableBytes, 1L << 20, 8L << 20);
        }
    }
}

using BenchmarkDotNet.Attributes;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Microsoft.Data.Sqlite;

namespace Entente.Benchmarks;

/// <summary>
/// Inclusion proofs served from a stored log of 1,000,000 entries (SQLite, tiles read through LogReader with its
/// full-tile cache), for random indexes. Baseline: the in-memory reference tree holding every node.
/// </summary>
[MemoryDiagnoser]
public class LogProofBenchmarks
{
    private const int Size = 1_000_000;
    private const int Batch = 1000;
    private string _dir = "";
    private SqliteLogStore? _store;
    private LogReader? _reader;
    private MemoryMerkleTree _tree = new();
    private long[] _indexes = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("entente-bench-proofs-").FullName;
        string db = Path.Combine(_dir, "log.db");
        _store = new SqliteLogStore(db);
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("bench.example/log");
        await Sequencer.InitializeLogAsync(_store, key, "bench.example/log");
        await using (Sequencer seq = await Sequencer.StartAsync(_store, key, "bench.example/log", new SequencerOptions { MaxBatchSize = 16384 }))
        {
            for (int start = 0; start < Size; start += 16384)
            {
                int count = Math.Min(16384, Size - start);
                await Task.WhenAll(Enumerable.Range(start, count).Select(i => seq.AddAsync(BitConverter.GetBytes((long)i))));
            }
        }

        for (long i = 0; i < Size; i++)
        {
            _tree.AppendEntry(BitConverter.GetBytes(i));
        }

        Random random = new(42);
        _indexes = Enumerable.Range(0, Batch).Select(_ => random.NextInt64(Size)).ToArray();
        _reader = new LogReader(_store);
        Hash256 root = (await _store.ReadHeadAsync())!.Root;
        if (root != _tree.Root())
        {
            throw new InvalidOperationException("stored and in-memory roots differ");
        }

        long file = new FileInfo(db).Length;
        Console.WriteLine($"// 1M-entry SQLite log: file {file} B, {(file - (8L * Size)) / (double)Size:F1} B per entry beyond the 8-byte entries");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int InMemoryReferenceTree()
    {
        int total = 0;
        foreach (long i in _indexes)
        {
            total += MerkleMath.InclusionProof(_tree, i, Size).Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task<int> StoredLogWithTileCache()
    {
        int total = 0;
        foreach (long i in _indexes)
        {
            total += (await _reader!.InclusionProofAsync(i, Size)).Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task<int> StoredLogTwoCores()
    {
        int[] totals = await Task.WhenAll(Enumerable.Range(0, 2).Select(part => Task.Run(async () =>
        {
            int total = 0;
            for (int k = part; k < _indexes.Length; k += 2)
            {
                total += (await _reader!.InclusionProofAsync(_indexes[k], Size)).Length;
            }

            return total;
        })));
        return totals.Sum();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

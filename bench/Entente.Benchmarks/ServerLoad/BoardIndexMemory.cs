using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Entente.Client.Board;
using Entente.Server.Board;
using Entente.Transparency;
using Entente.Transparency.Log;

namespace Entente.Benchmarks.ServerLoad;

/// <summary>
/// The board index's live heap per ballot, in process (docs/scale.md): fills a <see cref="BoardIndex"/> with N ballot
/// entries as the board adds them (an id and a confirmation code of 64 uppercase hex digits, as ElectionGuard writes them, the id being the entry's ballot field,
/// type and party strings made afresh per entry as a parsed entry's are, one ballot in ten challenged) and reads
/// <see cref="GC.GetTotalMemory(bool)"/> after a full collection before and after. The entries themselves are not kept.
/// <c>dotnet Entente.Benchmarks.dll board-index-memory [N...]</c> (default 100000 1000000).
/// </summary>
internal static class BoardIndexMemory
{
    public static int Run(string[] args)
    {
        int[] sizes = args.Length == 0 ? [100_000, 1_000_000] : [.. args.Select(a => int.Parse(a, CultureInfo.InvariantCulture))];
        Console.WriteLine("| ballots | index live heap | per ballot | fill | a lookup by id, by code, a page of 100 | a filtered page (a scan of every ballot) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (int n in sizes)
        {
            long before = GC.GetTotalMemory(forceFullCollection: true);
            Stopwatch fill = Stopwatch.StartNew();
            BoardIndex index = new();
            byte[] random = new byte[96];
            string? someId = null;
            string? someCode = null;
            for (int i = 0; i < n; i++)
            {
                RandomNumberGenerator.Fill(random);
                string id = Convert.ToHexString(random.AsSpan(0, 32));
                string code = Convert.ToHexString(random.AsSpan(32, 32));
                string type = "ballot." + (i % 10 == 0 ? "challenged" : "cast");
                string party = "device-" + (i % 100).ToString(CultureInfo.InvariantCulture);
                LogEntry entry = new(type, Hash256.FromBytes(random.AsSpan(64, 32)), party, id, code);
                index.Add(BoardKind.Ballots, entry.BallotId!, 100 + i, entry);
                if (i == n / 2)
                {
                    (someId, someCode) = (id, code);
                }
            }

            double fillSeconds = fill.Elapsed.TotalSeconds;
            long after = GC.GetTotalMemory(forceFullCollection: true);
            Stopwatch reads = Stopwatch.StartNew();
            BoardArtifact byId = index.Lookup(BoardKind.Ballots.Collection, someId!) ?? throw new InvalidOperationException("lookup by id failed");
            BoardArtifact byCode = index.ByConfirmationCode(someCode!) ?? throw new InvalidOperationException("lookup by code failed");
            (IReadOnlyList<BoardArtifact> page, int total) = index.List(BoardKind.Ballots.Collection, n / 2, 100);
            double readMicros = reads.Elapsed.TotalMicroseconds;
            Stopwatch scan = Stopwatch.StartNew();
            (IReadOnlyList<BoardArtifact> challenged, int matching) = index.List(BoardKind.Ballots.Collection, 0, 100, a => a.Type == "ballot.challenged");
            double scanSeconds = scan.Elapsed.TotalSeconds;
            if (byId != byCode || total != n || page[0] != byId || matching != (n + 9) / 10 || challenged.Count != Math.Min(100, matching))
            {
                throw new InvalidOperationException("the index does not answer as expected");
            }

            Console.WriteLine($"| {n:N0} | {(after - before) / 1048576.0:F1} MiB | {(double)(after - before) / n:F0} B | {fillSeconds:F1} s | {readMicros:F0} µs | {scanSeconds:F2} s |");
            GC.KeepAlive(index);
        }

        return 0;
    }
}

using Entente.Client.Board;
using Entente.Server.Board;
using Entente.Transparency;
using Entente.Transparency.Log;

namespace Entente.Server.Tests.Unit;

/// <summary>
/// The board's compact index: every answer equals the <see cref="BoardArtifact"/> the artifact was added as (what the
/// index of whole artifacts it replaced returned), whether a row holds its id and code as bytes or as text.
/// </summary>
public sealed class BoardIndexTests
{
    /// <summary>64 hex digits: uppercase, as ElectionGuard writes a ballot's id and confirmation code, or lowercase.</summary>
    private static string Hex(Random random, bool upper = true)
    {
        byte[] bytes = new byte[32];
        random.NextBytes(bytes);
        return upper ? Convert.ToHexString(bytes) : Convert.ToHexStringLower(bytes);
    }

    private static LogEntry Entry(string type, Random random, string party, string? ballot = null, string? code = null)
    {
        byte[] sha = new byte[32];
        random.NextBytes(sha);
        return new LogEntry(type, Hash256.FromBytes(sha), party, ballot, code);
    }

    /// <summary>The artifact as the board made it when logging it (and as the index of whole artifacts kept it).</summary>
    private static BoardArtifact Expected(BoardKind kind, string id, long index, LogEntry entry) =>
        new(kind.Collection, id, index, entry.Type, entry.Sha256.ToHex(), entry.Party, entry.BallotId, entry.ConfirmationCode,
            kind.Singleton ? $"/board/{kind.Collection}" : $"/board/{kind.Collection}/{Uri.EscapeDataString(id)}");

    [Fact]
    public void BallotsAreFoundByIdAndCodeAndListedInLogOrder()
    {
        Random random = new(20);
        BoardIndex index = new();
        List<BoardArtifact> added = [];
        // Log indexes 10, 11, 12, …, except that the ballot at 15 commits after the one at 16 (an out-of-order insert).
        long[] order = [10, 11, 12, 13, 14, 16, 15, 17, 18, 19, 20, 21];
        foreach (long at in order)
        {
            string id = Hex(random);
            LogEntry entry = Entry(at % 4 == 0 ? "ballot.challenged" : "ballot.cast", random, "device-" + (at % 3), id, Hex(random));
            BoardArtifact returned = index.Add(BoardKind.Ballots, id, at, entry);
            BoardArtifact expected = Expected(BoardKind.Ballots, id, at, entry);
            Assert.Equal(expected, returned);
            added.Add(expected);
        }

        foreach (BoardArtifact a in added)
        {
            Assert.Equal(a, index.Lookup("ballots", a.Id));
            Assert.Equal(a, index.ByConfirmationCode(a.Code!));
        }

        BoardArtifact[] inLogOrder = [.. added.OrderBy(a => a.Index)];
        Assert.Equal(inLogOrder, index.All("ballots"));
        Assert.Equal(new long[] { 15, 16 }, index.All("ballots").Skip(5).Take(2).Select(a => a.Index));

        (IReadOnlyList<BoardArtifact> page, int total) = index.List("ballots", 4, 3);
        Assert.Equal(12, total);
        Assert.Equal(inLogOrder[4..7], page);
        (IReadOnlyList<BoardArtifact> last, _) = index.List("ballots", 10, 5);
        Assert.Equal(inLogOrder[10..], last);
        Assert.Empty(index.List("ballots", 40, 5).Items);

        (IReadOnlyList<BoardArtifact> challenged, int matching) = index.List("ballots", 1, 2, a => a.Type == "ballot.challenged");
        BoardArtifact[] allChallenged = [.. inLogOrder.Where(a => a.Type == "ballot.challenged")];
        Assert.Equal(3, matching);
        Assert.Equal(allChallenged[1..3], challenged);

        // The same page by entry type, compared on the rows (?state=), alone and with a filter; a type no row has.
        (IReadOnlyList<BoardArtifact> byType, int byTypeTotal) = index.List("ballots", 1, 2, type: "ballot.challenged");
        Assert.Equal(challenged, byType);
        Assert.Equal(matching, byTypeTotal);
        (IReadOnlyList<BoardArtifact> castFromDevice0, int castTotal) = index.List("ballots", 0, 50, a => a.Party == "device-0", type: "ballot.cast");
        Assert.Equal([.. inLogOrder.Where(a => a.Type == "ballot.cast" && a.Party == "device-0")], castFromDevice0);
        Assert.Equal(castFromDevice0.Count, castTotal);
        Assert.Equal(0, index.List("ballots", 0, 5, type: "ballot.spoiled").Total);
        (IReadOnlyList<BoardArtifact> allCast, int allCastTotal) = index.List("ballots", 0, 50, type: "ballot.cast");
        Assert.Equal([.. inLogOrder.Where(a => a.Type == "ballot.cast")], allCast);
        Assert.Equal(allCast.Count, allCastTotal);

        Assert.Equal(12, index.Counts()["ballots"]);
        Assert.Equal(0, index.Counts()["charter"]);
        Assert.Equal(BoardKind.All.Select(k => k.Collection), index.Counts().Keys);
    }

    [Fact]
    public void KeysAreExactTextNotTheirBytes()
    {
        Random random = new(21);
        BoardIndex index = new();
        string id = Hex(random);
        string code = Hex(random);
        LogEntry entry = Entry("ballot.cast", random, "device-1", id, code);
        index.Add(BoardKind.Ballots, id, 7, entry);

        Assert.Null(index.Lookup("ballots", id.ToLowerInvariant()));
        Assert.Null(index.ByConfirmationCode(code.ToLowerInvariant()));
        Assert.Null(index.Lookup("ballots", string.Concat(id[..10].ToLowerInvariant(), id[10..])));
        Assert.Null(index.Lookup("sealed", id));
        Assert.Null(index.Lookup("no-such-collection", id));
        Assert.Null(index.Lookup("ballots", id[..63]));
        Assert.Null(index.Lookup("ballots", id + "0"));
        Assert.Null(index.ByConfirmationCode(id));

        // The same id in another collection is another artifact; a code is looked up among ballots only.
        LogEntry seal = Entry("ballot.sealed", random, "device-1", id, code);
        index.Add(BoardKind.Sealed, id, 8, seal);
        Assert.Equal(Expected(BoardKind.Sealed, id, 8, seal), index.Lookup("sealed", id));
        Assert.Equal(Expected(BoardKind.Ballots, id, 7, entry), index.Lookup("ballots", id));
        Assert.Equal(Expected(BoardKind.Ballots, id, 7, entry), index.ByConfirmationCode(code));
    }

    [Fact]
    public void ArtifactsThatDoNotFitARowComeBackAsAdded()
    {
        Random random = new(22);
        BoardIndex index = new();
        string lower = Hex(random, upper: false);
        string mixed = string.Concat(Hex(random, upper: false).AsSpan(0, 32), Hex(random).AsSpan(32));
        string digits = new('7', 64);
        (BoardKind Kind, string Id, LogEntry Entry)[] cases =
        [
            (BoardKind.Charter, "charter", Entry("charter", random, "Blue")),
            (BoardKind.Shares, "1-to-2", Entry("guardian.share", random, "Blue")),
            (BoardKind.RollChanges, "precinct 4/a:b-2", Entry("roll.add", random, "authority")),
            (BoardKind.Ballots, lower, Entry("ballot.cast", random, "device-1", lower, Hex(random, upper: false))),
            (BoardKind.Ballots, mixed, Entry("ballot.cast", random, "device-1", mixed, Hex(random))),
            (BoardKind.Ballots, digits, Entry("ballot.cast", random, "device-1", digits, Hex(random, upper: false).ToUpperInvariant())),
            (BoardKind.Ballots, Hex(random), Entry("ballot.cast", random, "device-1", Hex(random), Hex(random))),
            (BoardKind.Ballots, Hex(random), Entry("ballot.cast", random, "device-1", null, null)),
            (BoardKind.Ballots, "not-hex", Entry("ballot.challenged", random, "device-2", "not-hex", "CODE-1")),
            (BoardKind.Ballots, Hex(random), Entry("ballot.cast", random, "device-1", null, string.Concat(Hex(random).AsSpan(0, 63), "a"))),
        ];
        List<BoardArtifact> expected = [];
        for (int i = 0; i < cases.Length; i++)
        {
            (BoardKind kind, string id, LogEntry entry) = cases[i];
            expected.Add(Expected(kind, id, 100 + i, entry));
            Assert.Equal(expected[^1], index.Add(kind, id, 100 + i, entry));
        }

        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(expected[i], index.Lookup(cases[i].Kind.Collection, cases[i].Id));
            if (cases[i].Entry.ConfirmationCode is string code)
            {
                Assert.Equal(expected[i], index.ByConfirmationCode(code));
            }
        }

        Assert.Equal("/board/roll-changes/precinct%204%2Fa%3Ab-2", index.Lookup("roll-changes", "precinct 4/a:b-2")!.Href);
        Assert.Equal("/board/charter", index.Lookup("charter", "charter")!.Href);
        Assert.Null(index.Lookup("ballots", lower.ToUpperInvariant()));
        Assert.Null(index.Lookup("ballots", mixed.ToUpperInvariant()));
        Assert.Equal(expected.Where(a => a.Collection == "ballots"), index.All("ballots"));
    }

    [Fact]
    public void AnIdAddedAgainIsFoundAtItsLatestEntryAndListedTwice()
    {
        Random random = new(23);
        BoardIndex index = new();
        string id = Hex(random);
        string code = Hex(random);
        LogEntry first = Entry("ballot.cast", random, "device-1", id, code);
        LogEntry second = Entry("ballot.cast", random, "device-1", id, code);
        index.Add(BoardKind.Ballots, id, 3, first);
        index.Add(BoardKind.Ballots, id, 9, second);
        Assert.Equal(Expected(BoardKind.Ballots, id, 9, second), index.Lookup("ballots", id));
        Assert.Equal(Expected(BoardKind.Ballots, id, 9, second), index.ByConfirmationCode(code));
        Assert.Equal(new long[] { 3, 9 }, index.All("ballots").Select(a => a.Index));
    }

    [Fact]
    public void ASnapshotOfAllIsTheCollectionAsOfTheCall()
    {
        Random random = new(24);
        BoardIndex index = new();
        string id = Hex(random);
        index.Add(BoardKind.Ballots, id, 1, Entry("ballot.cast", random, "device-1", id, Hex(random)));
        IReadOnlyList<BoardArtifact> before = index.All("ballots");
        string later = Hex(random);
        index.Add(BoardKind.Ballots, later, 2, Entry("ballot.cast", random, "device-1", later, Hex(random)));
        Assert.Single(before);
        Assert.Equal(id, before[0].Id);
        Assert.Equal(2, index.All("ballots").Count);
    }

    [Fact]
    public void ConcurrentAddsAreEachFoundAndListedInLogOrder()
    {
        BoardIndex index = new();
        const int Threads = 4;
        const int PerThread = 5_000;
        string[][] ids = [.. Enumerable.Range(0, Threads).Select(t => Enumerable.Range(0, PerThread).Select(i => Hex(new Random((t * PerThread) + i))).ToArray())];
        Parallel.For(0, Threads, t =>
        {
            Random random = new(1000 + t);
            for (int i = 0; i < PerThread; i++)
            {
                // Thread t adds log indexes t, t + Threads, …: the threads interleave, so inserts arrive out of order.
                index.Add(BoardKind.Ballots, ids[t][i], (long)(i * Threads) + t, Entry("ballot.cast", random, "device-" + t, ids[t][i], Hex(random)));
            }
        });

        IReadOnlyList<BoardArtifact> all = index.All("ballots");
        Assert.Equal(Threads * PerThread, all.Count);
        Assert.Equal(Enumerable.Range(0, Threads * PerThread).Select(i => (long)i), all.Select(a => a.Index));
        for (int t = 0; t < Threads; t++)
        {
            for (int i = 0; i < PerThread; i += 97)
            {
                BoardArtifact found = index.Lookup("ballots", ids[t][i]) ?? throw new Xunit.Sdk.XunitException($"ballot {t}/{i} not found");
                Assert.Equal((long)(i * Threads) + t, found.Index);
                Assert.Equal(found, index.ByConfirmationCode(found.Code!));
            }
        }
    }
}

using System.Security.Cryptography;
using Entente.Client.Board;
using Entente.Rolls;
using Entente.Server.Board;
using Entente.Server.Log;
using Entente.Transparency;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Server.Tests.Rolls;

/// <summary>
/// Roll changes are admitted without holding the board's gate through the durable write (docs/rolls.md, "Throughput"):
/// checked and applied in order under the gate, committed together. What must hold whatever the interleaving: the log
/// holds them in the order their rules were checked, so the board rebuilt from the log alone has the same roll and no
/// problem; a change posted twice while the first is still being committed is logged once.
/// </summary>
public sealed class RollPipelineTests
{
    private const string Jurisdiction = "county-9";
    private static readonly string[] Precincts = ["P-01", "P-02", "P-03"];

    [Fact]
    public async Task Concurrent_chains_of_changes_are_logged_in_rule_order_and_a_change_posted_twice_at_once_is_logged_once()
    {
        await using RollBoard board = await RollBoard.StartAsync();
        using BoardClient first = new(board.Address, board.Registrar);
        using BoardClient second = new(board.Address, board.Registrar);
        await first.PublishAsync(new BoardTarget("roll-inits", Jurisdiction, RollArtifacts.InitType, false, false), RollArtifacts.Write(new RollInit(Jurisdiction, Precincts, RollArtifacts.DefaultReasons)));

        // 24 voters at once, each a chain (add, update, and for every third a removal); every add is posted by two clients at once.
        int[] logged = new int[24];
        await Task.WhenAll(Enumerable.Range(0, 24).Select(v => Task.Run(async () =>
        {
            Hash256 key = Hash256.Compute(RandomNumberGenerator.GetBytes(32));
            DateTimeOffset at = RollArtifacts.ToSecond(DateTimeOffset.UtcNow);
            RollChange add = new(Jurisdiction, RollOperation.Add, key, 1, Hash256.Compute(RandomNumberGenerator.GetBytes(32)), Precincts[v % 3], "new-registration", at, null);
            byte[] addBytes = RollArtifacts.Write(add);
            BoardPostOutcome[] outcomes = await Task.WhenAll(
                first.PublishAsync(new BoardTarget("roll-changes", add.Id, add.Type, false, false), addBytes),
                second.PublishAsync(new BoardTarget("roll-changes", add.Id, add.Type, false, false), addBytes));
            logged[v] = outcomes.Count(o => o.State == BoardPostState.Logged);
            Assert.All(outcomes, o => Assert.NotEqual(BoardPostState.Pending, o.State));

            RollChange update = new(Jurisdiction, RollOperation.Update, key, 2, Hash256.Compute(RandomNumberGenerator.GetBytes(32)), Precincts[(v + 1) % 3], "address-change", at, Hash256.Compute(addBytes));
            byte[] updateBytes = RollArtifacts.Write(update);
            Assert.Equal(BoardPostState.Logged, (await first.PublishAsync(new BoardTarget("roll-changes", update.Id, update.Type, false, false), updateBytes)).State);
            if (v % 3 == 0)
            {
                RollChange remove = new(Jurisdiction, RollOperation.Remove, key, 3, null, update.Precinct, "moved-out", at, Hash256.Compute(updateBytes));
                Assert.Equal(BoardPostState.Logged, (await second.PublishAsync(new BoardTarget("roll-changes", remove.Id, remove.Type, false, false), RollArtifacts.Write(remove))).State);
            }
        })));

        Assert.All(logged, n => Assert.Equal(1, n));
        BoardService live = board.Services.GetRequiredService<BoardService>();
        string[] liveRoll = await live.ReadStateAsync(s => Describe(s.Rolls.Rolls[Jurisdiction]), CancellationToken.None);
        Assert.Equal(24, liveRoll.Length);
        Assert.Equal(8, liveRoll.Count(r => r.EndsWith(":v3:removed", StringComparison.Ordinal)));
        Assert.Empty(live.Status().Problems);

        // The board rebuilt from the log alone: every entry follows from the ones before it, in log order.
        BoardService rebuilt = await BoardService.OpenAsync(board.Services.GetRequiredService<LogService>());
        Assert.Empty(rebuilt.Status().Problems);
        Assert.Equal(liveRoll, await rebuilt.ReadStateAsync(s => Describe(s.Rolls.Rolls[Jurisdiction]), CancellationToken.None));
        Assert.Equal(1 + 24 + 24 + 8, rebuilt.List("roll-changes", 0, 1000).Total + rebuilt.List("roll-inits", 0, 10).Total);
    }

    private static string[] Describe(RollState roll) =>
        [.. roll.Records.Values.Select(r => $"{r.Key.ToHex()}:{r.Precinct}:v{r.Version}:{(r.Registered ? r.Commitment!.Value.ToHex() : "removed")}").Order(StringComparer.Ordinal)];
}

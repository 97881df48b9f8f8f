using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// The board refuses a batch-comparison audit's hand tally or sign-off that does not follow (docs/audit.md, "Batch tallies
/// on the board") with a ProblemDetails naming the batch, choice or round, and still does after a restart.
/// </summary>
public sealed class AuditTallyRefusalTests
{
    private static readonly Dictionary<string, long[]> Reported = new() { ["Batch 1"] = [18, 2, 0], ["Batch 2"] = [15, 2, 0], ["Batch 3"] = [8, 1, 0] };
    private static readonly string[] Choices = ["Erin George", "Alex Hall", "Write-In"];

    private static AuditTallyArtifact Tally(string audit, AuditDraw d, string board, long[]? counts = null) =>
        new(audit, 1, board, d.Tabulator, d.Batch, "Minister of Farming", [.. Choices.Select((c, i) => new AuditChoiceCount(c, (counts ?? Reported[d.Batch])[i]))]);

    [Fact]
    public async Task Forged_tallies_early_sign_offs_and_counts_changed_after_sign_off_are_refused_before_and_after_a_restart()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        string id;
        List<AuditDraw> batches;
        AuditSignOffArtifact board1, board2;
        await using (WebApplication first = await board.StartLogAsync())
        {
            using AuditOnBoard a = await AuditOnBoard.StartBatchAsync(board, new Uri(TestBoard.Address(first)));
            id = a.Id;
            AuditRound round = await a.DrawAsync(10);
            batches = [.. round.Draws.DistinctBy(d => d.BallotKey)];
            Assert.True(batches.Count >= 2, "the test needs two distinct batches");
            board1 = new(id, 1, "Board 1", ["Ada Blue", "Rui Red"]);
            board2 = new(id, 1, "Board 2", ["Lee Green", "Sam Gold"]);

            var refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(board1));
            Assert.Equal((409, "Sign-off refused"), (refused.Status, refused.Title));
            Assert.Contains("audit board \"Board 1\" has counted no batch of round 1", refused.Detail, StringComparison.Ordinal);

            AuditTallyArtifact stray = Tally(id, batches[0], "Board 1") with { Tabulator = "Tabulator Z", Batch = "Batch 9" };
            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(stray));
            Assert.Equal((422, "Tally refused"), (refused.Status, refused.Title));
            Assert.Contains("batch Tabulator Z / Batch 9 was not drawn in round 1 (it is not in the committed manifest)", refused.Detail, StringComparison.Ordinal);

            AuditTallyArtifact short1 = Tally(id, batches[0], "Board 1") with { Votes = [new("Erin George", 18), new("Alex Hall", 2)] };
            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(short1));
            Assert.Equal(422, refused.Status);
            Assert.Contains("\"Write-In\" is not counted; a tally names every choice of the contest", refused.Detail, StringComparison.Ordinal);

            AuditTallyArtifact tooMany = Tally(id, batches[0], "Board 1", [500, 0, 0]);
            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(tooMany));
            Assert.Equal(422, refused.Status);
            Assert.Contains("500 votes, but the batch holds", refused.Detail, StringComparison.Ordinal);

            await AuditOnBoard.PostAsync(a.Blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(Tally(id, batches[0], "Board 1")));
            foreach (AuditDraw d in batches.Skip(1))
            {
                await AuditOnBoard.PostAsync(a.Red, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(Tally(id, d, "Board 2")));
            }

            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(Tally(id, batches[0], "Board 2", [17, 3, 0])));
            Assert.Equal((409, "Tally refused"), (refused.Status, refused.Title));
            Assert.Contains("already has a tally on the board (version 1, by Board 1)", refused.Detail, StringComparison.Ordinal);
            await AuditOnBoard.PostAsync(a.Blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(board1));
            await first.StopAsync();
        }

        await using WebApplication again = await board.StartLogAsync();
        using Entente.Client.Board.BoardClient blue = new(new Uri(TestBoard.Address(again)), board.Blue);
        AuditTallyArtifact altered = Tally(id, batches[0], "Board 2", [2, 18, 0]) with { Corrects = 1 };
        var afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(altered));
        Assert.Equal((409, "Tally refused"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("was counted by Board 1, which signed off its share; that count is final", afterRestart.Detail, StringComparison.Ordinal);
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(board1));
        Assert.Equal((409, "Already on the board"), (afterRestart.Status, afterRestart.Title));

        // A ballot reading has no place in a batch audit; a new round waits for the round to close.
        AuditReadingArtifact reading = new(id, 1, "Board 2", batches[1].Tabulator, batches[1].Batch, 1, false, []);
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading));
        Assert.Contains("a batch-comparison audit has no ballot readings", afterRestart.Detail, StringComparison.Ordinal);
        AuditRoundArtifact two = new(id, 2, [new AuditRoundDraw("11", batches[0].Tabulator, batches[0].Batch, 0)]);
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-rounds", AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(two));
        Assert.Equal((409, "Round out of order"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("round 1 is not signed off: every batch counted and every audit board that counted signed off", afterRestart.Detail, StringComparison.Ordinal);

        await AuditOnBoard.PostAsync(blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(board2));
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-tallies", AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(Tally(id, batches[1], "Board 2", [0, 0, 0]) with { Corrects = 1 }));
        Assert.Contains("round 1 is signed off; its counts are final", afterRestart.Detail, StringComparison.Ordinal);
    }
}

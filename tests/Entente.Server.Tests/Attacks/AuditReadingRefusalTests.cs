using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// The board refuses an audit board's reading or sign-off that does not follow (docs/audit.md, "Readings and sign-offs on
/// the board") with a ProblemDetails naming the ballot or round, and still does after a restart (the rules are rebuilt
/// from the log).
/// </summary>
public sealed class AuditReadingRefusalTests
{
    [Fact]
    public async Task Readings_of_ballots_not_drawn_duplicates_early_sign_offs_and_early_rounds_are_refused_and_each_board_signs_off_its_share_before_and_after_a_restart()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        AuditRound round;
        List<AuditDraw> ballots;
        List<AuditReadingArtifact> readings = [];
        AuditSignOffArtifact signOff;
        AuditRoundArtifact roundTwo;
        await using (WebApplication first = await board.StartLogAsync())
        {
            using AuditOnBoard a = await AuditOnBoard.StartAsync(board, new Uri(TestBoard.Address(first)), alpha: 0.001);
            round = await a.DrawAsync(6);
            ballots = [.. round.Draws.DistinctBy(d => d.BallotKey)];
            signOff = new AuditSignOffArtifact(a.Id, 1, "Board 1", ["Ada Blue", "Rui Red"]);

            long undrawn = Enumerable.Range(1, 300).First(p => !round.Draws.Any(d => d.Batch == "B1" && d.Position == p));
            AuditReadingArtifact stray = new(a.Id, 1, "Board 1", "T1", "B1", undrawn, true, [new("Mayor", true, ["Alice"]), new("Bond", true, ["Yes"])]);
            var refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(stray));
            Assert.Equal((422, "Reading refused"), (refused.Status, refused.Title));
            Assert.Contains($"ballot T1 / B1 #{undrawn} was not drawn in round 1", refused.Detail, StringComparison.Ordinal);

            AuditDraw second = ballots[1];
            AuditReadingArtifact mallory = new(a.Id, 1, "Board 1", second.Tabulator, second.Batch, second.Position, true, [new("Mayor", true, ["Mallory"]), new("Bond", false, [])]);
            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(mallory));
            Assert.Equal(422, refused.Status);
            Assert.Contains("\"Mallory\" is not a choice of \"Mayor\"", refused.Detail, StringComparison.Ordinal);

            refused = await AuditOnBoard.RefusedAsync(a.Red, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff));
            Assert.Equal((409, "Sign-off refused"), (refused.Status, refused.Title));
            Assert.Contains("audit board \"Board 1\" has read no ballot of round 1", refused.Detail, StringComparison.Ordinal);

            // Two audit boards read disjoint shares: Board 1 the first half of the ballots, Board 2 the rest.
            for (int i = 0; i < ballots.Count; i++)
            {
                AuditReadingArtifact reading = a.Read(round, ballots[i], i < ballots.Count / 2 ? "Board 1" : "Board 2");
                readings.Add(reading);
                await AuditOnBoard.PostAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading));
            }

            // The same reading again is the same entry (a retry); another reading of the same ballot is refused.
            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(readings[1]));
            Assert.Equal((409, "Already on the board"), (refused.Status, refused.Title));

            // Board 1 signs off its share: the round stays open, waiting for Board 2, and no next round may be drawn.
            long first1 = await AuditOnBoard.PostAsync(a.Red, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff));
            Assert.Equal(a.Id + ":1:Board 1", signOff.Id);
            a.Audit.SignOff("Board 1");
            roundTwo = a.Audit.RoundArtifact(a.Audit.DrawRound(a.Seed, 3));
            refused = await AuditOnBoard.RefusedAsync(a.Red, "audit-rounds", AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(roundTwo));
            Assert.Equal((409, "Round out of order"), (refused.Status, refused.Title));
            Assert.Contains("round 1 is not signed off", refused.Detail, StringComparison.Ordinal);
            Assert.Contains("waiting for the sign-off of Board 2", refused.Detail, StringComparison.Ordinal);
            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff));
            Assert.Equal((409, "Already on the board"), (refused.Status, refused.Title));
            Assert.Contains($"entry {first1}", refused.Detail, StringComparison.Ordinal);
            await first.StopAsync();
        }

        await using WebApplication again = await board.StartLogAsync();
        using Entente.Client.Board.BoardClient blue = new(new Uri(TestBoard.Address(again)), board.Blue);
        using Entente.Client.Board.BoardClient red = new(new Uri(TestBoard.Address(again)), board.Red);
        AuditReadingArtifact changed = readings[^1] with { Contests = [new("Mayor", true, ["Bob"]), readings[^1].Contests[1]] };
        var afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(changed));
        Assert.Equal((409, "Reading refused"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("already has a reading on the board", afterRestart.Detail, StringComparison.Ordinal);

        // After the restart (the rules rebuilt from the log): Board 1's sign-off again is a retry, a different one is refused,
        // and neither Board 1 nor another board may change a reading Board 1 signed off.
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff));
        Assert.Equal((409, "Already on the board"), (afterRestart.Status, afterRestart.Title));
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff with { Members = ["Ada Blue", "Zed Gray"] }));
        Assert.Equal((409, "Sign-off refused"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("audit board \"Board 1\" already signed off its share of round 1", afterRestart.Detail, StringComparison.Ordinal);
        AuditReadingArtifact byOne = readings[^1] with { Board = "Board 1", Corrects = 1 };
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(byOne));
        Assert.Equal((409, "Reading refused"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("audit board \"Board 1\" signed off its share of round 1; its readings are final", afterRestart.Detail, StringComparison.Ordinal);
        AuditReadingArtifact overOne = readings[1] with { Board = "Board 2", Corrects = 1, Found = true, Contests = [new("Mayor", true, ["Bob"]), new("Bond", false, [])] };
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(overOne));
        Assert.Equal(409, afterRestart.Status);
        Assert.Contains("was read by Board 1, which signed off its share; that reading is final", afterRestart.Detail, StringComparison.Ordinal);

        // Board 2's sign-off closes the round; then the next round may be drawn, and no board signs off or reads round 1 again.
        AuditSignOffArtifact two = new(signOff.AuditId, 1, "Board 2", ["Lee Green", "Sam Gold"]);
        using (HttpResponseMessage signed = await red.PostAsync("board/audit-signoffs", AuditTrailArtifacts.Write(two), AuditTrailArtifacts.SignOffType))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, signed.StatusCode);
        }

        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff with { Board = "Board 3" }));
        Assert.Equal((409, "Sign-off refused"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("round 1 is already signed off (closed by Board 2)", afterRestart.Detail, StringComparison.Ordinal);
        AuditReadingArtifact late = readings[^1] with { Board = "Board 3", Corrects = 1 };
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(late));
        Assert.Equal(409, afterRestart.Status);
        Assert.Contains("round 1 is signed off (closed by Board 2); its readings are final", afterRestart.Detail, StringComparison.Ordinal);
        await AuditOnBoard.PostAsync(red, "audit-rounds", AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(roundTwo));

        // The verifier over the board's entries names both sign-offs; without Board 2's, round 2 does not follow.
        List<AuditTrailEntry> entries = await AuditBoardKeyTests.EntriesAsync(TestBoard.Address(again), signOff.AuditId);
        AuditTrailResult verified = AuditTrailVerifier.Verify(signOff.AuditId, entries);
        Assert.True(verified.Ok, verified.Problem);
        Assert.Contains(verified.Checked, c => c.EndsWith("signed off by Board 1: Ada Blue and Rui Red; Board 2: Lee Green and Sam Gold)", StringComparison.Ordinal));
        List<AuditTrailEntry> withoutTwo = [.. entries.Where(e => !(e.Type == AuditTrailArtifacts.SignOffType && AuditTrailArtifacts.ReadSignOff("x", e.Body).Board == "Board 2"))];
        Assert.Equal(entries.Count - 1, withoutTwo.Count);
        AuditTrailResult tampered = AuditTrailVerifier.Verify(signOff.AuditId, withoutTwo);
        Assert.Equal("round 2", tampered.FailedStep);
        Assert.Contains("waiting for the sign-off of Board 2", tampered.Problem, StringComparison.Ordinal);
    }
}

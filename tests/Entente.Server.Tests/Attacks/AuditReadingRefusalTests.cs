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
    public async Task Readings_of_ballots_not_drawn_duplicates_early_sign_offs_and_early_rounds_are_refused_before_and_after_a_restart()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        AuditRound round;
        List<AuditDraw> ballots;
        List<AuditReadingArtifact> readings = [];
        AuditSignOffArtifact signOff;
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
            Assert.Contains($"{ballots.Count} ballot(s) of round 1 have no reading on the board", refused.Detail, StringComparison.Ordinal);

            foreach (AuditDraw d in ballots)
            {
                AuditReadingArtifact reading = a.Read(round, d);
                readings.Add(reading);
                await AuditOnBoard.PostAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading));
            }

            // The same reading again is the same entry (a retry); another reading of the same ballot is refused.
            refused = await AuditOnBoard.RefusedAsync(a.Blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(readings[1]));
            Assert.Equal((409, "Already on the board"), (refused.Status, refused.Title));
            a.Audit.SignOff("Board 1");
            refused = await AuditOnBoard.RefusedAsync(a.Red, "audit-rounds", AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(a.Audit.RoundArtifact(a.Audit.DrawRound(a.Seed, 3))));
            Assert.Equal((409, "Round out of order"), (refused.Status, refused.Title));
            Assert.Contains("round 1 is not signed off", refused.Detail, StringComparison.Ordinal);
            await first.StopAsync();
        }

        await using WebApplication again = await board.StartLogAsync();
        using Entente.Client.Board.BoardClient blue = new(new Uri(TestBoard.Address(again)), board.Blue);
        using Entente.Client.Board.BoardClient red = new(new Uri(TestBoard.Address(again)), board.Red);
        AuditReadingArtifact changed = readings[1] with { Contests = [new("Mayor", true, ["Bob"]), readings[1].Contests[1]] };
        var afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(changed));
        Assert.Equal((409, "Reading refused"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("already has a reading on the board", afterRestart.Detail, StringComparison.Ordinal);

        using (HttpResponseMessage signed = await red.PostAsync("board/audit-signoffs", AuditTrailArtifacts.Write(signOff), AuditTrailArtifacts.SignOffType))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, signed.StatusCode);
        }

        // The same sign-off again is a retry (as a reading's); another sign-off of the round is refused.
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff));
        Assert.Equal((409, "Already on the board"), (afterRestart.Status, afterRestart.Title));
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff with { Board = "Board 2" }));
        Assert.Equal((409, "Sign-off refused"), (afterRestart.Status, afterRestart.Title));
        Assert.Contains("round 1 was already signed off by Board 1", afterRestart.Detail, StringComparison.Ordinal);

        AuditDraw notFound = ballots[0];
        AuditReadingArtifact late = new(signOff.AuditId, 1, "Board 1", notFound.Tabulator, notFound.Batch, notFound.Position, true, [new("Mayor", true, ["Bob"]), new("Bond", false, [])]);
        afterRestart = await AuditOnBoard.RefusedAsync(blue, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(late));
        Assert.Equal(409, afterRestart.Status);
        Assert.Contains("round 1 was signed off by Board 1; its readings are final", afterRestart.Detail, StringComparison.Ordinal);
    }
}

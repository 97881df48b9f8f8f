using System.CommandLine;
using Entente.Cli.Commands.Election;
using Entente.Election.Board;
using Entente.Election.Tally;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente tally</c>: aggregates the published cast ballots into the encrypted tally and publishes it. On a board
/// the encrypted tally is a joint artifact: each party runs this with its own key, computing the same aggregate from
/// the ballots on the board, and the board logs it once every party has signed.
/// </summary>
internal static class TallyCommand
{
    public static Command Create()
    {
        ElectionPlaceOptions place = new("The ceremony folder.");
        Option<bool> json = new("--json") { Description = "Print a JSON summary (and no progress)." };
        Command command = new("tally", "Aggregate the cast ballots homomorphically (weighted where the manifest says so) and publish the encrypted tally.");
        place.AddTo(command);
        command.Options.Add(json);
        command.SetAction(async (parseResult, ct) =>
        {
            using ElectionPlace opened = place.Open(parseResult);
            bool asJson = parseResult.GetValue(json);
            (EncryptedTally tally, Publication publication) = await CliSupport.WithProgressAsync(asJson, progress => TallySteps.TallyAsync(opened.Board, progress, ct));
            if (asJson)
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("ballots_aggregated", tally.BallotCount);
                    w.WriteNumber("total_weight", tally.TotalWeight);
                    CliSupport.WritePublication(w, "encrypted_tally", publication);
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"[green]{tally.BallotCount} cast ballot(s)[/] aggregated; the encrypted tally is {Markup.Escape(publication.Describe())}.");
                AnsiConsole.MarkupLine(publication.IsComplete ? "Next: entente decrypt." : "Next: every other party runs entente tally to sign.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

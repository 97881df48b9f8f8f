using System.CommandLine;
using Entente.Cli.Commands.Election;
using Entente.Election.KeyCeremony;
using Entente.Election.Tally;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary><c>entente tally</c>: aggregates the cast ballots of every device into tally/encrypted_tally.json.</summary>
internal static class TallyCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> folder = new("--folder") { Description = "The ceremony folder.", Required = true };
        Option<bool> json = new("--json") { Description = "Print a JSON summary." };
        Command command = new("tally", "Aggregate the cast ballots homomorphically (weighted where the manifest says so).");
        command.Options.Add(folder);
        command.Options.Add(json);
        command.SetAction((parseResult, ct) => CliSupport.GuardAsync(async () =>
        {
            CeremonyFolder ceremony = new(parseResult.GetValue(folder)!.FullName);
            EncryptedTally tally = await ceremony.TallyAsync(ct);
            if (parseResult.GetValue(json))
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("ballots_aggregated", tally.Ballots.Count);
                    w.WriteNumber("total_weight", tally.TotalWeight);
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"[green]{tally.Ballots.Count} cast ballot(s)[/] aggregated into tally/encrypted_tally.json. Next: entente decrypt.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}

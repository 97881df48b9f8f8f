using System.CommandLine;
using Entente.Cli.Commands.Election;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary><c>entente encrypt</c>: an encryption device encrypts a file of plaintext ballots into the ceremony folder.</summary>
internal static class EncryptCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> folder = new("--folder") { Description = "The ceremony folder (the key ceremony must be complete).", Required = true };
        Option<FileInfo> ballots = new("--ballots") { Description = "Plaintext ballots (JSON; docs/record-format.md §5.1).", Required = true };
        Option<string> device = new("--device") { Description = "Device name (A–Z a–z 0–9 . _ -, new for each run).", Required = true };
        Option<string?> info = new("--device-info") { Description = "S_device: the device information hashed into every confirmation code." };
        Option<bool> json = new("--json") { Description = "Print the confirmation codes as JSON." };
        Command command = new("encrypt", "Encrypt plaintext ballots on one device: proofs, confirmation codes, chaining; cast or challenged as the file says.");
        foreach (Option option in new Option[] { folder, ballots, device, info, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, ct) => CliSupport.GuardAsync(async () =>
        {
            CeremonyFolder ceremony = new(parseResult.GetValue(folder)!.FullName);
            ElectionContext context = await ceremony.LoadContextAsync(ct);
            string ballotsPath = parseResult.GetValue(ballots)!.FullName;
            byte[] bytes = await RecordFiles.ReadLimitedAsync(ballotsPath, PlaintextBallotReader.MaxBytes, ct);
            IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse(ballotsPath, bytes, context.Parameters.Manifest);
            string name = parseResult.GetValue(device)!;
            string deviceInfo = parseResult.GetValue(info) ?? name;
            bool asJson = parseResult.GetValue(json);
            IReadOnlyList<EncryptedBallot> sealedBallots = [];
            if (asJson)
            {
                sealedBallots = await ceremony.EncryptAsync(entries, name, deviceInfo, TimeProvider.System, null, ct);
            }
            else
            {
                await AnsiConsole.Progress().StartAsync(async progressContext =>
                {
                    ProgressTask task = progressContext.AddTask("Encrypting ballots", maxValue: Math.Max(1, entries.Count));
                    sealedBallots = await ceremony.EncryptAsync(entries, name, deviceInfo, TimeProvider.System, new Progress<int>(done => task.Value = done), ct);
                    task.Value = task.MaxValue;
                });
            }

            if (asJson)
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("device", name);
                    w.WriteStartArray("ballots");
                    foreach (EncryptedBallot ballot in sealedBallots)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", ballot.Id.ToHex());
                        w.WriteString("state", ballot.State == BallotState.Cast ? "cast" : "challenged");
                        w.WriteString("confirmation_code", ballot.ConfirmationCode.ToHex());
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"[green]{sealedBallots.Count} ballot(s)[/] encrypted on device [bold]{Markup.Escape(name)}[/]. Next: entente tally.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}

using System.CommandLine;
using Entente.Cli.Commands.Election;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente encrypt</c>: an encryption device encrypts a file of plaintext ballots and publishes each ballot to the
/// election's shared place as it is sealed, then its device record. On a board the device signs with its own charter
/// key (<c>--key</c>), and the device name is that key's name.
/// </summary>
internal static class EncryptCommand
{
    public static Command Create()
    {
        ElectionPlaceOptions place = new("The ceremony folder (the key ceremony must be complete).");
        Option<FileInfo> ballots = new("--ballots") { Description = "Plaintext ballots (JSON; docs/record-format.md §5.1).", Required = true };
        Option<string?> device = new("--device") { Description = "Device name (A–Z a–z 0–9 . _ -, new for each run). On a board: the device's charter name (the default)." };
        Option<string?> info = new("--device-info") { Description = "S_device: the device information hashed into every confirmation code." };
        Option<FileInfo?> journal = new("--journal")
        {
            Description = "The device's journal: each ballot is written here before it is published, so that a run stopped by a crash or an unreachable board, "
                + "run again with the same ballots file and journal, continues where it stopped and publishes nothing twice (default: BALLOTS_FILE.DEVICE.journal beside the ballots file).",
        };
        Option<bool> twoStep = new("--two-step")
        {
            Description = "The voter's two steps: seal each ballot and publish its seal notice (id, device, confirmation code) first, then the voter's choice "
                + "(cast or challenge, as the ballots file says) as the ballot; the board refuses a ballot whose code differs from its seal.",
        };
        Option<bool> json = new("--json") { Description = "Print the confirmation codes as JSON (and no progress)." };
        Command command = new("encrypt", "Encrypt plaintext ballots on one device: proofs, confirmation codes, chaining; each ballot published as it is sealed, cast or challenged as the file says.");
        place.AddTo(command);
        foreach (Option option in new Option[] { ballots, device, info, journal, twoStep, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            using ElectionPlace opened = place.Open(parseResult);
            string name = parseResult.GetValue(device) ?? opened.Signer ?? throw new ElectionUsageException("--device NAME is required with --folder.");
            if (opened.Signer is string signer && name != signer)
            {
                throw new ElectionUsageException($"--device \"{name}\" differs from the key's charter name \"{signer}\": on a board a device posts only its own ballots.");
            }

            ElectionContext context = await opened.Board.LoadContextAsync(ct);
            string ballotsPath = parseResult.GetValue(ballots)!.FullName;
            byte[] bytes = await RecordFiles.ReadLimitedAsync(ballotsPath, PlaintextBallotReader.MaxBytes, ct);
            IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse(ballotsPath, bytes, context.Parameters.Manifest);
            string deviceInfo = parseResult.GetValue(info) ?? name;
            bool asJson = parseResult.GetValue(json);
            string journalPath = parseResult.GetValue(journal)?.FullName ?? $"{ballotsPath}.{name}.journal";
            using DeviceJournal deviceJournal = await DeviceJournal.OpenAsync(journalPath, name, deviceInfo, context, bytes, ct);
            IReadOnlyList<EncryptedBallot> sealedBallots = await CliSupport.WithProgressAsync(asJson,
                progress => EncryptionSteps.EncryptAsync(opened.Board, entries, name, deviceInfo, TimeProvider.System, deviceJournal, parseResult.GetValue(twoStep), progress, ct));
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
                AnsiConsole.MarkupLine($"[green]{sealedBallots.Count} ballot(s)[/] encrypted on device [bold]{Markup.Escape(name)}[/] and published to {Markup.Escape(opened.Board.Location)}. Next: entente tally.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

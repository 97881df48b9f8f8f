using System.CommandLine;
using System.Globalization;
using Entente.Cli.Commands.Election;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente decrypt</c>: joint decryption of the tally and the challenged ballots. Each guardian of
/// the chosen set U runs <c>--step commit</c>, then <c>--step reveal</c>, then <c>--step respond</c> in
/// its own process; anyone then runs <c>--combine --out DIR</c> to assemble the proofs and write the
/// complete election record. Before any commit, <c>--request-contest-data ID[:CONTEST],…</c> names cast ballots whose
/// contest data (write-ins) the same rounds decrypt with a proof into the record's <c>contest_data/</c>.
/// </summary>
internal static class DecryptCommand
{
    public static Command Create()
    {
        Option<bool> plaintext = new("--insecure-plaintext-secrets") { Description = "Read the secret file unencrypted. For tests only." };
        Option<string?> step = new("--step") { Description = "commit, reveal or respond (one guardian)." };
        Option<string?> guardians = new("--guardians") { Description = "With commit: the set U of guardians taking part, e.g. 1,3 (at least k)." };
        Option<bool> combine = new("--combine") { Description = "Assemble every guardian's rounds and write the record (needs --out)." };
        Option<DirectoryInfo?> output = new("--out") { Description = "With --combine: the folder for the election record." };
        Option<DirectoryInfo> folder = new("--folder") { Description = "The ceremony folder.", Required = true };
        Option<int?> index = new("--index") { Description = "This guardian's index i (with --step)." };
        Option<FileInfo?> secretFile = new("--secret") { Description = "This guardian's secret file (with --step)." };
        Option<string?> requestContestData = new("--request-contest-data")
        {
            Description = "Before any commit: cast ballots whose contest data (write-ins) to decrypt with the tally, as id_B or id_B:CONTEST, comma-separated. Only for ballots that need it (adjudication): it links the text to the ballot.",
        };
        Option<bool> json = new("--json") { Description = "Print a JSON result." };
        Command command = new("decrypt", "Decrypt the tally and open the challenged ballots jointly: guardians commit, reveal and respond; then combine into the record.");
        foreach (Option option in new Option[] { folder, index, secretFile, plaintext, step, guardians, combine, output, requestContestData, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, ct) => CliSupport.GuardAsync(async () =>
        {
            CeremonyFolder ceremony = new(parseResult.GetValue(folder)!.FullName);
            bool asJson = parseResult.GetValue(json);
            if (parseResult.GetValue(combine))
            {
                if (parseResult.GetValue(output) is not { } outDir)
                {
                    Console.Error.WriteLine("error: --combine needs --out DIR for the record.");
                    return ExitCodes.UsageOrInput;
                }

                ElectionRecord record = await DecryptionExchange.CombineAsync(ceremony, outDir.FullName, ct);
                string data = record.ContestData.Count > 0 ? $", contest data of {record.ContestData.Count} cast ballot(s) in contest_data/" : "";
                Report(asJson, "combine", 0, $"record written to {outDir.FullName}: {record.Ballots.Count} ballot(s), decrypted by guardians {string.Join(", ", record.Tally.Guardians)}{data}; self-check passed.");
                return ExitCodes.Ok;
            }

            if (parseResult.GetValue(requestContestData) is { } requestList)
            {
                List<(Hash256, int?)> requests = [];
                foreach (string entry in requestList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    string[] parts = entry.Split(':');
                    int contest = 0;
                    if (parts.Length > 2 || !Hash256.TryDecodeHex(parts[0], out Hash256? id)
                        || (parts.Length == 2 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out contest)))
                    {
                        Console.Error.WriteLine($"error: --request-contest-data takes id_B (64 hex digits) or id_B:CONTEST, comma-separated; '{entry}' is neither.");
                        return ExitCodes.UsageOrInput;
                    }

                    requests.Add((id, parts.Length == 2 ? contest : null));
                }

                int count = await DecryptionExchange.RequestContestDataAsync(ceremony, requests, ct);
                Report(asJson, "request", 0, $"contest data of {count} contest(s) requested in {DecryptionExchange.ContestDataRequestFile}. Next: every guardian of U runs --step commit.");
                return ExitCodes.Ok;
            }

            string? stepName = parseResult.GetValue(step);
            if (stepName is not ("commit" or "reveal" or "respond") || parseResult.GetValue(index) is not int i || parseResult.GetValue(secretFile) is not { } secretInfo)
            {
                Console.Error.WriteLine("error: use --step commit|reveal|respond with --index and --secret, or --combine --out DIR.");
                return ExitCodes.UsageOrInput;
            }

            bool insecure = parseResult.GetValue(plaintext);
            string? passphrase = insecure ? null : CliSupport.ReadPassphrase($"Passphrase of guardian {i}:");
            if (!insecure && string.IsNullOrEmpty(passphrase))
            {
                Console.Error.WriteLine($"error: a passphrase is required: type it, or set {CliSupport.PassphraseVariable}.");
                return ExitCodes.UsageOrInput;
            }

            CeremonyFolder.SecretAccess access = new(secretInfo.FullName, passphrase, insecure);
            switch (stepName)
            {
                case "commit":
                    int[] set;
                    try
                    {
                        set = [.. (parseResult.GetValue(guardians) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
                    }
                    catch (FormatException)
                    {
                        Console.Error.WriteLine("error: --guardians must list guardian numbers such as 1,3.");
                        return ExitCodes.UsageOrInput;
                    }

                    await DecryptionExchange.CommitAsync(ceremony, i, set, access, ct);
                    Report(asJson, stepName, i, $"guardian {i} committed. Next: --step reveal once every guardian of U has committed.");
                    break;
                case "reveal":
                    await DecryptionExchange.RevealAsync(ceremony, i, access, ct);
                    Report(asJson, stepName, i, $"guardian {i} revealed. Next: --step respond once every guardian of U has revealed.");
                    break;
                default:
                    await DecryptionExchange.RespondAsync(ceremony, i, access, ct);
                    Report(asJson, stepName, i, $"guardian {i} responded. Next: entente decrypt --combine --out DIR once every guardian has responded.");
                    break;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Report(bool asJson, string step, int guardian, string message)
    {
        if (asJson)
        {
            CliSupport.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteString("step", step);
                if (guardian > 0)
                {
                    w.WriteNumber("guardian", guardian);
                }

                w.WriteString("message", message);
                w.WriteEndObject();
            });
        }
        else
        {
            AnsiConsole.MarkupLine("[green]ok[/] " + Markup.Escape(message));
        }
    }
}

using System.CommandLine;
using System.Globalization;
using Entente.Cli.Commands.Election;
using Entente.Cryptography;
using Entente.Election.Board;
using Entente.Election.Decryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente decrypt</c>: joint decryption of the tally and the challenged ballots through the election's shared
/// place (<c>--folder</c>, or <c>--board URL --key PARTY_KEY_FILE</c>). Each guardian of the chosen set U runs
/// <c>--step commit</c>, then <c>--step reveal</c>, then <c>--step respond</c> in its own process; then
/// <c>--combine</c> assembles the proofs and publishes the decrypted tally and the openings (on a board, joint
/// artifacts every party signs by running it in turn) and, with <c>--out DIR</c>, writes the complete election record
/// (required with a folder). Before any commit, <c>--request-contest-data ID[:CONTEST],…</c> names cast ballots whose
/// contest data (write-ins) the same rounds decrypt with a proof into the record's <c>contest_data/</c>.
/// The rounds run in numbered attempts, taken from the board: when a guardian of U has not committed, revealed or
/// responded by its deadline, any party runs <c>--abandon --attempt A --guardian I --step commit|reveal|response
/// --reason TEXT</c>, and the guardians of a new U′ commit again in the next attempt (docs/record-format.md §11).
/// </summary>
internal static class DecryptCommand
{
    public static Command Create()
    {
        Option<bool> plaintext = new("--insecure-plaintext-secrets") { Description = "Read the secret file unencrypted. For tests only." };
        Option<string?> step = new("--step") { Description = "commit, reveal or respond (one guardian)." };
        Option<string?> guardians = new("--guardians") { Description = "With commit: the set U of guardians taking part, e.g. 1,3 (at least k)." };
        Option<bool> combine = new("--combine") { Description = "Assemble every guardian's rounds, publish the decrypted tally and the openings, and write the record with --out." };
        Option<DirectoryInfo?> output = new("--out") { Description = "With --combine: the folder for the election record (required with --folder)." };
        ElectionPlaceOptions place = new("The ceremony folder.");
        Option<int?> index = new("--index") { Description = "This guardian's index i (with --step)." };
        Option<FileInfo?> secretFile = new("--secret") { Description = "This guardian's secret file (with --step)." };
        Option<string?> requestContestData = new("--request-contest-data")
        {
            Description = "Before any commit: cast ballots whose contest data (write-ins) to decrypt with the tally, as id_B or id_B:CONTEST, comma-separated. Only for ballots that need it (adjudication): it links the text to the ballot.",
        };
        Option<bool> json = new("--json") { Description = "Print a JSON result." };
        Option<bool> abandon = new("--abandon") { Description = "Abandon the current decryption attempt: guardian --guardian of U did not take --step by its deadline (any party; on a board)." };
        Option<int?> attemptOption = new("--attempt") { Description = "The decryption attempt (default: the current one, from the board); with --abandon, the attempt to abandon." };
        Option<int?> guardian = new("--guardian") { Description = "With --abandon: the guardian that did not act." };
        Option<string?> reason = new("--reason") { Description = "With --abandon: why, in words (1 to 500 characters)." };
        Command command = new("decrypt", "Decrypt the tally and open the challenged ballots jointly: guardians commit, reveal and respond; then combine into the record.");
        place.AddTo(command);
        foreach (Option option in new Option[] { index, secretFile, plaintext, step, guardians, combine, output, requestContestData, abandon, attemptOption, guardian, reason, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            using ElectionPlace opened = place.Open(parseResult);
            IElectionBoard board = opened.Board;
            bool asJson = parseResult.GetValue(json);
            int current = await DecryptionExchange.CurrentAttemptAsync(board, ct);
            if (parseResult.GetValue(abandon))
            {
                string? missed = parseResult.GetValue(step) switch { "respond" => "response", var s => s };
                if (parseResult.GetValue(guardian) is not int absent || missed is not ("commit" or "reveal" or "response") || parseResult.GetValue(reason) is not { Length: > 0 } why)
                {
                    Console.Error.WriteLine("error: --abandon needs --guardian I, --step commit|reveal|response and --reason TEXT (and --attempt A, the current attempt).");
                    return ExitCodes.UsageOrInput;
                }

                int attempt = parseResult.GetValue(attemptOption) ?? current;
                if (attempt != current)
                {
                    Console.Error.WriteLine($"error: attempt {attempt} is not the current decryption attempt ({current}); only the current attempt can be abandoned.");
                    return ExitCodes.UsageOrInput;
                }

                Publication abandoned = await DecryptionExchange.AbandonAsync(board, attempt, absent, missed, why, ct);
                Report(asJson, "abandon", absent, $"attempt {attempt} {Done(abandoned, "abandoned")}: guardian {absent} did not {missed} in time. Attempt {attempt + 1} is open: the guardians of a new U (at least k) run --step commit --guardians U.", abandoned, attempt);
                return ExitCodes.Ok;
            }

            if (parseResult.GetValue(attemptOption) is int asked && asked != current)
            {
                Console.Error.WriteLine($"error: --attempt {asked} is not the current decryption attempt ({current}); rounds are taken in the current attempt only.");
                return ExitCodes.UsageOrInput;
            }

            if (parseResult.GetValue(combine))
            {
                DirectoryInfo? outDir = parseResult.GetValue(output);
                if (outDir is null && !opened.IsBoard)
                {
                    Console.Error.WriteLine("error: --combine needs --out DIR for the record.");
                    return ExitCodes.UsageOrInput;
                }

                DecryptionExchange.CombineResult combined = await CliSupport.WithProgressAsync(asJson, progress => DecryptionExchange.CombineAsync(board, outDir?.FullName, progress, ct));
                ElectionRecord record = combined.Record;
                string data = record.ContestData.Count > 0 ? $", contest data of {record.ContestData.Count} cast ballot(s)" : "";
                Publication tally = combined.Publications[0].Publication;
                string where = outDir is null ? "" : $"; record written to {outDir.FullName}";
                Report(asJson, "combine", 0, $"{record.Ballots.Count} ballot(s) decrypted by guardians {string.Join(", ", record.Tally.Guardians)}{(current > 1 ? $" in attempt {current}" : "")}{data}; self-check passed; the tally and {record.Challenged.Count} opening(s) are {(combined.IsComplete ? "published" : tally.Describe())}{where}.", tally, current);
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

                (int count, Publication request) = await DecryptionExchange.RequestContestDataAsync(board, requests, ct);
                Report(asJson, "request", 0, $"contest data of {count} contest(s) requested ({board.Describe(ElectionDocument.ContestDataRequest)}: {request.Describe()}). Next: every guardian of U runs --step commit.", request, current);
                return ExitCodes.Ok;
            }

            string? stepName = parseResult.GetValue(step);
            if (stepName is not ("commit" or "reveal" or "respond") || parseResult.GetValue(index) is not int i || parseResult.GetValue(secretFile) is not { } secretInfo)
            {
                Console.Error.WriteLine("error: use --step commit|reveal|respond with --index and --secret, or --combine [--out DIR].");
                return ExitCodes.UsageOrInput;
            }

            if (CliSupport.SecretAccess(secretInfo, i, parseResult.GetValue(plaintext)) is not GuardianSecretAccess access)
            {
                return ExitCodes.UsageOrInput;
            }

            Publication published;
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

                    published = await CliSupport.WithProgressAsync(asJson, progress => DecryptionExchange.CommitAsync(board, i, set, access, progress, ct));
                    Report(asJson, stepName, i, $"guardian {i} {Done(published, "committed")}. Next: --step reveal once every guardian of U has committed.", published, current);
                    break;
                case "reveal":
                    published = await CliSupport.WithProgressAsync(asJson, progress => DecryptionExchange.RevealAsync(board, i, access, progress, ct));
                    Report(asJson, stepName, i, $"guardian {i} {Done(published, "revealed")}. Next: --step respond once every guardian of U has revealed.", published, current);
                    break;
                default:
                    published = await CliSupport.WithProgressAsync(asJson, progress => DecryptionExchange.RespondAsync(board, i, access, progress, ct));
                    Report(asJson, stepName, i, $"guardian {i} {Done(published, "responded")}. Next: entente decrypt --combine once every guardian has responded.", published, current);
                    break;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Done(Publication publication, string verb) =>
        publication.State == PublicationState.AlreadyPublished ? $"had already {verb} (nothing changed)" : verb;

    private static void Report(bool asJson, string step, int guardian, string message, Publication publication, int attempt)
    {
        if (asJson)
        {
            CliSupport.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteString("step", step);
                w.WriteNumber("attempt", attempt);
                if (guardian > 0)
                {
                    w.WriteNumber("guardian", guardian);
                }

                CliSupport.WritePublication(w, "publication", publication);

                w.WriteString("message", message);
                w.WriteEndObject();
            });
        }
        else
        {
            AnsiConsole.MarkupLine("[green]ok[/] " + Markup.Escape(attempt > 1 ? $"attempt {attempt}: {message}" : message));
        }
    }
}

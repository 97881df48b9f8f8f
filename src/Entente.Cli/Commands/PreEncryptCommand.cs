using System.CommandLine;
using Entente.Cli.Commands.Election;
using Entente.Cli.Printing;
using Entente.Election;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.PreEncryption;
using Entente.Election.Record;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente preencrypt</c>: pre-encrypted ballots for vote by mail and hand-marked paper (spec 2.1 §4;
/// docs/record-format.md §4.7.1, §4.13, §5.3). <c>generate</c> is the ballot encrypting tool, <c>record</c> the recording tool.
/// </summary>
internal static class PreEncryptCommand
{
    public static Command Create()
    {
        Command command = new("preencrypt", "Pre-encrypted ballots (vote by mail, hand-marked paper): generate printable ballots with short codes, then record the marked ones.");
        command.Subcommands.Add(CreateGenerate());
        command.Subcommands.Add(CreatePrint());
        command.Subcommands.Add(CreateRecord());
        return command;
    }

    private static Command CreateGenerate()
    {
        ElectionPlaceOptions place = new("The ceremony folder (the key ceremony must be complete).");
        Option<string> style = new("--style") { Description = "The ballot style: its label or its index.", Required = true };
        Option<int> count = new("--count") { Description = $"How many ballots (1 to {PreEncryptionSteps.MaxCount}).", Required = true };
        Option<DirectoryInfo> output = new("--out") { Description = "New folder for the printable ballots (ballots/<id>.json) and the secret nonce file (nonces.json, owner-only).", Required = true };
        Option<string> codes = new("--short-codes")
        {
            Description = "The hash-trimming function Ω: hex2, hex4 (default), hex6 … hex16, letter-digit, digit-letter, number-0, number-1, number-100, number-101 (spec §4.6).",
            DefaultValueFactory = _ => "hex4",
        };
        Option<string> device = new("--device") { Description = "The encrypting tool's name (A–Z a–z 0–9 . _ -).", DefaultValueFactory = _ => "printer-1" };
        Option<string?> info = new("--device-info") { Description = "S_device of the tool, hashed into every confirmation code (eq 119; default: the name)." };
        Option<bool> json = new("--json") { Description = "Print the ballots' identifiers and confirmation codes as JSON." };
        Command command = new("generate", "Generate pre-encrypted ballots of one style: selection vectors, short codes beside each option, confirmation code.");
        place.AddTo(command);
        foreach (Option option in new Option[] { style, count, output, codes, device, info, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            if (!ShortCodeFormat.TryParse(parseResult.GetValue(codes), out ShortCodeFormat? format))
            {
                throw new ElectionUsageException($"--short-codes \"{parseResult.GetValue(codes)}\" is not one of hex2, hex4, hex6 … hex16, letter-digit, digit-letter, number-0, number-1, number-100, number-101.");
            }

            string name = parseResult.GetValue(device)!;
            if (!EncryptionDevice.IsValidName(name))
            {
                throw new ElectionUsageException($"--device \"{name}\" must be 1–64 characters from A–Z a–z 0–9 . _ -.");
            }

            using ElectionPlace opened = place.Open(parseResult);
            string outDir = parseResult.GetValue(output)!.FullName;
            IReadOnlyList<PreEncryptedBallot> ballots = await PreEncryptionSteps.GenerateAsync(opened.Board, parseResult.GetValue(style)!, parseResult.GetValue(count),
                name, parseResult.GetValue(info) ?? name, format, outDir, ct);
            if (parseResult.GetValue(json))
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("out", outDir);
                    w.WriteString("short_code_format", format.Name);
                    w.WriteStartArray("ballots");
                    foreach (PreEncryptedBallot ballot in ballots)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", ballot.Id.ToHex());
                        w.WriteString("confirmation_code", ballot.ConfirmationCode.ToHex());
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"[green]{ballots.Count} pre-encrypted ballot(s)[/] written to [bold]{Markup.Escape(outDir)}[/] (short codes {format.Name}).");
                AnsiConsole.MarkupLine($"[yellow]{PreEncryptionSteps.NonceFile} is secret[/]: it opens every ballot. Keep it with the recording tool and destroy it after recording.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePrint()
    {
        ElectionPlaceOptions place = new("The ceremony folder the ballots were generated for.");
        Option<DirectoryInfo> generated = new("--ballots") { Description = "The folder `entente preencrypt generate` wrote (its ballots/*.json are printed; nonces.json is never read).", Required = true };
        Option<FileInfo?> output = new("--out") { Description = "The PDF to write (default: ballots.pdf in the --ballots folder). An existing file is replaced." };
        Option<string> paper = new("--paper") { Description = "a4 or letter.", DefaultValueFactory = _ => "a4" };
        Option<DirectoryInfo?> fontDir = new("--font-dir") { Description = "A folder holding the DejaVu Sans and DejaVu Sans Mono fonts (default: the system's font folders)." };
        Option<bool> json = new("--json") { Description = "Print the PDF's path, page count and each ballot's identifier and confirmation code as JSON." };
        Command command = new("print", "Print generated pre-encrypted ballots as a PDF for hand marking: contests, options with their short codes, the confirmation code and a QR code of the ballot.");
        place.AddTo(command);
        foreach (Option option in new Option[] { generated, output, paper, fontDir, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            BallotPaper size = parseResult.GetValue(paper)!.ToLowerInvariant() switch
            {
                "a4" => BallotPaper.A4,
                "letter" => BallotPaper.Letter,
                string other => throw new ElectionUsageException($"--paper \"{other}\" is not a4 or letter."),
            };
            string generationDir = parseResult.GetValue(generated)!.FullName;
            string pdfPath = parseResult.GetValue(output)?.FullName ?? Path.Combine(generationDir, "ballots.pdf");
            string? pdfFolder = Path.GetDirectoryName(pdfPath);
            if (pdfFolder is not null && !Directory.Exists(pdfFolder))
            {
                throw new ElectionUsageException($"--out: the folder {pdfFolder} does not exist.");
            }

            BallotFonts.Install(parseResult.GetValue(fontDir)?.FullName);
            using ElectionPlace opened = place.Open(parseResult);
            ElectionContext context = await opened.Board.LoadContextAsync(ct);
            IReadOnlyList<PreEncryptedBallot> ballots = await PreEncryptionSteps.ReadPrintedAsync(context, generationDir, ct);
            using MemoryStream pdf = new();
            int pages = BallotPdf.Write(ballots, context.Parameters.Manifest, size, pdf);
            await RecordFiles.WriteAtomicAsync(pdfPath, pdf.ToArray(), ct);
            if (parseResult.GetValue(json))
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("pdf", pdfPath);
                    w.WriteNumber("pages", pages);
                    w.WriteStartArray("ballots");
                    foreach (PreEncryptedBallot ballot in ballots)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", ballot.Id.ToHex());
                        w.WriteString("confirmation_code", ballot.ConfirmationCode.ToHex());
                        w.WriteString("qr", BallotPdf.QrText(ballot));
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"[green]{ballots.Count} ballot(s)[/] on {pages} page(s) written to [bold]{Markup.Escape(pdfPath)}[/]. Print at 100 % scale.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRecord()
    {
        ElectionPlaceOptions place = new("The ceremony folder (cast ballots are published there).");
        Option<DirectoryInfo> generated = new("--ballots") { Description = "The folder `entente preencrypt generate` wrote (printable ballots and nonces.json); uncast openings are published and kept in its uncast/.", Required = true };
        Option<FileInfo> marks = new("--marks")
        {
            Description = "The marks: {\"ballots\":[{\"id\":ID,\"marks\":{\"Contest label\":[\"CODE\",…]}},{\"id\":ID,\"uncast\":true}]} (docs/record-format.md §5.3).",
            Required = true,
        };
        Option<bool> json = new("--json") { Description = "Print what was recorded as JSON." };
        Command command = new("record", "Record returned pre-encrypted ballots: marked short codes become cast ballots with proofs (published); uncast ballots are opened and published.");
        place.AddTo(command);
        foreach (Option option in new Option[] { generated, marks, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            using ElectionPlace opened = place.Open(parseResult);
            string marksPath = parseResult.GetValue(marks)!.FullName;
            byte[] bytes = await RecordFiles.ReadLimitedAsync(marksPath, 64L * 1024 * 1024, ct);
            PreEncryptionRecordResult result = await PreEncryptionSteps.RecordAsync(opened.Board, parseResult.GetValue(generated)!.FullName, marksPath, bytes, TimeProvider.System, ct);
            if (parseResult.GetValue(json))
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("cast");
                    foreach (EncryptedBallot ballot in result.Cast)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", ballot.Id.ToHex());
                        w.WriteString("confirmation_code", ballot.ConfirmationCode.ToHex());
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteStartArray("uncast");
                    foreach (UncastBallot ballot in result.Uncast)
                    {
                        w.WriteStringValue(ballot.Id.ToHex());
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"[green]{result.Cast.Count} cast[/] ballot(s) published to {Markup.Escape(opened.Board.Location)}; {result.Uncast.Count} uncast ballot(s) opened and published (uncast/).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

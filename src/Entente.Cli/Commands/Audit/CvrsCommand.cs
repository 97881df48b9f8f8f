using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Entente.Audit.Vendors;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// <c>entente audit cvrs --format dominion|dominion-json|ess|hart|clearballot|generic --manifest M.csv FILE… [--json]</c>:
/// reads a vendor's CVR export, places each card at its manifest position and prints what it found: the CVR count, each
/// contest with its votes allowed, ballots cast and each choice's votes; with <c>--json</c> one object
/// <c>{"cvr_count", "contests": {name: {"votes_allowed", "total_ballots_cast", "choices": {name: {"num_votes"}}}}, "ballots": […]}</c>.
/// Exit 2 with the file, row and column when the export or manifest is refused.
/// </summary>
internal static class CvrsCommand
{
    public static Option<string> FormatOption(string name) => new(name)
    {
        Description = "The export's format: dominion (CSV), dominion-json, ess (CVR file + ballots files), hart (XML files or folders + scanned-ballot-information CSVs), clearballot, generic (Entente's CSV).",
    };

    public static CvrFormat ParseFormat(string text, string option) => VendorCvrs.TryParseFormat(text, out CvrFormat f) ? f
        : throw new UsageException($"{option}: \"{text}\" is not a CVR format; use dominion, dominion-json, ess, hart, clearballot or generic.");

    public static Command Create()
    {
        Option<string> format = FormatOption("--format");
        Option<string> manifest = new("--manifest") { Description = "Ballot manifest CSV (Arlo's template: [Container,]Tabulator,Batch Name,Number of Ballots)." };
        Option<bool> json = new("--json") { Description = "Print one JSON object: cvr_count, contests and ballots." };
        Argument<string[]> files = new("FILE") { Description = "The export's files (for Hart, XML files or folders of them).", Arity = ArgumentArity.OneOrMore };
        Command command = new("cvrs", "Read a vendor's cast vote records against the manifest and print the CVR count, contests and votes; refuses what an audit could not use.")
        {
            format, manifest, json, files,
        };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            CvrFormat f = ParseFormat(AuditCli.Require(parseResult, format), "--format");
            CvrImport import = VendorCvrs.Import(f, AuditCli.Require(parseResult, manifest), parseResult.GetValue(files) ?? []);
            if (parseResult.GetValue(json))
            {
                WriteJson(output, import);
            }
            else
            {
                WriteHuman(output, import);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteHuman(TextWriter output, CvrImport import)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{import.CvrCount} cast vote records ({VendorCvrs.Name(import.Format)}) in {import.Ballots.Select(b => (b.Tabulator, b.Batch)).Distinct().Count()} of the manifest's {import.Manifest.Batches.Count} batches ({import.Manifest.TotalBallots} ballots)."));
        foreach (CvrContest contest in import.Contests)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{contest.Name} (vote for {contest.VotesAllowed}), on {contest.BallotsCast} cards:"));
            int width = contest.Choices.Count == 0 ? 0 : contest.Choices.Max(c => c.Name.Length);
            foreach (CvrChoice choice in contest.Choices)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {choice.Name.PadRight(width)}  {choice.Votes,8}"));
            }
        }
    }

    private static void WriteJson(TextWriter output, CvrImport import)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("cvr_count", import.CvrCount);
            w.WriteStartObject("contests");
            foreach (CvrContest contest in import.Contests)
            {
                w.WriteStartObject(contest.Name);
                w.WriteNumber("votes_allowed", contest.VotesAllowed);
                w.WriteNumber("total_ballots_cast", contest.BallotsCast);
                w.WriteStartObject("choices");
                foreach (CvrChoice choice in contest.Choices)
                {
                    w.WriteStartObject(choice.Name);
                    w.WriteNumber("num_votes", choice.Votes);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartArray("ballots");
            foreach (ImportedCvr b in import.Ballots)
            {
                w.WriteStartObject();
                if (b.Tabulator is not null)
                {
                    w.WriteString("tabulator", b.Tabulator);
                }

                w.WriteString("batch_name", b.Batch);
                w.WriteNumber("ballot_position", b.Position);
                w.WriteString("record_id", b.RecordId);
                w.WriteString("imprinted_id", b.ImprintedId);
                w.WriteString("interpretations", import.Interpretations(b));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}

using System.CommandLine;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary><c>entente audit init</c>: starts an audit in a new directory.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> method = new("--method") { Description = "bravo (ballot polling), comparison (ballot-level comparison) or batch (batch comparison, MACRO)." };
        method.AcceptOnlyFromAmong("bravo", "comparison", "batch");
        Option<string> batchTallies = new("--batch-tallies") { Description = "batch: reported tallies per batch (Arlo's candidate-totals-by-batch template: Batch Name and one column per choice, or <contest> - <choice>)." };
        Option<double> risk = new("--risk-limit") { Description = "The risk limit α, for example 0.05.", DefaultValueFactory = _ => 0.05 };
        Option<string> manifest = new("--manifest") { Description = "Ballot manifest CSV." };
        Option<string> results = new("--results") { Description = "Reported results CSV." };
        Option<string[]> cvrs = new("--cvrs") { Description = "Cast vote records (comparison audits): Entente's CSV, or with --cvr-format a vendor export's files.", AllowMultipleArgumentsPerToken = true };
        Option<string> cvrFormat = CvrsCommand.FormatOption("--cvr-format");
        Option<string> parties = new("--parties") { Description = "Comma-separated parties that make the seed, for example Blue,Red." };
        Option<string> commitBy = new("--commit-by") { Description = "Commit deadline (ISO 8601)." };
        Option<string> revealBy = new("--reveal-by") { Description = "Reveal deadline (ISO 8601)." };
        Option<string> diceBy = new("--dice-by") { Description = "End of the public dice window (ISO 8601); default: no dice." };
        Option<string> ids = new("--ids") { Description = "Ballot id convention: entente (default), arlo or arlo-batch.", DefaultValueFactory = _ => "entente" };
        ids.AcceptOnlyFromAmong("entente", "arlo", "arlo-batch");
        Option<string[]> jurisdiction = new("--jurisdiction") { Description = "Jurisdiction name for Arlo ids; or, repeated as NAME=PARTY with --board and without --manifest, a multi-jurisdiction audit whose jurisdictions each upload their files (`audit upload`)." };
        Option<string> board = AuditBoard.BoardOption("the audit's inputs (before any seed commitment; the seed is then made there too)");
        Option<string> key = AuditBoard.KeyOption();
        Option<string> auditId = new("--audit-id") { Description = "Audit id (default: derived from the inputs' SHA-256)." };
        Command command = new("init", "Start an audit: check and copy the inputs, fix the method, risk limit and seed schedule.")
        {
            dir, method, risk, manifest, results, cvrs, cvrFormat, batchTallies, parties, commitBy, revealBy, diceBy, ids, jurisdiction, auditId, board, key,
        };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            var onBoard = AuditBoard.Read(parseResult, board, key);
            AuditMethod m = AuditCli.Require(parseResult, method) switch
            {
                "bravo" => AuditMethod.Bravo,
                "batch" => AuditMethod.Batch,
                _ => AuditMethod.Comparison,
            };
            DateTimeOffset commit = AuditCli.ParseTime(AuditCli.Require(parseResult, commitBy), "--commit-by");
            DateTimeOffset reveal = AuditCli.ParseTime(AuditCli.Require(parseResult, revealBy), "--reveal-by");
            DateTimeOffset dice = parseResult.GetValue(diceBy) is { } d ? AuditCli.ParseTime(d, "--dice-by") : reveal;
            string[] names = [.. AuditCli.Require(parseResult, parties).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            string[] jurisdictions = parseResult.GetValue(jurisdiction) ?? [];
            if (jurisdictions.Any(j => j.Contains('=', StringComparison.Ordinal)))
            {
                return InitMulti(parseResult, output, error, onBoard, m, commit, reveal, dice, names, jurisdictions);
            }

            if (jurisdictions.Length > 1)
            {
                throw new UsageException("--jurisdiction is given once for an audit of one manifest; a multi-jurisdiction audit names each as NAME=PARTY.");
            }

            string[] cvrFiles = parseResult.GetValue(cvrs) ?? [];
            VendorCvrInput? vendor = null;
            string? cvrPath = null;
            if (parseResult.GetValue(cvrFormat) is { } formatName)
            {
                vendor = new VendorCvrInput(CvrsCommand.ParseFormat(formatName, "--cvr-format"), cvrFiles.Length > 0 ? cvrFiles : throw new UsageException("--cvr-format needs the export's files in --cvrs."));
            }
            else if (cvrFiles.Length > 1)
            {
                throw new UsageException("--cvrs names one CSV file unless --cvr-format says which vendor export the files are.");
            }
            else
            {
                cvrPath = cvrFiles.FirstOrDefault();
            }

            AuditSettings settings = new(m, parseResult.GetValue(risk), AuditCli.Require(parseResult, manifest), AuditCli.Require(parseResult, results),
                cvrPath, names, commit, reveal, dice, parseResult.GetValue(ids) ?? "entente", jurisdictions.FirstOrDefault(), parseResult.GetValue(auditId))
            {
                VendorCvrs = vendor,
                BatchTalliesPath = parseResult.GetValue(batchTallies),
            };
            if (onBoard is ({ } boardUrl, { } boardKey) && AuditBoard.UnpublishedResults(boardUrl, settings, parseResult.GetValue(auditId)) is { Count: > 0 } differences)
            {
                boardKey.Dispose();
                error.WriteLine($"error: the audit's --results are not the results published on the board before its seed (docs/audit.md): {string.Join("; ", differences)}.");
                return ExitCodes.CheckFailed;
            }

            using AuditDirectory audit = AuditDirectory.Init(AuditCli.Require(parseResult, dir), settings, AuditCli.Clock);
            IAnsiConsole console = AuditCli.Console(output);
            console.MarkupLine($"Audit [bold]{Markup.Escape(audit.State.AuditId)}[/] created: {audit.Contests.Count} contest(s), {audit.Manifest.TotalBallots} ballots in {audit.Manifest.Batches.Count} batches." +
                (audit.State.Method == AuditMethod.Batch ? $" MACRO: total error bound U = {AuditCli.P(audit.TotalErrorBound())}, first round {audit.FirstBatchRoundSize()} batches." : ""));
            console.MarkupLine($"Next: each party runs `entente audit seed commit` before {commit:u}, then `seed reveal` before {reveal:u}.");
            if (onBoard is ({ } url, { } signer))
            {
                using (signer)
                {
                    return AuditBoard.PostInputs(output, error, audit, url, signer);
                }
            }

            return ExitCodes.Ok;
        });
        return command;

        int InitMulti(ParseResult parseResult, TextWriter output, TextWriter error, (Uri Board, Entente.Transparency.Notes.Ed25519NoteSigner Key)? onBoard, AuditMethod m,
            DateTimeOffset commit, DateTimeOffset reveal, DateTimeOffset dice, string[] names, string[] values)
        {
            if (onBoard is not ({ } boardUrl, { } boardKey))
            {
                throw new UsageException("a multi-jurisdiction audit is made on a board: give --board and --key (each jurisdiction uploads its files there).");
            }

            using (boardKey)
            {
                foreach (Option o in new Option[] { manifest, cvrs, cvrFormat, batchTallies }.Where(o => parseResult.GetResult(o) is not null))
                {
                    throw new UsageException($"{o.Name}: in a multi-jurisdiction audit each jurisdiction uploads its own files (`entente audit upload`).");
                }

                if (names.Length == 0 || names.Distinct(StringComparer.Ordinal).Count() != names.Length || !(commit < reveal && reveal <= dice))
                {
                    throw new UsageException("list each party once (--parties), with commit-by < reveal-by ≤ dice-by.");
                }

                string resultsPath = AuditCli.Require(parseResult, results);
                Entente.Audit.Io.ReportedResults.Load(resultsPath);
                string text = Entente.Audit.Io.CsvTable.DecodeText(Entente.Audit.Io.CsvTable.ReadBytes(resultsPath), Path.GetFileName(resultsPath));
                IReadOnlyList<Entente.Audit.Trail.AuditJurisdiction> named = JurisdictionsCommand.Parse(values);
                string id = parseResult.GetValue(auditId) ?? JurisdictionsCommand.DefaultId(text, named);
                string method = m switch { AuditMethod.Bravo => "bravo", AuditMethod.Batch => "batch", _ => "comparison" };
                Entente.Audit.Trail.AuditInputsArtifact inputs = new(id, method, parseResult.GetValue(risk), parseResult.GetValue(ids) ?? "entente", null,
                    [new Entente.Audit.Trail.AuditInputFile("results.csv", text)]) { Jurisdictions = named };
                if (Entente.Audit.Trail.MultiJurisdiction.CheckInputs(null, inputs.IdScheme, named, inputs.Files) is string problem)
                {
                    throw new UsageException("--jurisdiction: " + problem + ".");
                }

                Entente.Audit.Statistics.Bravo.CheckAlphaForInput(inputs.RiskLimit);
                AuditSettings check = new(m, inputs.RiskLimit, "", resultsPath, null, names, commit, reveal, dice, inputs.IdScheme, null, parseResult.GetValue(auditId));
                if (AuditBoard.UnpublishedResults(boardUrl, check, parseResult.GetValue(auditId)) is { Count: > 0 } differences)
                {
                    error.WriteLine($"error: the audit's --results are not the results published on the board before its seed (docs/audit.md): {string.Join("; ", differences)}.");
                    return ExitCodes.CheckFailed;
                }

                return JurisdictionsCommand.Init(output, error, AuditCli.Require(parseResult, dir), inputs,
                    new JurisdictionsCommand.Pending(id, boardUrl.AbsoluteUri, names, commit, reveal, dice), boardUrl, boardKey);
            }
        }
    }
}

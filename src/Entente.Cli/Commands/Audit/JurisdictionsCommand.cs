using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Audit.Io;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Entente.Client.Board;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// Multi-jurisdiction audits (docs/audit.md, "Multi-jurisdiction audits"): <c>audit init --jurisdiction NAME=PARTY …</c>
/// posts the audit naming its jurisdictions and leaves the directory waiting (<see cref="PendingFile"/>);
/// <c>audit upload</c> posts one jurisdiction's files with its own key; the first command that opens the directory once
/// every jurisdiction's files are on the board makes the directory from their union, as the verifier recomputes it.
/// </summary>
internal static class JurisdictionsCommand
{
    /// <summary>The file a multi-jurisdiction audit directory holds until every jurisdiction has uploaded.</summary>
    public const string PendingFile = "jurisdictions.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>What a waiting directory keeps: the settings the audit directory is then made with.</summary>
    internal sealed record Pending(string AuditId, string Board, IReadOnlyList<string> Parties, DateTimeOffset CommitBy, DateTimeOffset RevealBy, DateTimeOffset DiceBy);

    /// <summary>Parses the repeated <c>--jurisdiction NAME=PARTY</c> of a multi-jurisdiction init.</summary>
    public static IReadOnlyList<AuditJurisdiction> Parse(IReadOnlyList<string> values) =>
        [.. values.Select(v => v.Split('=', 2, StringSplitOptions.TrimEntries) is [{ Length: > 0 } name, { Length: > 0 } party]
            ? new AuditJurisdiction(name, party)
            : throw new UsageException($"--jurisdiction \"{v}\": write NAME=PARTY (the jurisdiction and the charter party whose key uploads its files) for each jurisdiction of a multi-jurisdiction audit."))];

    /// <summary>
    /// <c>audit init</c> of a multi-jurisdiction audit: posts the inputs (the results and the jurisdictions) and writes the
    /// waiting directory.
    /// </summary>
    public static int Init(TextWriter output, TextWriter error, string dir, AuditInputsArtifact inputs, Pending pending, Uri board, Entente.Transparency.Notes.Ed25519NoteSigner key)
    {
        Directory.CreateDirectory(dir);
        if (File.Exists(Path.Combine(dir, AuditDirectory.StateFile)) || File.Exists(Path.Combine(dir, PendingFile)))
        {
            throw new UsageException($"{dir}: an audit already exists in this directory; choose an empty directory.");
        }

        int posted = SeedCommand.Post(output, error, board, key, new BoardTarget("audit-inputs", inputs.AuditId, AuditTrailArtifacts.InputsType, false, false),
            AuditTrailArtifacts.Write(inputs), "the audit's inputs (its results and jurisdictions)");
        if (posted != ExitCodes.Ok)
        {
            return posted;
        }

        File.WriteAllText(Path.Combine(dir, PendingFile), JsonSerializer.Serialize(pending, Json));
        output.WriteLine($"Audit {inputs.AuditId} created over {inputs.Jurisdictions.Count} jurisdiction(s). Next: each jurisdiction runs "
            + $"`entente audit upload --audit-id {inputs.AuditId} --jurisdiction NAME --manifest … --board {board.AbsoluteUri} --key ITS_KEY`; "
            + "then each party runs `entente audit seed commit`.");
        return ExitCodes.Ok;
    }

    /// <summary>The audit id of a multi-jurisdiction audit when not given: from its results and jurisdictions.</summary>
    public static string DefaultId(string results, IReadOnlyList<AuditJurisdiction> jurisdictions) =>
        "audit-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(results + "\n" + string.Join("\n", jurisdictions.Select(j => j.Name + "=" + j.Party)))))[..16];

    /// <summary>
    /// When <paramref name="dir"/> waits for its jurisdictions' files: reads the audit from the board and, once every
    /// jurisdiction's upload is there (by its party, before any seed commitment), makes the audit directory from their
    /// union. Refuses naming the jurisdictions still missing.
    /// </summary>
    public static void Complete(string dir)
    {
        string file = Path.Combine(dir, PendingFile);
        if (File.Exists(Path.Combine(dir, AuditDirectory.StateFile)) || !File.Exists(file))
        {
            return;
        }

        Pending pending = JsonSerializer.Deserialize<Pending>(File.ReadAllText(file), Json) ?? throw new UsageException($"{file} is empty.");
        Uri board = AuditBoard.Url(pending.Board);
        IReadOnlyList<AuditTrailEntry> entries = AuditBoard.ReadAsync(board, pending.AuditId, CancellationToken.None).GetAwaiter().GetResult();
        AuditTrailEntry inputsEntry = entries.FirstOrDefault(e => e.Type == AuditTrailArtifacts.InputsType)
            ?? throw new UsageException($"the inputs of audit {pending.AuditId} are not on {board.AbsoluteUri}.");
        AuditInputsArtifact inputs = AuditTrailArtifacts.ReadInputs($"entry {inputsEntry.Index}", inputsEntry.Body);
        HashSet<string> uploaded = [];
        foreach (AuditTrailEntry e in entries.Where(e => e.Type == AuditTrailArtifacts.UploadType))
        {
            AuditUploadArtifact upload = AuditTrailArtifacts.ReadUpload($"entry {e.Index}", e.Body);
            if (upload.AuditId == pending.AuditId)
            {
                uploaded.Add(upload.Jurisdiction);
            }
        }

        if (MultiJurisdiction.Missing(inputs, uploaded) is { Count: > 0 } missing)
        {
            throw new UsageException($"audit {pending.AuditId} waits for the files of {string.Join(", ", missing)}: each jurisdiction runs `entente audit upload` before the seed is committed to.");
        }

        AuditTrailResult checkedUploads = AuditTrailVerifier.Verify(pending.AuditId, entries, ResultsCommand.PublishedAsync(board, CancellationToken.None).GetAwaiter().GetResult());
        if (checkedUploads.Progress is not { } progress || (!checkedUploads.Ok && checkedUploads.FailedStep is string step && (step == "inputs" || step.StartsWith("upload of ", StringComparison.Ordinal))))
        {
            throw new AuditInputException(board.AbsoluteUri, 0, "", $"{checkedUploads.FailedStep}: {checkedUploads.Problem}");
        }

        using (AuditDirectory audit = AuditDirectory.InitUnion(dir, progress.Inputs, pending.Parties, pending.CommitBy, pending.RevealBy, pending.DiceBy, AuditCli.Clock))
        {
            audit.State.SeedBoard = board.AbsoluteUri;
            audit.Save();
        }

        File.Delete(file);
    }

    /// <summary><c>entente audit upload</c>: one jurisdiction's manifest and CVRs (or batch tallies), signed by its key.</summary>
    public static Command CreateUpload()
    {
        Option<string> auditId = new("--audit-id") { Description = "The multi-jurisdiction audit's id (printed by `audit init`)." };
        Option<string> jurisdiction = new("--jurisdiction") { Description = "Your jurisdiction, as the audit names it." };
        Option<string> manifest = new("--manifest") { Description = "Your ballot manifest CSV (Arlo's form or Entente's)." };
        Option<string[]> cvrs = new("--cvrs") { Description = "comparison: your cast vote records: Entente's CSV, or with --cvr-format a vendor export's files.", AllowMultipleArgumentsPerToken = true };
        Option<string> cvrFormat = CvrsCommand.FormatOption("--cvr-format");
        Option<string> batchTallies = new("--batch-tallies") { Description = "batch: your reported tallies per batch (Arlo's candidate-totals-by-batch template)." };
        Option<string> board = new("--board") { Description = "The board holding the audit." };
        Option<string> key = new("--key") { Description = "Your jurisdiction's charter key file (the party the audit names for it)." };
        Command command = new("upload", "Upload your jurisdiction's manifest and CVRs (or batch tallies) to a multi-jurisdiction audit on the board, signed with your key; before the seed.")
        {
            auditId, jurisdiction, manifest, cvrs, cvrFormat, batchTallies, board, key,
        };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            string id = AuditCli.Require(parseResult, auditId);
            string name = AuditCli.Require(parseResult, jurisdiction);
            Uri url = AuditBoard.Url(AuditCli.Require(parseResult, board));
            using Entente.Transparency.Notes.Ed25519NoteSigner signer = Election.ElectionPlaceOptions.ReadKey(AuditCli.Require(parseResult, key));
            IReadOnlyList<AuditTrailEntry> entries = AuditBoard.ReadAsync(url, id, CancellationToken.None).GetAwaiter().GetResult();
            AuditTrailEntry inputsEntry = entries.FirstOrDefault(e => e.Type == AuditTrailArtifacts.InputsType)
                ?? throw new UsageException($"audit {id} is not on {url.AbsoluteUri} (no audit.inputs entry).");
            AuditInputsArtifact inputs = AuditTrailArtifacts.ReadInputs($"entry {inputsEntry.Index}", inputsEntry.Body);
            List<AuditInputFile> files = [new("manifest.csv", "")];
            string[] cvrFiles = parseResult.GetValue(cvrs) ?? [];
            string manifestPath = AuditCli.Require(parseResult, manifest);
            BallotManifest own;
            if (parseResult.GetValue(cvrFormat) is { } formatName)
            {
                Entente.Audit.Vendors.CvrImport import = Entente.Audit.Vendors.VendorCvrs.Import(CvrsCommand.ParseFormat(formatName, "--cvr-format"),
                    Entente.Audit.Vendors.VendorManifest.Load(manifestPath), cvrFiles.Length > 0 ? cvrFiles : throw new UsageException("--cvr-format needs the export's files in --cvrs."));
                own = import.Manifest;
                files.Add(new AuditInputFile("cvrs.csv", Encoding.UTF8.GetString(Entente.Audit.Vendors.NormalizedInputs.CastVoteRecords(import))));
            }
            else
            {
                // As at init: Arlo's manifest form with a vendor export or batch tallies, Entente's otherwise.
                own = parseResult.GetValue(batchTallies) is null ? BallotManifest.Load(manifestPath) : Entente.Audit.Vendors.VendorManifest.Load(manifestPath);
                if (cvrFiles.Length > 1)
                {
                    throw new UsageException("--cvrs names one CSV file unless --cvr-format says which vendor export the files are.");
                }

                if (cvrFiles.Length == 1)
                {
                    files.Add(new AuditInputFile("cvrs.csv", CsvTable.DecodeText(CsvTable.ReadBytes(cvrFiles[0]), Path.GetFileName(cvrFiles[0]))));
                }
            }

            if (parseResult.GetValue(batchTallies) is string tallies)
            {
                files.Add(new AuditInputFile(AuditDirectory.BatchTalliesFile, CsvTable.DecodeText(CsvTable.ReadBytes(tallies), Path.GetFileName(tallies))));
            }

            if (own.Jurisdiction is string column && column != name)
            {
                throw new UsageException($"{Path.GetFileName(manifestPath)}: its Jurisdiction column says \"{column}\", not \"{name}\"; upload each jurisdiction's own manifest.");
            }

            files[0] = new AuditInputFile("manifest.csv", Encoding.UTF8.GetString(Entente.Audit.Vendors.NormalizedInputs.Manifest(own)));
            AuditUploadArtifact upload = new(id, name, files);
            if (MultiJurisdiction.CheckUpload(inputs, upload) is string problem)
            {
                error.WriteLine($"error: {problem}");
                return ExitCodes.UsageOrInput;
            }

            return SeedCommand.Post(output, error, url, signer, new BoardTarget("audit-uploads", upload.Id, AuditTrailArtifacts.UploadType, false, false),
                AuditTrailArtifacts.Write(upload), $"the files of {name} ({own.Batches.Count} batch(es), {own.TotalBallots} ballot(s))");
        });
        return command;
    }
}

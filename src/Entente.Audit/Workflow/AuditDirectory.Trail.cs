using System.Globalization;
using Entente.Audit.Io;
using Entente.Audit.Trail;

namespace Entente.Audit.Workflow;

public sealed partial class AuditDirectory
{
    private static readonly string[] TrailInputs = ["manifest.csv", "results.csv", "cvrs.csv", BatchTalliesFile];

    /// <summary>The commitment to this audit's inputs (the normalized files it works on), for the board (AuditTrail.cs).</summary>
    public AuditInputsArtifact InputsArtifact()
    {
        List<AuditInputFile> files = [];
        foreach (string name in TrailInputs)
        {
            string file = System.IO.Path.Combine(Path, "inputs", name);
            if (File.Exists(file))
            {
                files.Add(new AuditInputFile(name, CsvTable.DecodeText(File.ReadAllBytes(file), name)));
            }
        }

        string method = State.Method switch { AuditMethod.Bravo => "bravo", AuditMethod.Batch => "batch", _ => "comparison" };
        return new AuditInputsArtifact(State.AuditId, method, State.RiskLimit, State.IdScheme, State.Jurisdiction, files);
    }

    /// <summary>
    /// Creates the audit directory of a multi-jurisdiction audit from the union of its jurisdictions' uploads
    /// (<see cref="MultiJurisdiction.Union"/>): the same files, hashed, as an audit of one manifest, under the audit's id.
    /// </summary>
    public static AuditDirectory InitUnion(string path, AuditInputsArtifact union, IReadOnlyList<string> parties, DateTimeOffset commitBy, DateTimeOffset revealBy,
        DateTimeOffset diceBy, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(union);
        string staging = Directory.CreateTempSubdirectory("entente-audit-union-").FullName;
        try
        {
            string Staged(string name) => union.Files.Any(f => f.Name == name) ? Stage(name) : null!;
            string Stage(string name)
            {
                string file = System.IO.Path.Combine(staging, name);
                File.WriteAllText(file, union.Files.First(f => f.Name == name).Text, new System.Text.UTF8Encoding(false));
                return file;
            }

            AuditMethod method = union.Method switch { "bravo" => AuditMethod.Bravo, "batch" => AuditMethod.Batch, _ => AuditMethod.Comparison };
            AuditSettings settings = new(method, union.RiskLimit, Stage("manifest.csv"), Stage("results.csv"), method == AuditMethod.Comparison ? Staged("cvrs.csv") : null,
                parties, commitBy, revealBy, diceBy, union.IdScheme, null, union.AuditId)
            {
                BatchTalliesPath = method == AuditMethod.Batch ? Staged(BatchTalliesFile) : null,
                Jurisdictions = union.Jurisdictions,
            };
            return Init(path, settings, clock);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>A round's sample as a board artifact.</summary>
    public AuditRoundArtifact RoundArtifact(AuditRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return new AuditRoundArtifact(State.AuditId, round.Number,
            [.. round.Draws.Select(d => new AuditRoundDraw(d.Ticket, d.Tabulator, d.Batch, d.Position))]);
    }

    /// <summary>The round artifact's id on the board: <c>audit:round</c>.</summary>
    public string RoundId(AuditRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return State.AuditId + ":" + round.Number.ToString(CultureInfo.InvariantCulture);
    }
}

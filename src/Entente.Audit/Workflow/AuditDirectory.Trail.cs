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

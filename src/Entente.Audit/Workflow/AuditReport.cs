// The audit report: CSV for machines and a self-contained HTML page (inline CSS and SVG, no JavaScript) for
// people, with a chart of the measured risk after each draw for every contest.
using System.Globalization;
using System.Net;
using System.Text;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Audit.Seed;
using Entente.Audit.Statistics;

namespace Entente.Audit.Workflow;

/// <summary>Renders the audit report.</summary>
public static class AuditReport
{
    private static string F(double x) => x.ToString("0.######", CultureInfo.InvariantCulture);

    private static string I(long x) => x.ToString(CultureInfo.InvariantCulture);

    /// <summary>A human word for a decision.</summary>
    public static string Describe(ContestDecision decision) => decision switch
    {
        ContestDecision.Confirmed => "confirmed",
        ContestDecision.AnotherRound => "another round",
        _ => "full hand count",
    };

    /// <summary>The report as CSV, in sections.</summary>
    public static string Csv(AuditDirectory audit, AuditDecision decision, SeedResult seed)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(seed);
        AuditState s = audit.State;
        List<string> lines = ["######## AUDIT SETTINGS ########", CsvWriter.Line("Audit Id", "Method", "Risk Limit", "Seed", "Ballots In Manifest", "Id Scheme")];
        lines.Add(CsvWriter.Line(s.AuditId, s.Method.ToString().ToLowerInvariant(), F(s.RiskLimit), s.Seed ?? seed.Seed ?? "", I(audit.Manifest.TotalBallots), s.IdScheme));
        lines.Add("");
        lines.Add("######## INPUT FILES ########");
        lines.Add(CsvWriter.Line("File", "SHA-256"));
        lines.AddRange(s.InputHashes.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => CsvWriter.Line(h.Key, h.Value)));
        lines.Add("");
        lines.Add("######## SEED PARTIES ########");
        lines.Add(CsvWriter.Line("Party", "Outcome", "Commit Log Index", "Reveal Log Index"));
        lines.AddRange(seed.Parties.Select(p => CsvWriter.Line(p.Party, Outcome(p.Outcome), p.CommitIndex?.ToString(CultureInfo.InvariantCulture), p.RevealIndex?.ToString(CultureInfo.InvariantCulture))));
        lines.Add("");
        lines.Add("######## CONTESTS ########");
        lines.Add(CsvWriter.Line("Contest", "Winners", "Reported Winners", "Ballots", "Diluted Margin", "Risk", "Decision", "Next Round Size", "O1", "O2", "U1", "U2", "Not Found"));
        foreach (ContestRisk r in decision.Contests)
        {
            ReportedContest c = audit.Contests.Single(x => x.Name == r.Contest);
            lines.Add(CsvWriter.Line(c.Name, I(c.WinnerCount), string.Join("; ", c.Winners.Select(w => w.Name)), I(c.Ballots),
                F(AuditEngine.OverPopulation(c, audit.Manifest.TotalBallots).DilutedMargin), F(r.PValue), Describe(r.Decision), I(r.NextRoundSize),
                I(r.Discrepancies.O1), I(r.Discrepancies.O2), I(r.Discrepancies.U1), I(r.Discrepancies.U2), I(r.NotFound)));
        }

        lines.Add("");
        lines.Add("######## PAIRS ########");
        lines.Add(CsvWriter.Line("Contest", "Winner", "Loser", "Risk"));
        lines.AddRange(decision.Contests.SelectMany(r => r.Pairs.Select(p => CsvWriter.Line(r.Contest, p.Winner, p.Loser, F(p.PValue)))));
        lines.Add("");
        lines.Add("######## ROUNDS ########");
        lines.Add(CsvWriter.Line("Round", "Draws", "Signed Off By", "Signed Off At"));
        lines.AddRange(s.Rounds.Select(r => CsvWriter.Line(I(r.Number), I(r.Draws.Count), r.SignedOffBy, r.SignedOffAt?.ToString("O", CultureInfo.InvariantCulture))));
        lines.Add("");
        lines.Add("######## SAMPLED BALLOTS ########");
        List<string> header = ["Draw", "Round", "Ticket Number", "Container", "Tabulator", "Batch", "Position", "Times Drawn"];
        header.AddRange(audit.Contests.Select(c => "Audit Result: " + c.Name));
        lines.Add(CsvWriter.Line(header));
        IReadOnlyDictionary<string, BallotReading> readings = audit.Readings();
        foreach (AuditRound round in s.Rounds)
        {
            foreach (AuditDraw d in round.Draws)
            {
                List<string?> cells = [I(d.Index), I(round.Number), s.Method == AuditMethod.Batch ? d.Ticket : ConsistentSampler.Trim(d.Ticket, s.TicketDigits), d.Container, d.Tabulator, d.Batch, I(d.Position), I(d.Generation)];
                if (s.Method == AuditMethod.Batch)
                {
                    // Batch audits: the hand count per contest (Position is 0: the whole batch).
                    var counts = audit.LatestBatchCounts();
                    cells.AddRange(audit.Contests.Select(c => counts.TryGetValue((d.BallotKey, c.Name), out BatchCount? n)
                        ? string.Join("; ", n.Votes.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} {v.Value}")) : ""));
                    lines.Add(CsvWriter.Line(cells));
                    continue;
                }

                readings.TryGetValue(d.BallotKey, out BallotReading? reading);
                cells.AddRange(audit.Contests.Select(c => reading is null ? "" : reading.NotFound ? "BALLOT NOT FOUND"
                    : reading.Contests.TryGetValue(c.Name, out IReadOnlySet<string>? v) ? (v.Count == 0 ? "BLANK" : string.Join("; ", v.Order(StringComparer.Ordinal)))
                    : "CONTEST NOT ON BALLOT"));
                lines.Add(CsvWriter.Line(cells));
            }
        }

        return CsvWriter.Document(lines);
    }

    /// <summary>A human phrase for a party's outcome in the seed protocol.</summary>
    public static string Outcome(PartyOutcome o) => o switch
    {
        PartyOutcome.Revealed => "revealed",
        PartyOutcome.DidNotCommit => "did not commit",
        PartyOutcome.DidNotReveal => "did not reveal",
        _ => "pending",
    };

    /// <summary>The report as one self-contained HTML page.</summary>
    public static string Html(AuditDirectory audit, AuditDecision decision, SeedResult seed)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(seed);
        AuditState s = audit.State;
        StringBuilder h = new();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Risk-limiting audit ").Append(E(s.AuditId)).Append("</title>\n");
        h.Append("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#111}table{border-collapse:collapse;margin:1em 0}")
            .Append("td,th{border:1px solid #999;padding:.25em .6em;text-align:left}th{background:#eee}.ok{color:#05620b;font-weight:bold}")
            .Append(".warn{color:#8a4b00;font-weight:bold}.bad{color:#a00;font-weight:bold}code{font-size:.9em}</style></head><body>\n");
        h.Append("<h1>Risk-limiting audit</h1>\n<table><tr><th>Audit id</th><td><code>").Append(E(s.AuditId)).Append("</code></td></tr>")
            .Append("<tr><th>Method</th><td>").Append(s.Method switch
            {
                AuditMethod.Bravo => "Ballot polling (BRAVO)",
                AuditMethod.Batch => "Batch comparison (MACRO across contests, PPEB draws)",
                _ => "Ballot-level comparison (Kaplan–Markov, γ = 1.03905)",
            }).Append("</td></tr>")
            .Append("<tr><th>Risk limit</th><td>").Append(F(s.RiskLimit)).Append("</td></tr>")
            .Append("<tr><th>Seed</th><td><code>").Append(E(s.Seed ?? seed.Seed ?? "not yet fixed")).Append("</code></td></tr>")
            .Append("<tr><th>Ballots in manifest</th><td>").Append(I(audit.Manifest.TotalBallots)).Append("</td></tr>")
            .Append("<tr><th>Draws measured</th><td>").Append(I(decision.Draws)).Append("</td></tr></table>\n");
        h.Append("<h2>Outcome</h2>\n<p class=\"").Append(decision.AllConfirmed ? "ok" : decision.FullHandCount ? "bad" : "warn").Append("\">")
            .Append(decision.AllConfirmed ? "Every reported outcome is confirmed at the risk limit."
                : decision.FullHandCount ? "A full hand count is required."
                : E($"The risk limit is not met yet: draw another round of {decision.NextRoundSize} ballots.")).Append("</p>\n");
        h.Append("<table><tr><th>Contest</th><th>Reported winners</th><th>Diluted margin</th><th>Risk</th><th>Decision</th><th>Next round</th></tr>\n");
        foreach (ContestRisk r in decision.Contests)
        {
            ReportedContest c = audit.Contests.Single(x => x.Name == r.Contest);
            h.Append("<tr><td>").Append(E(c.Name)).Append("</td><td>").Append(E(string.Join(", ", c.Winners.Select(w => w.Name)))).Append("</td><td>")
                .Append(F(AuditEngine.OverPopulation(c, audit.Manifest.TotalBallots).DilutedMargin)).Append("</td><td>").Append(F(r.PValue)).Append("</td><td>")
                .Append(Describe(r.Decision)).Append("</td><td>").Append(r.NextRoundSize == 0 ? "" : I(r.NextRoundSize)).Append("</td></tr>\n");
        }

        h.Append("</table>\n<h2>Risk over the sample</h2>\n");
        foreach (ContestRisk r in decision.Contests)
        {
            h.Append("<h3>").Append(E(r.Contest)).Append("</h3>\n").Append(Chart(r, s.RiskLimit)).Append('\n');
        }

        h.Append("<h2>Seed</h2>\n<table><tr><th>Party</th><th>Outcome</th><th>Commit (log index)</th><th>Reveal (log index)</th></tr>\n");
        foreach (PartyStatus p in seed.Parties)
        {
            h.Append("<tr><td>").Append(E(p.Party)).Append("</td><td>").Append(Outcome(p.Outcome)).Append("</td><td>")
                .Append(p.CommitIndex?.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(p.RevealIndex?.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }

        h.Append("</table>\n<h2>Input files</h2>\n<table><tr><th>File</th><th>SHA-256</th></tr>\n");
        foreach ((string name, string hash) in s.InputHashes.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            h.Append("<tr><td>").Append(E(name)).Append("</td><td><code>").Append(E(hash)).Append("</code></td></tr>\n");
        }

        h.Append("</table>\n<h2>Rounds</h2>\n<table><tr><th>Round</th><th>Draws</th><th>Signed off by</th><th>At</th></tr>\n");
        foreach (AuditRound round in s.Rounds)
        {
            h.Append("<tr><td>").Append(I(round.Number)).Append("</td><td>").Append(I(round.Draws.Count)).Append("</td><td>").Append(E(round.SignedOffBy ?? "not signed off"))
                .Append("</td><td>").Append(round.SignedOffAt?.ToString("u", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }

        h.Append("</table>\n<p>Every figure here can be recomputed from the audit directory with <code>entente audit status</code>; the sample from the seed with <code>entente audit sample</code>.</p>\n</body></html>\n");
        return h.ToString();
    }

    /// <summary>An SVG line chart of the risk after each draw, on a log scale, with the risk limit dashed.</summary>
    public static string Chart(ContestRisk risk, double riskLimit)
    {
        ArgumentNullException.ThrowIfNull(risk);
        const int Width = 640, Height = 240, Left = 60, Right = 20, Top = 20, Bottom = 40;
        IReadOnlyList<double> p = risk.RiskByDraw;
        double floor = Math.Min(riskLimit / 10, p.Count == 0 ? 1 : p.Where(x => x > 0).DefaultIfEmpty(1).Min());
        double minLog = Math.Floor(Math.Log10(Math.Max(floor, 1e-12)));
        int n = Math.Max(1, p.Count);
        double X(int i) => Left + (Width - Left - Right) * (double)i / n;
        double Y(double v) => Top + (Height - Top - Bottom) * (Math.Log10(Math.Max(v, Math.Pow(10, minLog))) / minLog);
        StringBuilder svg = new();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{E("Risk after each draw for " + risk.Contest)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"#fafafa\" stroke=\"#999\"/>");
        for (int e = 0; e >= minLog; e--)
        {
            double y = Y(Math.Pow(10, e));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:0.##}\" y2=\"{y:0.##}\" stroke=\"#ddd\"/><text x=\"{Left - 6}\" y=\"{y + 4:0.##}\" font-size=\"11\" text-anchor=\"end\">1e{e}</text>");
        }

        double ya = Y(riskLimit);
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{ya:0.##}\" y2=\"{ya:0.##}\" stroke=\"#a00\" stroke-dasharray=\"6 4\"/><text x=\"{Width - Right - 4}\" y=\"{ya - 4:0.##}\" font-size=\"11\" text-anchor=\"end\" fill=\"#a00\">risk limit {F(riskLimit)}</text>");
        StringBuilder points = new();
        points.Append(CultureInfo.InvariantCulture, $"{X(0):0.##},{Y(1):0.##}");
        for (int i = 0; i < p.Count; i++)
        {
            points.Append(CultureInfo.InvariantCulture, $" {X(i + 1):0.##},{Y(p[i]):0.##}");
        }

        svg.Append("<polyline fill=\"none\" stroke=\"#1f4e9c\" stroke-width=\"2\" points=\"").Append(points).Append("\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" font-size=\"12\" text-anchor=\"middle\">draws (0 to {p.Count})</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(Top + Height - Bottom) / 2})\">risk</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

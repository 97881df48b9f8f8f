using System.CommandLine;
using System.Globalization;
using Entente.Audit.Statistics;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary><c>entente audit status</c>: the risk per contest and the decision. Exit 1 until every contest is confirmed.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<bool> json = new("--json") { Description = "Print one JSON object: method, risk limit, draws, signed-off rounds, and per contest the risk after each draw, the decision and the next round's size." };
        Command command = new("status", "Show the risk per contest over the signed-off rounds and the decision: confirmed, another round (with its size) or a full hand count. Exit 1 while the risk limit is not met.")
        {
            dir, json,
        };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            using AuditDirectory audit = AuditCli.Open(parseResult, dir);
            if (parseResult.GetValue(json))
            {
                AuditDecision measured = audit.Evaluate();
                output.WriteLine(Json(audit, measured));
                return measured.AllConfirmed ? ExitCodes.Ok : ExitCodes.CheckFailed;
            }

            AuditDecision decision = AuditCli.WithProgress(output, "Measuring the risk…", audit.Evaluate);
            IAnsiConsole console = AuditCli.Console(output);
            console.MarkupLine(Markup.Escape($"Audit {audit.State.AuditId}: {audit.State.Method.ToString().ToLowerInvariant()}, risk limit {AuditCli.P(audit.State.RiskLimit)}, {decision.Draws} draws in {audit.State.Rounds.Count(r => r.SignedOffBy is not null)} signed-off round(s)."));
            if (audit.CurrentRound is { SignedOffBy: null } open)
            {
                console.MarkupLine(Markup.Escape($"Round {open.Number} is open: {audit.Missing().Count} sampled {(audit.State.Method == AuditMethod.Batch ? "batch(es)" : "ballot(s)")} still to record; it counts once signed off."));
            }

            Table table = new Table().AddColumns("Contest", "Risk", "Decision", "Next round");
            foreach (ContestRisk r in decision.Contests)
            {
                table.AddRow(Markup.Escape(r.Contest), AuditCli.P(r.PValue), AuditReport.Describe(r.Decision),
                    r.NextRoundSize == 0 ? "" : r.NextRoundSize.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
            if (audit.State.Method == AuditMethod.Bravo)
            {
                WriteBravoOptions(console, audit, decision);
            }

            console.MarkupLine(decision.AllConfirmed ? "All contests confirmed."
                : decision.FullHandCount ? "Escalate to a full hand count."
                : $"Risk limit not met: draw another round of {decision.NextRoundSize} {(audit.State.Method == AuditMethod.Batch ? "batches" : "ballots")} (`entente audit sample --dir`).");
            return decision.AllConfirmed ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    /// <summary>The machine form of the status (snake_case members, decisions as in the report: confirmed, another_round, full_hand_count).</summary>
    private static string Json(AuditDirectory audit, AuditDecision decision)
    {
        using MemoryStream stream = new();
        using (System.Text.Json.Utf8JsonWriter w = new(stream, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("audit_id", audit.State.AuditId);
            w.WriteString("method", audit.State.Method.ToString().ToLowerInvariant());
            w.WriteNumber("risk_limit", audit.State.RiskLimit);
            w.WriteNumber("draws", decision.Draws);
            w.WriteNumber("signed_off_rounds", audit.State.Rounds.Count(r => r.SignedOffBy is not null));
            w.WriteBoolean("all_confirmed", decision.AllConfirmed);
            w.WriteBoolean("full_hand_count", decision.FullHandCount);
            w.WriteNumber("next_round_size", decision.AllConfirmed ? 0 : decision.NextRoundSize);
            w.WriteStartObject("contests");
            foreach (ContestRisk r in decision.Contests)
            {
                w.WriteStartObject(r.Contest);
                w.WriteNumber("risk", r.PValue);
                w.WriteString("decision", r.Decision switch
                {
                    ContestDecision.Confirmed => "confirmed",
                    ContestDecision.AnotherRound => "another_round",
                    _ => "full_hand_count",
                });
                w.WriteNumber("next_round_size", r.NextRoundSize);
                w.WriteNumber("not_found", r.NotFound);
                w.WriteStartArray("risk_by_draw");
                foreach (double risk in r.RiskByDraw)
                {
                    w.WriteNumberValue(risk);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>For open BRAVO contests: ASN with its one-round completion chance and the 70/80/90 % one-round sizes.</summary>
    private static void WriteBravoOptions(IAnsiConsole console, AuditDirectory audit, AuditDecision decision)
    {
        Table options = new Table().AddColumns("Contest", "ASN", "P(one round)", "70 %", "80 %", "90 %");
        int rows = 0;
        foreach (ContestRisk r in decision.Contests.Where(c => c.Decision == ContestDecision.AnotherRound))
        {
            ReportedContest contest = AuditEngine.OverPopulation(audit.Contests.Single(c => c.Name == r.Contest), audit.Manifest.TotalBallots);
            Dictionary<string, long> seen = new(r.Tally, StringComparer.Ordinal);
            foreach (ChoiceTally loser in contest.Losers)
            {
                seen[loser.Name] = seen.GetValueOrDefault(loser.Name) + r.NotFound;
            }

            BravoSampleSizes sizes = Bravo.SampleSizes(audit.State.RiskLimit, contest, seen);
            string Q(double q) => sizes.Quantiles.TryGetValue(q, out long n) ? n.ToString(CultureInfo.InvariantCulture) : "";
            options.AddRow(Markup.Escape(r.Contest), sizes.AllBallots ? "all ballots" : sizes.Asn?.ToString(CultureInfo.InvariantCulture) ?? "",
                sizes.AsnCompletionProbability is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) : "", Q(0.7), Q(0.8), Q(0.9));
            rows++;
        }

        if (rows > 0)
        {
            console.MarkupLine("Size options for the next round (more ballots; choose with `sample --dir D --size N`):");
            console.Write(options);
        }
    }
}

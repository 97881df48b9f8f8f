using System.CommandLine;
using System.Globalization;
using Entente.Audit.Io;
using Entente.Audit.Statistics;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// <c>entente audit risk --method bravo|comparison|macro|alpha</c>: the measured risk (a p-value) per contest, in the order
/// of the results file, said in words with what it means against the risk limit; <c>--csv</c> prints the machine form
/// <c>contest,p-value</c> and <c>--json</c> one object. Exit 0 when every p-value is at or below --risk-limit, 1 otherwise,
/// 2 for a usage or input error.
/// </summary>
internal static class RiskCommand
{
    public static Command Create()
    {
        Option<string> method = new("--method") { Description = "bravo, comparison (Kaplan–Markov), macro (batch comparison) or alpha (SHANGRLA assorters)." };
        method.AcceptOnlyFromAmong("bravo", "comparison", "macro", "alpha");
        Option<string> results = new("--results") { Description = "Reported results CSV: Contest,Choice,Votes,Ballots[,Winners][,VotesAllowed]." };
        Option<double> risk = new("--risk-limit") { Description = "The risk limit α (default 0.05); sets the exit code.", DefaultValueFactory = _ => 0.05 };
        Option<string> tally = new("--sample-tally") { Description = "bravo: votes seen in the sample, CSV Contest,Choice,Votes." };
        Option<long> notFound = new("--not-found") { Description = "bravo: ballots drawn but not found (each counts for every loser)." };
        Option<string> discrepancies = new("--discrepancies") { Description = "comparison: CSV Contest,Sampled,O1,O2,U1,U2." };
        Option<double> gamma = new("--gamma") { Description = "comparison: error inflation factor γ (default 1.03905).", DefaultValueFactory = _ => KaplanMarkov.DefaultGamma };
        Option<string> manifest = new("--manifest") { Description = "macro: ballot manifest CSV (ballots per batch)." };
        Option<string> reported = new("--reported-batches") { Description = "macro: reported batch tallies CSV [Tabulator,]Batch,Contest,Choice,Votes." };
        Option<string> audited = new("--audited-batches") { Description = "macro: hand-counted batch tallies, same format." };
        Option<string> draws = new("--draws") { Description = "macro: batches drawn, in draw order, CSV [Tabulator,]Batch." };
        Option<string> mvrs = new("--mvrs") { Description = "alpha: manual vote records in draw order, CSV Draw,[Tabulator,]Batch,Position,Contest,Choice[,Found]." };
        Option<string> cvrs = new("--cvrs") { Description = "alpha: cast vote records; with them the audit is a card-level comparison, without them ballot polling." };
        Option<bool> without = new("--without-replacement") { Description = "alpha: the sample was drawn without replacement (uses the finite population)." };
        Option<bool> csv = new("--csv") { Description = "Print the machine form: one contest,p-value line per contest, no header." };
        Option<bool> json = new("--json") { Description = "Print one JSON object: the risk limit and, per contest, the p-value and whether it is confirmed." };
        Command command = new("risk", "Measure the risk per contest from a sample: the p-value, and whether it confirms the reported outcome at the risk limit. Exit 1 if any p-value exceeds the risk limit.")
        {
            method, results, risk, tally, notFound, discrepancies, gamma, manifest, reported, audited, draws, mvrs, cvrs, without, csv, json,
        };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            double alpha = parseResult.GetValue(risk);
            Bravo.CheckAlphaForInput(alpha);
            IReadOnlyList<ReportedContest> contests = ReportedResults.Load(AuditCli.Require(parseResult, results));
            List<(string Contest, double P)> measured = AuditCli.Require(parseResult, method) switch
            {
                "bravo" => BravoRisk(contests, RiskInputs.SampleTally(AuditCli.Require(parseResult, tally)), parseResult.GetValue(notFound)),
                "comparison" => ComparisonRisk(contests, RiskInputs.DiscrepancyCounts(AuditCli.Require(parseResult, discrepancies)), parseResult.GetValue(gamma)),
                "macro" => MacroRisk(contests, BallotManifest.Load(AuditCli.Require(parseResult, manifest)), BatchTallies.Load(AuditCli.Require(parseResult, reported)),
                    BatchTallies.Load(AuditCli.Require(parseResult, audited)), RiskInputs.BatchDraws(AuditCli.Require(parseResult, draws))),
                _ => AlphaRisk(contests, RiskInputs.ManualVoteRecords(AuditCli.Require(parseResult, mvrs)),
                    parseResult.GetValue(cvrs) is { } c ? CastVoteRecords.Load(c) : null, parseResult.GetValue(without)),
            };
            if (parseResult.GetValue(csv) && parseResult.GetValue(json))
            {
                throw new UsageException("give --csv or --json, not both.");
            }

            if (parseResult.GetValue(csv))
            {
                foreach ((string contest, double p) in measured)
                {
                    output.WriteLine(CsvWriter.Line(contest, p.ToString("R", CultureInfo.InvariantCulture)));
                }
            }
            else if (parseResult.GetValue(json))
            {
                WriteJson(output, parseResult.GetValue(method)!, alpha, measured);
            }
            else
            {
                WriteHuman(output, parseResult.GetValue(method)!, alpha, measured);
            }

            return measured.All(m => m.P <= alpha) ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    /// <summary>What the method measures, in words.</summary>
    private static string MethodName(string method) => method switch
    {
        "bravo" => "BRAVO ballot polling",
        "comparison" => "ballot-level comparison (Kaplan–Markov)",
        "macro" => "batch comparison (MACRO)",
        _ => "ALPHA (SHANGRLA assorters)",
    };

    /// <summary>
    /// The measured risk in words: per contest its p-value and whether it confirms the reported outcome, then what the
    /// number is and what to do when a contest is not confirmed.
    /// </summary>
    private static void WriteHuman(TextWriter output, string method, double alpha, List<(string Contest, double P)> measured)
    {
        string limit = AuditCli.P(alpha);
        output.WriteLine($"Measured risk by {MethodName(method)}, risk limit {limit} ({Percent(alpha)}):");
        int width = measured.Count == 0 ? 0 : measured.Max(m => m.Contest.Length);
        foreach ((string contest, double p) in measured)
        {
            string verdict = p <= alpha
                ? $"confirmed: at most {Percent(p)} risk that a wrong outcome would pass"
                : $"NOT confirmed: {Percent(p)} risk is above the {Percent(alpha)} limit";
            output.WriteLine($"  {contest.PadRight(width)}  p = {AuditCli.P(p),-8}  {verdict}");
        }

        int confirmed = measured.Count(m => m.P <= alpha);
        output.WriteLine();
        output.WriteLine("The p-value is the measured risk: the largest chance that a sample this favourable to the reported");
        output.WriteLine("winners would have been drawn if the reported outcome were wrong. A contest at or below the risk");
        output.WriteLine("limit is confirmed and its audit can stop.");
        output.WriteLine(confirmed == measured.Count
            ? $"All {measured.Count} contest(s) confirmed at risk limit {limit}."
            : $"{confirmed} of {measured.Count} contest(s) confirmed. For the others, draw more ballots (or batches) and measure again, or count them in full by hand.");
    }

    private static void WriteJson(TextWriter output, string method, double alpha, List<(string Contest, double P)> measured)
    {
        using MemoryStream buffer = new();
        using (System.Text.Json.Utf8JsonWriter w = new(buffer))
        {
            w.WriteStartObject();
            w.WriteString("method", method);
            w.WriteNumber("risk_limit", alpha);
            w.WriteBoolean("all_confirmed", measured.All(m => m.P <= alpha));
            w.WriteStartArray("contests");
            foreach ((string contest, double p) in measured)
            {
                w.WriteStartObject();
                w.WriteString("contest", contest);
                w.WriteNumber("p_value", p);
                w.WriteBoolean("confirmed", p <= alpha);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Percent(double p) => (p * 100).ToString(p * 100 >= 1 ? "0.#" : "0.####", CultureInfo.InvariantCulture) + " %";

    private static void CheckChoices(ReportedContest contest, IEnumerable<string> choices, string where)
    {
        foreach (string choice in choices.Where(c => !contest.HasChoice(c)))
        {
            throw new UsageException($"{where}: \"{choice}\" is not a choice of contest \"{contest.Name}\" in the results.");
        }
    }

    private static List<(string, double)> BravoRisk(IReadOnlyList<ReportedContest> contests, IReadOnlyDictionary<string, Dictionary<string, long>> tallies, long notFound)
    {
        if (notFound < 0)
        {
            throw new UsageException("--not-found must not be negative.");
        }

        foreach (string name in tallies.Keys.Where(k => contests.All(c => c.Name != k)))
        {
            throw new UsageException($"--sample-tally: contest \"{name}\" is not in the results.");
        }

        List<(string, double)> result = [];
        foreach (ReportedContest contest in contests)
        {
            Dictionary<string, long> sample = tallies.GetValueOrDefault(contest.Name) ?? [];
            CheckChoices(contest, sample.Keys, "--sample-tally");
            result.Add((contest.Name, Bravo.Risk(contest, sample, notFound).Max(p => p.PValue)));
        }

        return result;
    }

    private static List<(string, double)> ComparisonRisk(IReadOnlyList<ReportedContest> contests, IReadOnlyDictionary<string, (long Sampled, Discrepancies Counts)> counts, double gamma)
    {
        if (!(gamma > 1))
        {
            throw new UsageException("--gamma must be greater than 1.");
        }

        List<(string, double)> result = [];
        foreach (ReportedContest contest in contests)
        {
            if (!counts.TryGetValue(contest.Name, out var c))
            {
                throw new UsageException($"--discrepancies has no row for contest \"{contest.Name}\".");
            }

            result.Add((contest.Name, KaplanMarkov.PValue(c.Sampled, contest.DilutedMargin, c.Counts, gamma)));
        }

        return result;
    }

    private static List<(string, double)> MacroRisk(IReadOnlyList<ReportedContest> contests, BallotManifest manifest,
        IReadOnlyDictionary<string, Dictionary<string, Dictionary<string, long>>> reported,
        IReadOnlyDictionary<string, Dictionary<string, Dictionary<string, long>>> audited, IReadOnlyList<string> draws)
    {
        Dictionary<string, long> ballots = manifest.Batches.ToDictionary(b => b.Key, b => b.Ballots, StringComparer.Ordinal);
        foreach (string key in reported.Keys.Concat(audited.Keys).Concat(draws).Where(k => !ballots.ContainsKey(k)))
        {
            throw new UsageException($"Batch \"{key}\" is not in the manifest.");
        }

        foreach (string key in draws.Where(k => !audited.ContainsKey(k)))
        {
            throw new UsageException($"Batch \"{key}\" was drawn but --audited-batches has no tally for it.");
        }

        List<(string, double)> result = [];
        foreach (ReportedContest contest in contests)
        {
            Dictionary<string, BatchTally> r = ballots.ToDictionary(b => b.Key, b => Tally(b.Key, b.Value, reported, contest), StringComparer.Ordinal);
            Dictionary<string, BatchTally> a = ballots.ToDictionary(b => b.Key, b => Tally(b.Key, b.Value, audited, contest), StringComparer.Ordinal);
            result.Add((contest.Name, Macro.PValue(contest, r, a, draws)));
        }

        return result;

        BatchTally Tally(string key, long batchBallots, IReadOnlyDictionary<string, Dictionary<string, Dictionary<string, long>>> source, ReportedContest contest)
        {
            Dictionary<string, long> votes = source.TryGetValue(key, out var contestsInBatch) && contestsInBatch.TryGetValue(contest.Name, out var v) ? v : [];
            CheckChoices(contest, votes.Keys, $"batch {key}");
            return new BatchTally(key, batchBallots, votes);
        }
    }

    private static List<(string, double)> AlphaRisk(IReadOnlyList<ReportedContest> contests, IReadOnlyList<ManualVoteRecord> mvrs,
        IReadOnlyDictionary<BallotLocation, CastVoteRecord>? cvrs, bool withoutReplacement)
    {
        List<(string, double)> result = [];
        foreach (ReportedContest contest in contests)
        {
            long population = withoutReplacement ? contest.Ballots : Alpha.Infinite;
            double worst = 0;
            foreach ((ChoiceTally w, ChoiceTally l) in contest.Pairs)
            {
                double margin = (double)(w.Votes - l.Votes) / contest.Ballots;
                double[] x = new double[mvrs.Count];
                for (int i = 0; i < mvrs.Count; i++)
                {
                    ManualVoteRecord m = mvrs[i];
                    IReadOnlySet<string>? read = !m.Found ? null : m.Contests.TryGetValue(contest.Name, out var s) ? s : new HashSet<string>();
                    if (read is not null)
                    {
                        CheckChoices(contest, read, $"--mvrs draw {m.Draw}");
                    }

                    if (cvrs is null)
                    {
                        x[i] = Alpha.PluralityAssort(read, w.Name, l.Name);
                    }
                    else
                    {
                        cvrs.TryGetValue(m.Location, out CastVoteRecord? cvr);
                        IReadOnlySet<string>? recorded = cvr is null ? null : cvr.Contests.TryGetValue(contest.Name, out var cv) ? cv : new HashSet<string>();
                        double omega = Alpha.PluralityOverstatement(recorded, read, m.Found && m.Contests.ContainsKey(contest.Name), w.Name, l.Name, useStyle: false);
                        if (cvr is null)
                        {
                            omega = 1; // no CVR for a ballot that exists: the worst case
                        }

                        x[i] = Alpha.OverstatementAssort(omega, margin);
                    }
                }

                double p;
                if (cvrs is null)
                {
                    double eta0 = 0.5 + margin / 2;
                    p = Alpha.PValue(x, population, 1.0, new ShrinkTrunc(Math.Max(eta0, 0.5 + 1e-6)));
                }
                else
                {
                    double u = 2 / (2 - margin);
                    p = Alpha.PValue(x, population, u, new FixedAlternativeMean(Alpha.OptimalComparisonEta(u)));
                }

                worst = Math.Max(worst, p);
            }

            result.Add((contest.Name, worst));
        }

        return result;
    }
}

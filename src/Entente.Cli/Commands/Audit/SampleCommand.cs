using System.CommandLine;
using System.Globalization;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// <c>entente audit sample</c>: the reproducible samplers (contract forms, see docs/audit.md) and, with --dir,
/// the next round of a workflow audit.
/// </summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        Option<string> method = new("--method") { Description = "rivest (Rivest's 2011 sampler.py) or consistent (Rivest's consistent sampler, Arlo's)." };
        method.AcceptOnlyFromAmong("rivest", "consistent");
        Option<string> seed = new("--seed") { Description = "The public seed, used as text (UTF-8)." };
        Option<long> total = new("--total") { Description = "rivest: draw ballot numbers 1..N." };
        Option<long> count = new("--count") { Description = "How many draws." };
        Option<bool> without = new("--without-replacement") { Description = "rivest: never repeat a number (default: with replacement, as ColoradoRLA)." };
        Option<string> manifest = new("--manifest") { Description = "consistent: the ballot manifest CSV." };
        Option<bool> with = new("--with-replacement") { Description = "consistent: a drawn ballot gets a new ticket and may be drawn again (default: without)." };
        Option<int?> digits = new("--digits") { Description = "consistent: digits of the ticket numbers shown after any leading nines (default 9; 18 with --ids arlo)." };
        Option<string> ids = new("--ids") { Description = "consistent: ballot id convention: entente (default), arlo ((jurisdiction, tabulator, batch), position) or arlo-batch ((batch, position))." };
        ids.AcceptOnlyFromAmong("entente", "arlo", "arlo-batch");
        Option<string> jurisdiction = new("--jurisdiction") { Description = "consistent with --ids arlo: the jurisdiction name as Arlo has it (or a Jurisdiction column in the manifest)." };
        Option<long> skip = new("--skip") { Description = "Draws already taken in earlier rounds (continues the same stream)." };
        Option<string> dir = AuditCli.DirOption();
        Option<string> board = AuditBoard.BoardOption("the round's sample");
        Option<string> key = AuditBoard.KeyOption();
        Option<long?> size = new("--size") { Description = "With --dir: the round size (default: the size the audit math advises)." };
        Command command = new("sample", "Draw a reproducible sample. Contract forms:\n" +
            "  --method rivest --seed S --total N --count K [--without-replacement]  prints one ballot number (1..N) per line, in draw order\n" +
            "  --method consistent --seed S --manifest FILE --count K [--with-replacement] [--digits D] [--ids arlo]  prints ticket,batch,position,draw lines in ticket order\n" +
            "With --dir, draws the next round of the audit and writes its retrieval list.")
        {
            method, seed, total, count, without, manifest, with, digits, ids, jurisdiction, skip, dir, size, board, key,
        };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            if (parseResult.GetValue(dir) is not null)
            {
                var onBoard = AuditBoard.Read(parseResult, board, key);
                using AuditDirectory audit = AuditCli.Open(parseResult, dir);
                int code = Round(audit, parseResult.GetValue(size), output, error);
                if (code == ExitCodes.Ok && onBoard is ({ } url, { } signer))
                {
                    using (signer)
                    {
                        return AuditBoard.PostRound(output, error, audit, audit.CurrentRound!, url, signer);
                    }
                }

                return code;
            }

            string m = AuditCli.Require(parseResult, method);
            string s = AuditCli.Require(parseResult, seed);
            long k = AuditCli.Require(parseResult, count);
            long drop = parseResult.GetValue(skip);
            if (k < 0 || drop < 0)
            {
                throw new UsageException("--count and --skip must not be negative.");
            }

            if (m == "rivest")
            {
                long n = AuditCli.Require(parseResult, total);
                if (n < 1)
                {
                    throw new UsageException("--total must be at least 1.");
                }

                bool noRepeat = parseResult.GetValue(without);
                if (noRepeat && k + drop > n)
                {
                    throw new UsageException($"Cannot draw {k + drop} distinct ballots from {n} without replacement.");
                }

                foreach (long pick in RivestSampler.Draw(s, n, checked((int)k), !noRepeat, checked((int)drop)))
                {
                    output.WriteLine(pick.ToString(CultureInfo.InvariantCulture));
                }

                return ExitCodes.Ok;
            }

            BallotManifest ballots = BallotManifest.Load(AuditCli.Require(parseResult, manifest));
            string scheme = parseResult.GetValue(ids) ?? "entente";
            BallotIdScheme idScheme = scheme switch { "arlo" => BallotIdScheme.Arlo, "arlo-batch" => BallotIdScheme.ArloBatch, _ => BallotIdScheme.Entente };
            string? j = parseResult.GetValue(jurisdiction) ?? ballots.Jurisdiction;
            if (idScheme == BallotIdScheme.Arlo && j is null)
            {
                throw new UsageException("--ids arlo needs --jurisdiction (or a Jurisdiction column in the manifest).");
            }

            bool replace = parseResult.GetValue(with);
            if (!replace && k + drop > ballots.TotalBallots)
            {
                throw new UsageException($"Cannot draw {k + drop} distinct ballots from a manifest of {ballots.TotalBallots} without replacement.");
            }

            int d = parseResult.GetValue(digits) ?? (idScheme == BallotIdScheme.Entente ? 9 : 18);
            if (d is < 1 or > 100)
            {
                throw new UsageException("--digits must be between 1 and 100.");
            }

            var all = BallotIds.Enumerate(ballots, idScheme, j);
            foreach (SampledTicket t in ConsistentSampler.Sample([.. all.Select(b => b.Id)], s, k, drop, replace))
            {
                var (batch, position, _) = all[t.IdIndex];
                output.WriteLine(CsvWriter.Line(t.Trimmed(d), batch.Batch, position.ToString(CultureInfo.InvariantCulture), t.Generation.ToString(CultureInfo.InvariantCulture)));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static int Round(AuditDirectory audit, long? size, TextWriter output, TextWriter error)
    {
        var seed = audit.EvaluateSeedAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (seed.Seed is null)
        {
            throw new UsageException(seed.IsFinal
                ? "No party revealed a valid secret: the seed cannot be made. See `entente audit seed status`."
                : $"The seed is not final until {audit.State.DiceBy:u}. See `entente audit seed status`.");
        }

        long next;
        if (audit.State.Rounds.Count == 0)
        {
            next = audit.State.Method == AuditMethod.Batch ? audit.FirstBatchRoundSize()
                : AuditEngine.FirstRoundSize(audit.State.Method, audit.State.RiskLimit, audit.Contests, audit.Manifest.TotalBallots);
        }
        else
        {
            AuditDecision decision = AuditCli.WithProgress(output, "Measuring the risk…", audit.Evaluate);
            if (decision.AllConfirmed)
            {
                throw new UsageException("Every contest is confirmed; no further round is needed.");
            }

            next = decision.NextRoundSize;
        }

        if (size is { } chosen)
        {
            if (chosen < 1)
            {
                throw new UsageException("--size must be at least 1.");
            }

            next = chosen;
        }

        IAnsiConsole console = AuditCli.Console(output);
        AuditRound round = AuditCli.WithProgress(output, audit.State.Method == AuditMethod.Batch ? $"Drawing {next} batches from {audit.Manifest.Batches.Count}…" : $"Drawing {next} ballots from {audit.Manifest.TotalBallots}…", () => audit.DrawRound(seed.Seed, next));
        string unit = audit.State.Method == AuditMethod.Batch ? "batches" : "ballots";
        console.MarkupLine($"Round {round.Number}: drew {round.Draws.Count} {unit} ({round.Draws.Select(d => d.BallotKey).Distinct().Count()} distinct) with seed [bold]{Markup.Escape(seed.Seed)}[/].");
        console.MarkupLine($"Retrieval list: {Markup.Escape(Path.Combine(audit.Path, "rounds", $"round-{round.Number}-retrieval.csv"))}");
        return ExitCodes.Ok;
    }
}

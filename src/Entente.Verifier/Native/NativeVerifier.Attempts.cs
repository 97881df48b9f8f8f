using System.Globalization;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// The abandoned decryption attempts (docs/record-format.md §11, "attempts"): not a step of the specification, reported
/// after it as step "A" when the record carries <c>tally/abandoned/</c>. The completed attempt is checked by step 10 as
/// §4.12 says; here, for each abandoned attempt: the attempts are 1, 2, … in turn; the missed step's due time is its
/// opening entry's time plus the charter's seconds (A.due), the abandonment came after it (A.time, A.order); the named
/// guardian is in U and had not taken that step, the step had opened and the attempt lacked some responses (A.step);
/// every round is of that attempt, once per guardian, for that U (A.struct); the step table, when present, agrees
/// (A.schedule). Across every attempt, a guardian's a_i for an option is never repeated (A.nonce): one nonce answering
/// two challenges gives away that guardian's key share.
/// </summary>
public sealed partial class NativeVerifier
{
    /// <summary>The number and name of the attempts section.</summary>
    public static (string Number, string Name) AttemptsStep { get; } = ("A", "Abandoned decryption attempts (record-format §11)");

    private StepResult? VerifyAttempts()
    {
        IReadOnlyList<NativeAbandonedAttempt> abandoned = _record.Abandoned;
        if (abandoned.Count == 0)
        {
            return null;
        }

        StepRecorder step = new(AttemptsStep.Number, AttemptsStep.Name);
        for (int n = 0; n < abandoned.Count; n++)
        {
            NativeAbandonedAttempt a = abandoned[n];
            RecordObject file = RecordObject.ForFile(a.File);
            string attempt = a.Attempt.ToString(CultureInfo.InvariantCulture);
            step.Checked();
            step.Require(a.Attempt == n + 1 && a.File == $"{NativeAbandonedAttempt.Folder}/attempt-{attempt}.json", "A.struct", file,
                $"attempt {attempt} is not abandoned attempt {n + 1} in turn (files tally/abandoned/attempt-1.json, -2, …)");
            step.Require(a.OpenedTime.AddSeconds(a.Deadline) == a.Due, "A.due", file,
                $"due {Text(a.Due)} is not the opening entry's time {Text(a.OpenedTime)} plus {a.Deadline} seconds");
            step.Require(a.Time > a.Due, "A.time", file,
                $"attempt {attempt} was abandoned at {Text(a.Time)} (entry {a.Index}), not after guardian {a.Guardian}'s {a.Step} was due ({Text(a.Due)})");
            step.Require(a.OpenedIndex < a.Index, "A.order", file,
                $"the abandonment (entry {a.Index}) comes before the {a.Step} step opened (entry {a.OpenedIndex})");
            foreach ((string kind, IReadOnlyList<NativeAttemptRound> rounds) in new[] { ("commit", a.Commits), ("reveal", a.Reveals), ("response", a.Responses) })
            {
                foreach (NativeAttemptRound r in rounds)
                {
                    step.Require(r.Attempt == a.Attempt, "A.struct", file, $"guardian {r.I}'s {kind} names attempt {r.Attempt}");
                    step.Require(a.Guardians.Contains(r.I), "A.struct", file, $"guardian {r.I}'s {kind} is not of a guardian of U = [{string.Join(", ", a.Guardians)}]");
                }

                foreach (IGrouping<int, NativeAttemptRound> twice in rounds.GroupBy(r => r.I).Where(g => g.Count() > 1))
                {
                    step.Fail("A.struct", file, $"guardian {twice.Key} has {twice.Count()} {kind}s in attempt {attempt}");
                }
            }

            foreach (NativeAttemptRound c in a.Commits.Where(c => !c.Guardians.SequenceEqual(a.Guardians)))
            {
                step.Fail("A.struct", file, $"guardian {c.I} committed for U = [{string.Join(", ", c.Guardians)}], not the attempt's U = [{string.Join(", ", a.Guardians)}]");
            }

            IReadOnlyList<NativeAttemptRound> taken = a.Step switch { "commit" => a.Commits, "reveal" => a.Reveals, _ => a.Responses };
            step.Require(a.Guardians.Count == 0 || a.Guardians.Contains(a.Guardian), "A.step", file, $"guardian {a.Guardian} is not in U = [{string.Join(", ", a.Guardians)}] of attempt {attempt}");
            step.Require(taken.All(r => r.I != a.Guardian), "A.step", file, $"guardian {a.Guardian} did take the {a.Step} step of attempt {attempt}, which was abandoned for it");
            bool opened = a.Step switch
            {
                "commit" => true,
                "reveal" => a.Guardians.Count > 0 && a.Guardians.All(g => a.Commits.Any(c => c.I == g)),
                _ => a.Guardians.Count > 0 && a.Guardians.All(g => a.Reveals.Any(c => c.I == g)),
            };
            step.Require(opened, "A.step", file, $"the {a.Step} step of attempt {attempt} had not opened (a reveal opens once every guardian of U committed, a response once every one revealed)");
            step.Require(a.Guardians.Count == 0 || !a.Guardians.All(g => a.Responses.Any(r => r.I == g)), "A.step", file, $"attempt {attempt} has every response of U: it was complete, not abandoned");
            if (_record.Schedule is NativeSchedule schedule)
            {
                NativeScheduleStep? row = schedule.Steps.FirstOrDefault(s => s.Attempt == a.Attempt && s.Step == "decryption." + a.Step && s.Guardians.Contains(a.Guardian));
                step.Require(row is not null && row.Due == a.Due && row.Opened.Index == a.OpenedIndex, "A.schedule", file,
                    $"schedule.json has no decryption.{a.Step} row of attempt {attempt} for guardian {a.Guardian} opened at entry {a.OpenedIndex} and due {Text(a.Due)}");
            }

            step.Note($"attempt {attempt} abandoned by {a.Party} at entry {a.Index} ({Text(a.Time)}): guardian {a.Guardian} did not {a.Step} by {Text(a.Due)} ({a.Reason})");
        }

        // A.nonce: every a_i a guardian revealed, per option, in every attempt (the completed one's are in partial_decryptions.json).
        Dictionary<(int Guardian, int Option, string A), int> seen = [];
        IEnumerable<(int Attempt, int Guardian, IReadOnlyList<byte[]> A)> reveals = abandoned.SelectMany(a => a.Reveals.Select(r => (a.Attempt, r.I, r.A)));
        if (_record.PartialDecryptions is NativePartialDecryptions parts)
        {
            NativeSharesOption[] options = [.. parts.Contests.SelectMany(c => c.Options)];
            int completed = abandoned.Count + 1;
            IEnumerable<int> guardians = options.SelectMany(o => o.Shares.Select(s => s.I)).Distinct();
            reveals = reveals.Concat(guardians.Select(g => (completed, g, (IReadOnlyList<byte[]>)[.. options.Select(o => o.Shares.FirstOrDefault(s => s.I == g)?.A ?? [])])));
        }

        foreach ((int attempt, int guardian, IReadOnlyList<byte[]> a) in reveals)
        {
            for (int option = 0; option < a.Count; option++)
            {
                if (a[option].Length == 0)
                {
                    continue;
                }

                step.Checked();
                (int, int, string) key = (guardian, option, Convert.ToHexString(a[option]));
                if (seen.TryGetValue(key, out int earlier) && earlier != attempt)
                {
                    step.Fail("A.nonce", RecordObject.ForGuardian(guardian.ToString(CultureInfo.InvariantCulture)) with { File = NativeAbandonedAttempt.Folder + "/" },
                        $"guardian {guardian} revealed the same a_i for option {option + 1} (in tally order) in attempts {earlier} and {attempt}: one nonce answered two challenges, which gives away its key share z_i");
                }
                else
                {
                    seen.TryAdd(key, attempt);
                }
            }
        }

        return step.ToResult();
    }
}

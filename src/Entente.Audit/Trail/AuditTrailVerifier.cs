using System.Globalization;
using System.Numerics;
using System.Text;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Audit.Seed;
using Entente.Audit.Statistics;
using Entente.Audit.Vendors;
using Entente.Audit.Workflow;

namespace Entente.Audit.Trail;

/// <summary>One log entry of an audit, as read from a board: its index, entry type and artifact bytes.</summary>
/// <param name="Index">The log index (entries are judged in this order).</param>
/// <param name="Type">audit.inputs, audit.commit, audit.reveal, audit.dice, audit.round, audit.reading or audit.signoff.</param>
/// <param name="Body">The artifact's bytes (already checked against the entry's hash by the reader).</param>
public sealed record AuditTrailEntry(long Index, string Type, byte[] Body)
{
    /// <summary>The entry's party (its signer), or null when not known; an audit board's key signs as <c>auditboard-…</c>.</summary>
    public string? Party { get; init; }
}

/// <summary>What the verification found: the steps that follow, and the first that does not.</summary>
/// <param name="Checked">The steps that follow, in order ("inputs", "seed", "round 1", …).</param>
/// <param name="FailedStep">The first step that does not follow, or null.</param>
/// <param name="Problem">What is wrong with it, or null.</param>
/// <param name="Seed">The seed recomputed from the logged reveals, or null.</param>
public sealed record AuditTrailResult(IReadOnlyList<string> Checked, string? FailedStep, string? Problem, string? Seed)
{
    /// <summary>The rounds, readings, sign-offs and risks recomputed so far (null when the inputs could not be read).</summary>
    public AuditProgress? Progress { get; init; }

    /// <summary>True when every step follows.</summary>
    public bool Ok => FailedStep is null;
}

/// <summary>
/// Recomputes an audit from its log entries alone (see AuditTrail.cs): the committed inputs (hashes, and on the log
/// before the first seed commitment), the seed from the logged commitments and reveals (board order), and every
/// round's sample from the seed and the committed manifest. Stops at the first step that does not follow.
/// </summary>
public static class AuditTrailVerifier
{
    /// <summary>
    /// Verifies the entries of audit <paramref name="auditId"/>; <paramref name="published"/> holds every unofficial
    /// results entry of the log (docs/results.md), which the audit's reported results must equal when there are any
    /// (<see cref="PublishedResults"/>).
    /// </summary>
    public static AuditTrailResult Verify(string auditId, IEnumerable<AuditTrailEntry> entries, IReadOnlyList<PublishedUnitResults>? published = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(auditId);
        ArgumentNullException.ThrowIfNull(entries);
        List<AuditTrailEntry> log = [.. entries.OrderBy(e => e.Index)];
        List<string> ok = [];
        AuditProgress? progress = null;
        AuditTrailResult Fail(string step, string problem, string? seed = null) => new(ok, step, problem, seed) { Progress = progress };

        // 1. The inputs, committed before the first seed commitment.
        AuditTrailEntry? inputsEntry = log.FirstOrDefault(e => e.Type == AuditTrailArtifacts.InputsType);
        if (inputsEntry is null)
        {
            return Fail("inputs", "no audit.inputs entry: the manifest and reported results the audit checks are not on the log.");
        }

        AuditInputsArtifact inputs;
        BallotManifest manifest;
        IReadOnlyList<ReportedContest> contests;
        IReadOnlyDictionary<ManifestBatch, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>>? batches = null;
        try
        {
            inputs = AuditTrailArtifacts.ReadInputs($"entry {inputsEntry.Index}", inputsEntry.Body);
            if (inputs.AuditId != auditId)
            {
                return Fail("inputs", $"entry {inputsEntry.Index} commits the inputs of audit {inputs.AuditId}, not {auditId}.");
            }

            contests = ReportedResults.FromTable(CsvTable.Parse(File(inputs, "results.csv"), "results.csv"));
        }
        catch (AuditInputException e)
        {
            return Fail("inputs", e.Message);
        }

        AuditTrailEntry? firstCommit = log.FirstOrDefault(e => e.Type == SeedArtifacts.CommitType && Commit(e)?.AuditId == auditId);
        if (firstCommit is not null && firstCommit.Index < inputsEntry.Index)
        {
            return Fail("inputs", $"the inputs (entry {inputsEntry.Index}) come after the first seed commitment (entry {firstCommit.Index}): the reported results must be fixed before anyone commits to the seed.");
        }

        if (PublishedResults.Compare(contests, published ?? [], firstCommit?.Index) is { Count: > 0 } differences)
        {
            return Fail("inputs", $"the reported results (entry {inputsEntry.Index}) are not the results published on the log before the seed: {string.Join("; ", differences)}.");
        }

        bool multi = inputs.Jurisdictions.Count > 0;
        if (multi)
        {
            // A multi-jurisdiction audit: each jurisdiction's upload, by its party, before the first seed commitment.
            ok.Add($"inputs (jurisdictions {string.Join(", ", inputs.Jurisdictions.Select(j => j.Name))})");
            List<AuditUploadArtifact> uploads = [];
            foreach (AuditJurisdiction j in inputs.Jurisdictions)
            {
                string step = $"upload of {j.Name}";
                try
                {
                    (AuditTrailEntry Entry, AuditUploadArtifact Upload)? found = null;
                    foreach (AuditTrailEntry e in log.Where(e => e.Type == AuditTrailArtifacts.UploadType))
                    {
                        AuditUploadArtifact u = AuditTrailArtifacts.ReadUpload($"entry {e.Index}", e.Body);
                        if (u.AuditId == auditId && u.Jurisdiction == j.Name)
                        {
                            found = (e, u);
                            break;
                        }
                    }

                    if (found is not { } f)
                    {
                        // Before the seed, an audit still waiting for a jurisdiction's files is a valid state; after it, not.
                        return firstCommit is null && !log.Any(e => e.Type is AuditTrailArtifacts.RoundType or AuditTrailArtifacts.ReadingType or AuditTrailArtifacts.TallyType or AuditTrailArtifacts.SignOffType)
                            ? new AuditTrailResult(ok, null, null, null)
                            : Fail(step, $"no audit.upload entry of {j.Name}: its manifest and CVRs are not on the log (entry {firstCommit?.Index} commits to the seed).");
                    }

                    if (f.Entry.Party is string signer && signer != j.Party)
                    {
                        return Fail(step, $"entry {f.Entry.Index} is signed by {signer}, but the inputs (entry {inputsEntry.Index}) name {j.Party} to upload the files of {j.Name}.");
                    }

                    if (f.Entry.Index < inputsEntry.Index)
                    {
                        return Fail(step, $"entry {f.Entry.Index} comes before the audit's inputs (entry {inputsEntry.Index}).");
                    }

                    if (firstCommit is not null && firstCommit.Index < f.Entry.Index)
                    {
                        return Fail(step, $"the upload (entry {f.Entry.Index}) comes after the first seed commitment (entry {firstCommit.Index}): every jurisdiction's files must be fixed before anyone commits to the seed.");
                    }

                    if (MultiJurisdiction.CheckUpload(inputs, f.Upload) is string bad)
                    {
                        return Fail(step, $"entry {f.Entry.Index}: {bad}");
                    }

                    BallotManifest own = BallotManifest.FromTable(CsvTable.Parse(Encoding.UTF8.GetBytes(f.Upload.Files[0].Text), "manifest.csv"));
                    uploads.Add(f.Upload);
                    ok.Add(string.Create(CultureInfo.InvariantCulture, $"upload of {j.Name} (entry {f.Entry.Index}, by {j.Party}: {own.Batches.Count} batch(es), {own.TotalBallots} ballot(s))"));
                }
                catch (AuditInputException e)
                {
                    return Fail(step, e.Message);
                }
            }

            try
            {
                inputs = MultiJurisdiction.Union(inputs, uploads);
            }
            catch (AuditInputException e)
            {
                return Fail("union of the jurisdictions", e.Message);
            }
        }

        try
        {
            manifest = BallotManifest.FromTable(CsvTable.Parse(File(inputs, "manifest.csv"), "manifest.csv"));
            if (inputs.Method == "batch")
            {
                batches = CandidateTotalsByBatch.Parse(File(inputs, "batch-tallies.csv"), "batch-tallies.csv", manifest, contests);
            }

            progress = new AuditProgress(inputs);
        }
        catch (AuditInputException e)
        {
            return Fail("inputs", e.Message);
        }

        if (!multi)
        {
            ok.Add("inputs");
        }


        // 2. The seed from the logged commitments and reveals.
        List<SeedLogRecord> records = [];
        SeedCommitArtifact? commit = null;
        try
        {
            foreach (AuditTrailEntry e in log)
            {
                switch (e.Type)
                {
                    case SeedArtifacts.CommitType:
                        SeedCommitArtifact c = SeedArtifacts.ReadCommit($"entry {e.Index}", e.Body);
                        if (c.AuditId == auditId)
                        {
                            commit ??= c;
                            records.Add(new SeedLogRecord(auditId, c.Party, SeedRecordKind.Commit, c.Commitment, e.Index, DateTimeOffset.UnixEpoch));
                        }

                        break;
                    case SeedArtifacts.RevealType:
                        SeedRevealArtifact r = SeedArtifacts.ReadReveal($"entry {e.Index}", e.Body);
                        if (r.AuditId == auditId)
                        {
                            records.Add(new SeedLogRecord(auditId, r.Party, SeedRecordKind.Reveal, r.Secret, e.Index, DateTimeOffset.UnixEpoch));
                        }

                        break;
                    case SeedArtifacts.DiceType:
                        SeedDiceArtifact d = SeedArtifacts.ReadDice($"entry {e.Index}", e.Body);
                        if (d.AuditId == auditId)
                        {
                            records.Add(new SeedLogRecord(auditId, "public", SeedRecordKind.Dice, Encoding.ASCII.GetBytes(d.Digits), e.Index, DateTimeOffset.UnixEpoch));
                        }

                        break;
                }
            }
        }
        catch (AuditInputException e)
        {
            return Fail("seed", e.Message);
        }

        List<AuditTrailEntry> steps = [.. log.Where(e => e.Type is AuditTrailArtifacts.RoundType or AuditTrailArtifacts.ReadingType or AuditTrailArtifacts.SignOffType
            or AuditTrailArtifacts.TallyType
            or AuditTrailArtifacts.BoardType or AuditTrailArtifacts.BoardRevokedType)];
        if (commit is null)
        {
            // Nothing beyond the inputs yet is a valid state; a round without a seed is not.
            return steps.Count == 0 ? new AuditTrailResult(ok, null, null, null) { Progress = progress } : Fail("seed", "rounds are on the log but no seed commitment of this audit is.");
        }

        SeedResult seed = SeedProtocol.EvaluateOnBoard(auditId, commit.Parties, commit.Dice, records);
        if (seed.Seed is null)
        {
            return steps.Count == 0 ? new AuditTrailResult(ok, null, null, null) { Progress = progress }
                : Fail("seed", "rounds are on the log but the logged reveals give no seed" + (seed.Ignored.Count > 0 ? $" ({string.Join("; ", seed.Ignored)})." : "."));
        }

        ok.Add("seed");

        // 3. In log order: every round's sample from the seed and the committed manifest; every reading of a ballot of the
        //    round being read; every sign-off once the round is read, then the risk over the logged readings (AuditProgress).
        long drawn = 0;
        IReadOnlyList<(ManifestBatch Batch, long Position, string Id)>? ballots = null;
        IReadOnlyList<BigInteger>? weights = null;
        foreach (AuditTrailEntry e in steps)
        {
            string where = $"entry {e.Index}";
            string step = $"round {progress.Rounds.Count + 1}";
            try
            {
                switch (e.Type)
                {
                    case AuditTrailArtifacts.BoardType:
                        AuditBoardArtifact board = AuditTrailArtifacts.ReadBoard(where, e.Body);
                        if (board.AuditId != auditId)
                        {
                            continue;
                        }

                        if (progress.CheckBoard(board) is string badBoard)
                        {
                            return Fail($"audit board {board.Board}", $"{where}: {badBoard}", seed.Seed);
                        }

                        progress.ApplyBoard(board);
                        continue;
                    case AuditTrailArtifacts.BoardRevokedType:
                        AuditBoardRevokedArtifact revoked = AuditTrailArtifacts.ReadBoardRevoked(where, e.Body);
                        if (revoked.AuditId != auditId)
                        {
                            continue;
                        }

                        if (progress.CheckRevocation(revoked) is string badRevocation)
                        {
                            return Fail($"audit board {revoked.Board}", $"{where}: {badRevocation}", seed.Seed);
                        }

                        progress.ApplyRevocation(revoked, e.Index);
                        continue;
                    case AuditTrailArtifacts.ReadingType:
                        AuditReadingArtifact reading = AuditTrailArtifacts.ReadReading(where, e.Body);
                        if (reading.AuditId != auditId)
                        {
                            continue;
                        }

                        step = $"readings of round {reading.Round}";
                        if (AuditBoardKeys.IsAuditBoardParty(e.Party) && progress.CheckSigner(e.Party!, reading.Board, null) is string badSigner)
                        {
                            return Fail(step, $"{where}: {badSigner}", seed.Seed);
                        }

                        if (progress.CheckReading(reading) is { } badReading)
                        {
                            return Fail(step, $"{where}: {badReading.Message}", seed.Seed);
                        }

                        progress.ApplyReading(reading);
                        continue;
                    case AuditTrailArtifacts.TallyType:
                        AuditTallyArtifact tally = AuditTrailArtifacts.ReadTally(where, e.Body);
                        if (tally.AuditId != auditId)
                        {
                            continue;
                        }

                        step = $"counts of round {tally.Round}";
                        if (AuditBoardKeys.IsAuditBoardParty(e.Party) && progress.CheckSigner(e.Party!, tally.Board, null) is string badCounter)
                        {
                            return Fail(step, $"{where}: {badCounter}", seed.Seed);
                        }

                        if (progress.CheckTally(tally) is { } badTally)
                        {
                            return Fail(step, $"{where}: {badTally.Message}", seed.Seed);
                        }

                        progress.ApplyTally(tally);
                        continue;
                    case AuditTrailArtifacts.SignOffType:
                        AuditSignOffArtifact signOff = AuditTrailArtifacts.ReadSignOff(where, e.Body);
                        if (signOff.AuditId != auditId)
                        {
                            continue;
                        }

                        step = $"sign-off of round {signOff.Round}";
                        if (AuditBoardKeys.IsAuditBoardParty(e.Party) && progress.CheckSigner(e.Party!, signOff.Board, signOff.Members) is string badSignOffSigner)
                        {
                            return Fail(step, $"{where}: {badSignOffSigner}", seed.Seed);
                        }

                        if (progress.CheckSignOff(signOff) is string badSignOff)
                        {
                            return Fail(step, $"{where}: {badSignOff}", seed.Seed);
                        }

                        progress.ApplySignOff(signOff);
                        AuditProgressRound signed = progress.Rounds[signOff.Round - 1];
                        if (signed.SignOff is null)
                        {
                            continue; // the round closes with the sign-off that leaves every ballot read and every board that read signed off
                        }

                        string boards = string.Join("; ", signed.BoardSignOffs.Values.Select(s => $"{s.Board}: {string.Join(" and ", s.Members)}"));
                        if (progress.Method == AuditMethod.Batch)
                        {
                            ok.Add(string.Create(CultureInfo.InvariantCulture, $"counts of round {signOff.Round} ({signed.Ballots.Count} batch(es), {signed.Tallies.Count} tally(ies), signed off by ")
                                + boards + ")");
                            ok.Add(string.Create(CultureInfo.InvariantCulture, $"risk after round {signOff.Round}: MACRO {signed.Decision!.Contests[0].PValue:0.######} for every contest (")
                                + string.Join("; ", signed.Decision.Contests.Select(c => $"{c.Contest} {Words(c.Decision)}")) + ")");
                            continue;
                        }

                        ok.Add(string.Create(CultureInfo.InvariantCulture, $"readings of round {signOff.Round} ({signed.Readings.Count} ballot(s), signed off by ") + boards + ")");
                        ok.Add($"risk after round {signOff.Round}: " + string.Join("; ", signed.Decision!.Contests.Select(c =>
                            string.Create(CultureInfo.InvariantCulture, $"{c.Contest} {c.PValue:0.######} ({Words(c.Decision)})"))));
                        continue;
                }

                AuditRoundArtifact round = AuditTrailArtifacts.ReadRound(where, e.Body);
                if (round.AuditId != auditId)
                {
                    continue;
                }

                if (progress.CheckRound(round) is string badRound)
                {
                    return Fail(step, $"{where}: {badRound}", seed.Seed);
                }

                List<AuditRoundDraw> expected = [];
                if (batches is not null)
                {
                    weights ??= MacroAudit.Weights(contests, [.. manifest.Batches.Select(b => (b.Ballots, batches[b]))]);
                    foreach (PpebDraw d in PpebSampler.Draw(seed.Seed, weights, drawn + 1, round.Draws.Count))
                    {
                        ManifestBatch b = manifest.Batches[d.Index];
                        expected.Add(new AuditRoundDraw(d.Ticket.ToString(CultureInfo.InvariantCulture), b.Tabulator, b.Batch, 0));
                    }
                }
                else
                {
                    BallotIdScheme scheme = inputs.IdScheme switch { "arlo" => BallotIdScheme.Arlo, "arlo-batch" => BallotIdScheme.ArloBatch, _ => BallotIdScheme.Entente };
                    ballots ??= BallotIds.Enumerate(manifest, scheme, inputs.Jurisdiction);
                    foreach (SampledTicket t in ConsistentSampler.Sample([.. ballots.Select(b => b.Id)], seed.Seed, round.Draws.Count, drawn, withReplacement: true))
                    {
                        var (batch, position, _) = ballots[t.IdIndex];
                        expected.Add(new AuditRoundDraw(t.Number, batch.Tabulator, batch.Batch, position));
                    }
                }

                for (int i = 0; i < expected.Count; i++)
                {
                    if (expected[i] != round.Draws[i])
                    {
                        AuditRoundDraw got = round.Draws[i];
                        return Fail(step, string.Create(CultureInfo.InvariantCulture,
                            $"draw {drawn + i + 1} is {got.Tabulator} / {got.Batch} #{got.Position} (ticket {got.Ticket}) but the seed and the committed manifest give {expected[i].Tabulator} / {expected[i].Batch} #{expected[i].Position} (ticket {expected[i].Ticket})."), seed.Seed);
                    }
                }

                progress.ApplyRound(round);
                drawn += round.Draws.Count;
                ok.Add(step);
            }
            catch (AuditInputException x)
            {
                return Fail(step, x.Message, seed.Seed);
            }
        }

        return new AuditTrailResult(ok, null, null, seed.Seed) { Progress = progress };
    }

    private static string Words(ContestDecision decision) => decision switch
    {
        ContestDecision.Confirmed => "confirmed",
        ContestDecision.FullHandCount => "full hand count",
        _ => "another round",
    };

    private static byte[] File(AuditInputsArtifact inputs, string name) =>
        inputs.Files.FirstOrDefault(f => f.Name == name) is { } f ? Encoding.UTF8.GetBytes(f.Text)
            : throw new AuditInputException("audit.inputs", 0, "files", $"{name} is not among the committed inputs.");

    private static SeedCommitArtifact? Commit(AuditTrailEntry e)
    {
        try
        {
            return SeedArtifacts.ReadCommit($"entry {e.Index}", e.Body);
        }
        catch (AuditInputException)
        {
            return null;
        }
    }
}

using System.Collections.Concurrent;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

public sealed partial class NativeVerifier
{
    /// <summary>
    /// The joint keys with their fixed-base tables, kept across the shards one process verifies: building K's table
    /// costs as much as verifying several ballots, and every shard of a record has the same K. A handful of records
    /// at most (the cache is emptied when it grows past eight).
    /// </summary>
    private static readonly ConcurrentDictionary<string, (ElGamalPublicKey K, ElGamalPublicKey KHat)> ShardKeys = new(StringComparer.Ordinal);

    /// <summary>
    /// Verifies one shard of a record's ballot files: the per-ballot checks of steps 5–9 and 15–17 and the file
    /// hashes of step 1 over those files only, with the products of their cast ballots
    /// (<see cref="BallotShardResult"/>). The record's parameters and joint keys are read first, silently: their
    /// checks belong to the whole verification, which reports them once (the guardians' key proofs of step 2, which no
    /// ballot check needs, are not redone per shard).
    /// </summary>
    /// <exception cref="InvalidOperationException">The record's joint keys are not valid, so no ballot can be checked
    /// (a whole verification reports that in step 1 and never asks for shards).</exception>
    public static BallotShardResult VerifyBallotShard(NativeRecord record, IReadOnlyList<string> files, VerificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(files);
        NativeVerifier verifier = new(record, options ?? new VerificationOptions());
        verifier.VerifyParameters();
        verifier.VerifyFiles();
        verifier.VerifyJointKeys();
        verifier.VerifyExtendedBaseHash();
        if (verifier._math.K is not { } k || verifier._math.KHat is not { } kHat)
        {
            throw new InvalidOperationException("the record's joint keys K and K̂ are not valid, so its ballots cannot be checked");
        }

        string keys = $"{record.Group.Name}:{k.Key.ToHex()}:{kHat.Key.ToHex()}";
        if (ShardKeys.Count > 8)
        {
            ShardKeys.Clear();
        }

        (verifier._math.K, verifier._math.KHat) = ShardKeys.GetOrAdd(keys, _ => (k, kHat));

        // Only what the ballots themselves give is the shard's: start every step afresh.
        foreach (string number in verifier._steps.Keys.ToList())
        {
            StepRecorder old = verifier._steps[number];
            verifier._steps[number] = new StepRecorder(old.Number, old.Name);
        }

        verifier._notes.Clear();
        HashSet<string> known = new(record.BallotFiles, StringComparer.Ordinal);
        string? stranger = files.FirstOrDefault(f => !known.Contains(f));
        if (stranger is not null)
        {
            throw new RecordInputException(stranger, "is not a ballot file of the record");
        }

        BallotPass pass;
        try
        {
            pass = verifier.VerifyBallots(files);
        }
        catch (RecordInputException e)
        {
            return new BallotShardResult { Steps = [], Notes = [], Ballots = [], Products = [], Unaggregatable = [], InputError = e };
        }

        return new BallotShardResult
        {
            Steps = [.. NativeSteps.All.Select(s => verifier._steps[s.Number].ToResult())],
            Notes = [.. verifier._notes],
            Ballots = [.. pass.Summaries.OrderBy(b => b.File, StringComparer.Ordinal)],
            Files = files.Count,
            Products = [.. pass.Products.Select(p => new ShardProduct(p.Key.Contest, p.Key.Option, p.Value.A.Encode(), p.Value.B.Encode()))],
            Unaggregatable = [.. pass.Unaggregatable.Select(u => new ShardBlocker(u.Key.Contest, u.Key.Option, u.Value))],
        };
    }

    /// <summary>The ballot pass from shards verified elsewhere: exactly what <see cref="VerifyBallots"/> leaves.</summary>
    /// <param name="shards">Every shard's result.</param>
    /// <param name="index">Where the shards put their ballots' summaries (a cluster's partitions); null when the
    /// shards returned them, which then go to partitions in this process.</param>
    private BallotPass MergeShards(IReadOnlyList<BallotShardResult> shards, IBallotIndex? index)
    {
        BallotShardResult merged = BallotShardResult.Merge(shards);
        if (merged.InputError is { } error)
        {
            throw error;
        }

        int covered = merged.FileCount;
        if (covered != _record.BallotFiles.Count)
        {
            throw new RecordInputException("ballots", $"the shards covered {covered} ballot file(s); the record has {_record.BallotFiles.Count}");
        }

        foreach (StepResult step in merged.Steps)
        {
            StepRecorder recorder = Step(step.Number);
            recorder.Checked(step.Checked);
            foreach (VerificationFailure failure in step.Failures)
            {
                recorder.Fail(failure.Check, failure.Subject, failure.Detail);
            }

            foreach (string note in step.Notes)
            {
                recorder.Note(note);
            }
        }

        _notes.AddRange(merged.Notes.Where(n => !_notes.Contains(n)));
        // Every shard's products, checked as one batch (a product of members is a member: a value that is not came
        // from a faulty shard), then multiplied per option.
        BallotPass pass = new();
        ElementModP?[] values = _math.Members([.. merged.Products.SelectMany(p => new[] { p.A, p.B })]);
        for (int i = 0; i < merged.Products.Count; i++)
        {
            ShardProduct p = merged.Products[i];
            ElementModP a = values[2 * i] ?? throw new RecordInputException("ballots", $"a shard's product for contest {p.Contest}, option {p.Option} is not in Z_p^r (the shard that made it is faulty)");
            ElementModP b = values[(2 * i) + 1] ?? throw new RecordInputException("ballots", $"a shard's product for contest {p.Contest}, option {p.Option} is not in Z_p^r (the shard that made it is faulty)");
            pass.Products[(p.Contest, p.Option)] = pass.Products.TryGetValue((p.Contest, p.Option), out (ElementModP A, ElementModP B) have) ? (have.A * a, have.B * b) : (a, b);
        }

        if (index is null)
        {
            LocalBallotIndex local = new();
            local.Add(0, merged.Ballots);
            index = local;
        }

        pass.Index = index;

        foreach (ShardBlocker blocker in merged.Unaggregatable)
        {
            pass.Unaggregatable[(blocker.Contest, blocker.Option)] = blocker.Ballot;
        }

        return pass;
    }
}

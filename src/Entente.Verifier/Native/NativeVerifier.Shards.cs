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
        HashSet<string> known = new(record.BallotFiles, StringComparer.Ordinal);
        string? stranger = files.FirstOrDefault(f => !known.Contains(f));
        if (stranger is not null)
        {
            throw new RecordInputException(stranger, "is not a ballot file of the record");
        }

        return verifier.VerifyShard(files);
    }

    /// <summary>
    /// Verifies one shard from a record's ballot context (<see cref="NativeRecord.OpenBallotContext"/>), whose cost does
    /// not grow with the record: the same checks as <see cref="VerifyBallotShard(NativeRecord, IReadOnlyList{string}, VerificationOptions?)"/>,
    /// with each ballot file's bytes compared to the SHA-256 that <c>record.json</c> lists for it,
    /// <paramref name="listed"/> (given by the verification that read <c>record.json</c>; a file without one is not
    /// compared, as in a whole verification, which reports it unlisted).
    /// </summary>
    /// <exception cref="RecordInputException">A file that is not in <c>ballots/</c>.</exception>
    /// <exception cref="InvalidOperationException">The record's joint keys are not valid.</exception>
    public static BallotShardResult VerifyBallotShard(NativeRecord context, IReadOnlyList<string> files, IReadOnlyDictionary<string, byte[]> listed, VerificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(listed);
        string? stranger = files.FirstOrDefault(f => !f.StartsWith("ballots/", StringComparison.Ordinal) || f.IndexOf('/', "ballots/".Length) >= 0);
        if (stranger is not null)
        {
            throw new RecordInputException(stranger, "is not a ballot file of the record");
        }

        NativeVerifier verifier = new(context, options ?? new VerificationOptions());
        foreach (string file in files)
        {
            if (listed.TryGetValue(file, out byte[]? sha))
            {
                verifier._listedFiles[file] = sha;
            }
        }

        return verifier.VerifyShard(files);
    }

    private BallotShardResult VerifyShard(IReadOnlyList<string> files)
    {
        VerifyJointKeys();
        VerifyExtendedBaseHash();
        if (_math.K is not { } k || _math.KHat is not { } kHat)
        {
            throw new InvalidOperationException("the record's joint keys K and K̂ are not valid, so its ballots cannot be checked");
        }

        string keys = $"{_record.Group.Name}:{k.Key.ToHex()}:{kHat.Key.ToHex()}";
        if (ShardKeys.Count > 8)
        {
            ShardKeys.Clear();
        }

        (_math.K, _math.KHat) = ShardKeys.GetOrAdd(keys, _ => (k, kHat));

        // Only what the ballots themselves give is the shard's: start every step afresh.
        foreach (string number in _steps.Keys.ToList())
        {
            StepRecorder old = _steps[number];
            _steps[number] = new StepRecorder(old.Number, old.Name);
        }

        _notes.Clear();
        BallotPass pass;
        try
        {
            pass = VerifyBallots(files);
        }
        catch (RecordInputException e)
        {
            return new BallotShardResult { Steps = [], Notes = [], Ballots = [], Products = [], Unaggregatable = [], InputError = e };
        }

        return new BallotShardResult
        {
            Steps = [.. NativeSteps.All.Select(s => _steps[s.Number].ToResult())],
            Notes = [.. _notes],
            Ballots = [.. pass.Summaries.OrderBy(b => b.File, StringComparer.Ordinal)],
            Files = files.Count,
            Products = [.. pass.Products.Select(p => new ShardProduct(p.Key.Contest, p.Key.Option, p.Value.A.Encode(), p.Value.B.Encode()))],
            Unaggregatable = [.. pass.Unaggregatable.Select(u => new ShardBlocker(u.Key.Contest, u.Key.Option, u.Value))],
        };
    }

    /// <summary>
    /// What the shards of <paramref name="record"/>'s ballot pass are given: its ballot files, the SHA-256 that
    /// <c>record.json</c> lists for each (the first listing of a path listed twice, as step 1 reads it), and its ballot
    /// context's files (<see cref="NativeRecord.BallotContextFiles"/>) with theirs.
    /// </summary>
    public static BallotShardPlan ShardPlan(NativeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Dictionary<string, byte[]> listed = new(StringComparer.Ordinal);
        foreach (NativeFileEntry entry in record.ListedFiles)
        {
            listed.TryAdd(entry.Path, entry.Sha256);
        }

        return ShardPlan(record, listed);
    }

    private static BallotShardPlan ShardPlan(NativeRecord record, Dictionary<string, byte[]> listed) => new(
        record.BallotFiles,
        listed,
        [.. NativeRecord.BallotContextFiles(record.Guardians.Select(g => g.File)).Select(f => (f, listed.TryGetValue(f, out byte[]? sha) ? sha : null))]);

    /// <summary>
    /// Shards' products, checked as one batch (a product of members is a member: a value that is not came from a faulty
    /// shard), then multiplied per option.
    /// </summary>
    /// <exception cref="RecordInputException">A product is not in Z_p^r.</exception>
    private Dictionary<(int Contest, int Option), (ElementModP A, ElementModP B)> MultiplyProducts(IReadOnlyList<ShardProduct> products)
    {
        Dictionary<(int Contest, int Option), (ElementModP A, ElementModP B)> sums = [];
        ElementModP?[] values = _math.Members([.. products.SelectMany(p => new[] { p.A, p.B })]);
        for (int i = 0; i < products.Count; i++)
        {
            ShardProduct p = products[i];
            ElementModP a = values[2 * i] ?? throw new RecordInputException("ballots", $"a shard's product for contest {p.Contest}, option {p.Option} is not in Z_p^r (the shard that made it is faulty)");
            ElementModP b = values[(2 * i) + 1] ?? throw new RecordInputException("ballots", $"a shard's product for contest {p.Contest}, option {p.Option} is not in Z_p^r (the shard that made it is faulty)");
            sums[(p.Contest, p.Option)] = sums.TryGetValue((p.Contest, p.Option), out (ElementModP A, ElementModP B) have) ? (have.A * a, have.B * b) : (a, b);
        }

        return sums;
    }

    /// <summary><see cref="BallotShardPlan.ProductFold"/>: <see cref="MultiplyProducts"/>, one product per option.</summary>
    private IReadOnlyList<ShardProduct> FoldProducts(IReadOnlyList<ShardProduct> products) =>
        [.. MultiplyProducts(products).Select(p => new ShardProduct(p.Key.Contest, p.Key.Option, p.Value.A.Encode(), p.Value.B.Encode()))];

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
        BallotPass pass = new();
        foreach (KeyValuePair<(int Contest, int Option), (ElementModP A, ElementModP B)> product in MultiplyProducts(merged.Products))
        {
            pass.Products[product.Key] = product.Value;
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

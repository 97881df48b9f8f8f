using System.Text;
using System.Text.Json.Serialization;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Rolls;

/// <summary>One version of a voter record on the board: its change artifact and where its entry is.</summary>
/// <param name="Index">The log index of its entry.</param>
/// <param name="Type">roll.add, roll.update or roll.remove.</param>
/// <param name="Artifact">The change artifact, base64.</param>
public sealed record RollVersionView(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("artifact")] string Artifact);

/// <summary>
/// What a registration check verifies (<c>GET /api/roll-check/{key}</c>; docs/rolls.md, "The voter's check"): every
/// version of the record, oldest first, and for the latest its signed entry, its inclusion proof (hex hashes) and the
/// published checkpoint. One inclusion proof covers the history: each change names the SHA-256 of the previous one.
/// </summary>
/// <param name="Jurisdiction">The roll.</param>
/// <param name="Key">The record's key.</param>
/// <param name="Versions">Every version, oldest first.</param>
/// <param name="Entry">The latest version's signed entry, base64.</param>
/// <param name="Proof">Its inclusion proof in the checkpoint.</param>
/// <param name="Checkpoint">The published checkpoint (signed note with cosignatures).</param>
public sealed record RollCheckDocument(
    [property: JsonPropertyName("jurisdiction")] string Jurisdiction,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("versions")] IReadOnlyList<RollVersionView> Versions,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("proof")] IReadOnlyList<string> Proof,
    [property: JsonPropertyName("checkpoint")] string Checkpoint);

/// <summary>What a voter's check concluded.</summary>
public enum RollVerdict
{
    /// <summary>The log's current record is exactly the voter's details.</summary>
    Registered,

    /// <summary>The record was removed, by a logged change.</summary>
    Removed,

    /// <summary>The voter's details are an older version: a logged change altered the record since.</summary>
    Changed,

    /// <summary>No logged version has the voter's details: a change made without a log entry (or mistyped details).</summary>
    Mismatch,

    /// <summary>No change of the record was ever logged.</summary>
    NotOnLog,

    /// <summary>What the board served does not verify.</summary>
    Failed,
}

/// <summary>The outcome of a voter's check: the verdict, the record's verified history and what was checked or failed.</summary>
/// <param name="Verdict">The verdict.</param>
/// <param name="History">The record's changes, oldest first, with their log indices.</param>
/// <param name="Checked">What was verified, one sentence each.</param>
/// <param name="Failure">What failed (for <see cref="RollVerdict.Failed"/>).</param>
public sealed record RollCheckResult(RollVerdict Verdict, IReadOnlyList<(long Index, RollChange Change)> History, IReadOnlyList<string> Checked, string? Failure);

/// <summary>
/// The voter's check in .NET (<c>entente roll check</c>), the same steps as wwwroot/roll-check.js: the chain of versions,
/// the latest entry committing to the latest artifact, its inclusion in the checkpoint, the checkpoint's signatures (by
/// the caller's <c>checkCheckpoint</c>, which returns what failed), then the voter's commitment against the versions.
/// </summary>
public static class RollHistoryCheck
{
    /// <summary>Verifies <paramref name="document"/> for the record <paramref name="key"/> whose current content the voter commits to as <paramref name="mine"/>.</summary>
    public static RollCheckResult Verify(RollCheckDocument? document, Hash256 key, Hash256 mine, Func<SignedCheckpoint, IReadOnlyList<string>> checkCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(checkCheckpoint);
        List<string> done = [$"SHA-256: the details and salt give the record key {key.ToHex()} and the commitment {mine.ToHex()}."];
        if (document is null)
        {
            return new RollCheckResult(RollVerdict.NotOnLog, [], done, null);
        }

        List<(long, RollChange)> history = [];
        try
        {
            Hash256? previous = null;
            Hash256 latestSha = default;
            foreach (RollVersionView v in document.Versions)
            {
                byte[] bytes = Convert.FromBase64String(v.Artifact);
                RollChange change = RollArtifacts.ReadChange(bytes);
                Fail(change.Key != key, $"version {change.Version} is of another record");
                Fail(change.Version != history.Count + 1, "the versions are not 1, 2, 3…");
                Fail(change.Previous != previous, $"version {change.Version} does not name the SHA-256 of version {change.Version - 1}: the history was altered");
                Fail(v.Type != change.Type, $"version {change.Version} is listed as {v.Type} but is a {change.Type}");
                previous = latestSha = Hash256.Compute(bytes);
                history.Add((v.Index, change));
            }

            Fail(history.Count == 0, "the board returned no version of the record");
            (long index, RollChange latest) = history[^1];
            byte[] entryBytes = Convert.FromBase64String(document.Entry);
            (LogEntry entry, _) = LogEntry.Parse(entryBytes);
            Fail(entry.Type != latest.Type || entry.Sha256 != latestSha, "the log entry the board returned does not commit to the record's latest change");
            done.Add($"The log entry at index {index} commits to version {latest.Version} ({latest.Type}); versions 1–{latest.Version} are chained by their SHA-256s.");
            SignedCheckpoint checkpoint = SignedCheckpoint.Parse(Encoding.UTF8.GetBytes(document.Checkpoint));
            Hash256[] proof = [.. document.Proof.Select(Hash256.FromHex)];
            Fail(!MerkleMath.VerifyInclusion(index, checkpoint.Checkpoint.Size, Rfc6962.LeafHash(entryBytes), proof, checkpoint.Checkpoint.Root),
                $"the inclusion proof of entry {index} does not lead to the checkpoint's root");
            done.Add($"SHA-256: the entry's {proof.Length}-hash inclusion proof gives the root of the checkpoint of size {checkpoint.Checkpoint.Size}.");
            IReadOnlyList<string> problems = checkCheckpoint(checkpoint);
            Fail(problems.Count > 0, string.Join("; ", problems));
            done.Add("Ed25519: the checkpoint is signed by the log key and cosigned as the witness policy requires.");
            RollVerdict verdict = latest.Operation == RollOperation.Remove ? RollVerdict.Removed
                : latest.Commitment == mine ? RollVerdict.Registered
                : history.Any(h => h.Item2.Commitment == mine) ? RollVerdict.Changed
                : RollVerdict.Mismatch;
            return new RollCheckResult(verdict, history, done, null);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            return new RollCheckResult(RollVerdict.Failed, history, done, e.Message);
        }
    }

    private static void Fail(bool failed, string problem)
    {
        if (failed)
        {
            throw new InvalidDataException(problem);
        }
    }
}

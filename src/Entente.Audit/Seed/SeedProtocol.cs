// The audit seed, made by the parties together (commit, then reveal, on the log). Nobody can choose the
// seed: each party commits to a 32-byte secret before anyone reveals; the seed hashes every valid reveal (and
// any public dice rolls) in log order. Anyone recomputes it from the log. Byte formats are in docs/audit.md.
//
//   LP(x)       = uint32 big-endian byte length of UTF8(x) || UTF8(x)
//   commitment  = SHA-256("entente/audit/seed/v1/commit" || 0x00 || LP(auditId) || LP(party) || secret)      (secret: 32 bytes)
//   seed        = SHA-256("entente/audit/seed/v1/seed" || 0x00 || LP(auditId) || uint32 BE count ||
//                         for each contribution in log order: kind (0x01 reveal, 0x02 dice) || uint64 BE log index ||
//                         LP(party) || uint32 BE payload length || payload)
//   seed text   = lowercase hexadecimal of the 32 bytes (64 characters)
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Audit.Seed;

/// <summary>The kind of a seed-protocol record on the log.</summary>
public enum SeedRecordKind
{
    /// <summary>A party's commitment: the 32-byte hash of its secret.</summary>
    Commit = 0,

    /// <summary>A party's reveal: its 32-byte secret.</summary>
    Reveal = 1,

    /// <summary>Public dice rolls, read aloud and entered: ASCII digits.</summary>
    Dice = 2,
}

/// <summary>One seed-protocol record as the log holds it.</summary>
/// <param name="AuditId">The audit this record belongs to.</param>
/// <param name="Party">The party (or "public" for dice).</param>
/// <param name="Kind">Commit, reveal or dice.</param>
/// <param name="Payload">The bytes: commitment, secret or digits.</param>
/// <param name="LogIndex">Position in the log; strictly increasing.</param>
/// <param name="Timestamp">When the log accepted the record.</param>
public sealed record SeedLogRecord(string AuditId, string Party, SeedRecordKind Kind, ReadOnlyMemory<byte> Payload, long LogIndex, DateTimeOffset Timestamp)
{
    /// <summary>Leaves the payload out: a reveal is public once logged, but a commit-phase secret never appears in text.</summary>
    public override string ToString() => $"#{LogIndex} {Kind} by {Party} at {Timestamp:O}";
}

/// <summary>When each phase closes, and who must take part.</summary>
/// <param name="AuditId">The audit id, bound into every commitment and the seed.</param>
/// <param name="Parties">The parties expected to commit and reveal.</param>
/// <param name="CommitBy">Commitments logged before this time count.</param>
/// <param name="RevealBy">Reveals logged from CommitBy up to (not including) this time count.</param>
/// <param name="DiceBy">Dice logged from RevealBy up to this time count; equal to RevealBy when no dice are rolled.</param>
public sealed record SeedSchedule(string AuditId, IReadOnlyList<string> Parties, DateTimeOffset CommitBy, DateTimeOffset RevealBy, DateTimeOffset DiceBy);

/// <summary>What became of one party in the protocol.</summary>
public enum PartyOutcome
{
    /// <summary>Committed in time and revealed a matching secret in time.</summary>
    Revealed,

    /// <summary>No commitment before the commit deadline.</summary>
    DidNotCommit,

    /// <summary>Committed but no matching reveal before the reveal deadline.</summary>
    DidNotReveal,

    /// <summary>The deadline for revealing has not passed yet.</summary>
    Pending,
}

/// <summary>One party's outcome, with the log indices involved.</summary>
/// <param name="Party">The party.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="CommitIndex">Log index of the counted commitment, if any.</param>
/// <param name="RevealIndex">Log index of the counted reveal, if any.</param>
public sealed record PartyStatus(string Party, PartyOutcome Outcome, long? CommitIndex, long? RevealIndex);

/// <summary>The seed and how it came about; every ignored record is listed with the reason.</summary>
/// <param name="Seed">The seed text (64 lowercase hex digits), or null while not final or when nobody revealed.</param>
/// <param name="IsFinal">True once every window has closed.</param>
/// <param name="Parties">Each expected party's outcome.</param>
/// <param name="Ignored">Records that did not count, with the reason.</param>
public sealed record SeedResult(string? Seed, bool IsFinal, IReadOnlyList<PartyStatus> Parties, IReadOnlyList<string> Ignored);

/// <summary>The commit–reveal seed protocol as pure functions over an ordered list of log records.</summary>
public static class SeedProtocol
{
    /// <summary>Length of a secret and of a commitment.</summary>
    public const int SecretLength = 32;

    /// <summary>Longest accepted dice string.</summary>
    public const int MaxDiceDigits = 64;

    private static readonly byte[] CommitLabel = Encoding.ASCII.GetBytes("entente/audit/seed/v1/commit\0");
    private static readonly byte[] SeedLabel = Encoding.ASCII.GetBytes("entente/audit/seed/v1/seed\0");

    /// <summary>A fresh secret from the operating system's CSPRNG.</summary>
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretLength);

    /// <summary>The commitment to <paramref name="secret"/> for <paramref name="party"/> in <paramref name="auditId"/>.</summary>
    public static byte[] Commitment(string auditId, string party, ReadOnlySpan<byte> secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(auditId);
        ArgumentException.ThrowIfNullOrEmpty(party);
        if (secret.Length != SecretLength)
        {
            throw new ArgumentException($"A secret is {SecretLength} bytes.", nameof(secret));
        }

        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(CommitLabel);
        AppendText(hash, auditId);
        AppendText(hash, party);
        hash.AppendData(secret);
        return hash.GetHashAndReset();
    }

    /// <summary>Whether the text is acceptable dice: 1 to 64 ASCII digits.</summary>
    public static bool IsValidDice(ReadOnlySpan<byte> payload) =>
        payload.Length is > 0 and <= MaxDiceDigits && !payload.ContainsAnyExceptInRange((byte)'0', (byte)'9');

    /// <summary>
    /// Evaluates the protocol at time <paramref name="now"/>: which commitments and reveals count, who failed,
    /// and the seed once every window has closed.
    /// </summary>
    public static SeedResult Evaluate(SeedSchedule schedule, IEnumerable<SeedLogRecord> records, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(records);
        if (!(schedule.CommitBy < schedule.RevealBy && schedule.RevealBy <= schedule.DiceBy))
        {
            throw new ArgumentException("The schedule must have CommitBy < RevealBy ≤ DiceBy.", nameof(schedule));
        }

        HashSet<string> parties = new(schedule.Parties, StringComparer.Ordinal);
        Dictionary<string, SeedLogRecord> commits = new(StringComparer.Ordinal);
        Dictionary<string, SeedLogRecord> reveals = new(StringComparer.Ordinal);
        List<SeedLogRecord> contributions = [];
        List<string> ignored = [];
        long lastIndex = long.MinValue;
        foreach (SeedLogRecord r in records)
        {
            if (r.LogIndex <= lastIndex)
            {
                throw new ArgumentException($"Log records must be in strictly increasing index order; #{r.LogIndex} follows #{lastIndex}.", nameof(records));
            }

            lastIndex = r.LogIndex;
            if (r.AuditId != schedule.AuditId)
            {
                continue;
            }

            string? reason = r.Kind switch
            {
                SeedRecordKind.Commit => AcceptCommit(r),
                SeedRecordKind.Reveal => AcceptReveal(r),
                SeedRecordKind.Dice => AcceptDice(r),
                _ => "unknown record kind",
            };
            if (reason is not null)
            {
                ignored.Add($"{r}: {reason}");
            }
        }

        bool revealClosed = now >= schedule.RevealBy;
        List<PartyStatus> statuses = [];
        foreach (string party in schedule.Parties)
        {
            commits.TryGetValue(party, out SeedLogRecord? c);
            reveals.TryGetValue(party, out SeedLogRecord? v);
            PartyOutcome outcome = c is null
                ? (now >= schedule.CommitBy ? PartyOutcome.DidNotCommit : PartyOutcome.Pending)
                : v is not null ? PartyOutcome.Revealed
                : revealClosed ? PartyOutcome.DidNotReveal : PartyOutcome.Pending;
            statuses.Add(new PartyStatus(party, outcome, c?.LogIndex, v?.LogIndex));
        }

        bool final = now >= schedule.DiceBy;
        string? seed = final && reveals.Count > 0 ? Convert.ToHexStringLower(DeriveSeed(schedule.AuditId, contributions)) : null;
        return new SeedResult(seed, final, statuses, ignored);

        string? AcceptCommit(SeedLogRecord r)
        {
            if (!parties.Contains(r.Party))
            {
                return "not a party of this audit";
            }

            if (r.Timestamp >= schedule.CommitBy)
            {
                return "commitment after the commit deadline";
            }

            if (r.Payload.Length != SecretLength)
            {
                return $"a commitment is {SecretLength} bytes";
            }

            if (commits.ContainsKey(r.Party))
            {
                return "only a party's first commitment counts";
            }

            commits[r.Party] = r;
            return null;
        }

        string? AcceptReveal(SeedLogRecord r)
        {
            if (!parties.Contains(r.Party))
            {
                return "not a party of this audit";
            }

            if (r.Timestamp < schedule.CommitBy)
            {
                return "reveal before the commit deadline (premature: others could still choose their secrets)";
            }

            if (r.Timestamp >= schedule.RevealBy)
            {
                return "reveal after the reveal deadline";
            }

            if (!commits.TryGetValue(r.Party, out SeedLogRecord? c))
            {
                return "no commitment from this party";
            }

            if (reveals.ContainsKey(r.Party))
            {
                return "already revealed";
            }

            if (r.Payload.Length != SecretLength
                || !CryptographicOperations.FixedTimeEquals(Commitment(schedule.AuditId, r.Party, r.Payload.Span), c.Payload.Span))
            {
                return "the secret does not match the commitment";
            }

            reveals[r.Party] = r;
            contributions.Add(r);
            return null;
        }

        string? AcceptDice(SeedLogRecord r)
        {
            if (r.Timestamp < schedule.RevealBy || r.Timestamp >= schedule.DiceBy)
            {
                return "dice outside the dice window";
            }

            if (!IsValidDice(r.Payload.Span))
            {
                return $"dice are 1 to {MaxDiceDigits} ASCII digits";
            }

            contributions.Add(r);
            return null;
        }
    }

    /// <summary>
    /// Evaluates a seed made on a board (docs/audit.md, "The seed on a board"), where the board's order takes the place of
    /// the deadlines: it refuses a reveal before every party committed and a reveal that does not match its commitment,
    /// and takes dice only after every reveal. A party's first commitment and first matching reveal count; the seed is
    /// final once every party revealed and, when <paramref name="dice"/>, the dice are on the log. Records of other
    /// audits are skipped; records the board would have refused are listed as ignored.
    /// </summary>
    public static SeedResult EvaluateOnBoard(string auditId, IReadOnlyList<string> parties, bool dice, IEnumerable<SeedLogRecord> records)
    {
        ArgumentException.ThrowIfNullOrEmpty(auditId);
        ArgumentNullException.ThrowIfNull(parties);
        ArgumentNullException.ThrowIfNull(records);
        HashSet<string> members = new(parties, StringComparer.Ordinal);
        Dictionary<string, SeedLogRecord> commits = new(StringComparer.Ordinal);
        Dictionary<string, SeedLogRecord> reveals = new(StringComparer.Ordinal);
        List<SeedLogRecord> contributions = [];
        List<string> ignored = [];
        SeedLogRecord? diceRecord = null;
        foreach (SeedLogRecord r in records.Where(r => r.AuditId == auditId).OrderBy(r => r.LogIndex))
        {
            string? reason = r.Kind switch
            {
                SeedRecordKind.Commit when !members.Contains(r.Party) => "not a party of this audit",
                SeedRecordKind.Commit when r.Payload.Length != SecretLength => $"a commitment is {SecretLength} bytes",
                SeedRecordKind.Commit when commits.ContainsKey(r.Party) => "only a party's first commitment counts",
                SeedRecordKind.Commit when reveals.Count > 0 => "commitment after a reveal",
                SeedRecordKind.Reveal when !members.Contains(r.Party) => "not a party of this audit",
                SeedRecordKind.Reveal when commits.Count < members.Count => "reveal before every party committed",
                SeedRecordKind.Reveal when reveals.ContainsKey(r.Party) => "already revealed",
                SeedRecordKind.Reveal when r.Payload.Length != SecretLength
                    || !CryptographicOperations.FixedTimeEquals(Commitment(auditId, r.Party, r.Payload.Span), commits[r.Party].Payload.Span) => "the secret does not match the commitment",
                SeedRecordKind.Dice when !dice => "this audit rolls no dice",
                SeedRecordKind.Dice when reveals.Count < members.Count => "dice before every party revealed",
                SeedRecordKind.Dice when diceRecord is not null => "only the first dice count",
                SeedRecordKind.Dice when !IsValidDice(r.Payload.Span) => $"dice are 1 to {MaxDiceDigits} ASCII digits",
                _ => null,
            };
            if (reason is not null)
            {
                ignored.Add($"{r}: {reason}");
                continue;
            }

            switch (r.Kind)
            {
                case SeedRecordKind.Commit:
                    commits[r.Party] = r;
                    break;
                case SeedRecordKind.Reveal:
                    reveals[r.Party] = r;
                    contributions.Add(r);
                    break;
                default:
                    diceRecord = r;
                    contributions.Add(r);
                    break;
            }
        }

        List<PartyStatus> statuses = [.. parties.Select(p => new PartyStatus(p, reveals.ContainsKey(p) ? PartyOutcome.Revealed : PartyOutcome.Pending,
            commits.GetValueOrDefault(p)?.LogIndex, reveals.GetValueOrDefault(p)?.LogIndex))];
        bool final = reveals.Count == members.Count && (!dice || diceRecord is not null);
        return new SeedResult(final ? Convert.ToHexStringLower(DeriveSeed(auditId, contributions)) : null, final, statuses, ignored);
    }

    /// <summary>The seed bytes from the counted contributions, in log order.</summary>
    public static byte[] DeriveSeed(string auditId, IReadOnlyList<SeedLogRecord> contributions)
    {
        ArgumentException.ThrowIfNullOrEmpty(auditId);
        ArgumentNullException.ThrowIfNull(contributions);
        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(SeedLabel);
        AppendText(hash, auditId);
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, checked((uint)contributions.Count));
        hash.AppendData(buffer[..4]);
        foreach (SeedLogRecord r in contributions)
        {
            hash.AppendData([r.Kind == SeedRecordKind.Reveal ? (byte)1 : (byte)2]);
            BinaryPrimitives.WriteUInt64BigEndian(buffer, checked((ulong)r.LogIndex));
            hash.AppendData(buffer);
            AppendText(hash, r.Party);
            BinaryPrimitives.WriteUInt32BigEndian(buffer, checked((uint)r.Payload.Length));
            hash.AppendData(buffer[..4]);
            hash.AppendData(r.Payload.Span);
        }

        return hash.GetHashAndReset();
    }

    private static void AppendText(IncrementalHash hash, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, checked((uint)bytes.Length));
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}

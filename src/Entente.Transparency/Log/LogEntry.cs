using System.Text;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Log;

/// <summary>
/// Entente's log entry: a small commitment to an artifact, signed by the submitting party. It is a C2SP
/// signed note whose text is, line by line (each line ends in a newline, fields in this order):
/// <code>
/// entente.org/entry/v1
/// type &lt;type&gt;                 e.g. ballot.cast, charter, manifest, guardian.commitment, incident.report
/// sha256 &lt;64 lowercase hex&gt;     SHA-256 of the artifact blob, served at /blob/&lt;hex&gt;
/// party &lt;party name&gt;          the submitting party = the name of the key that signs the note
/// [time &lt;yyyy-MM-ddTHH:mm:ss.fffZ&gt;] optional: when the party made the entry (UTC, milliseconds); a board logs it only
///                                within its clock skew of the board's clock (docs/record-format.md §11)
/// [ballot &lt;ballot id&gt;]         optional lookup field
/// [code &lt;confirmation code&gt;]   optional lookup field
/// </code>
/// then a blank line and the party's Ed25519 signature line, followed by co-signers' lines when the entry is joint.
/// Values are 1..128 printable ASCII characters without spaces; type is [a-z0-9.-]. The whole entry is at
/// most 64 KiB (the bundle limit); a typical one is about 250 bytes. An entry's identity is its signed text
/// (<see cref="EntryIdentity"/>); a server logs it only when every signature line passes <see cref="SignatureLinesProblem"/>.
/// </summary>
public sealed record LogEntry
{
    /// <summary>The first line.</summary>
    public const string Header = "entente.org/entry/v1";

    /// <summary>Largest value of a field.</summary>
    public const int MaxValueLength = 128;

    /// <summary>Creates an entry; throws <see cref="ArgumentException"/> for invalid fields.</summary>
    public LogEntry(string type, Hash256 sha256, string party, string? ballotId = null, string? confirmationCode = null, DateTimeOffset? time = null)
    {
        Type = CheckValue(type, nameof(type));
        if (!type.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
        {
            throw new ArgumentException("The type uses only a-z, 0-9, '.' and '-'.", nameof(type));
        }

        Sha256 = sha256;
        Party = CheckValue(party, nameof(party));
        if (!KeyNames.IsValid(party))
        {
            throw new ArgumentException("The party is a key name.", nameof(party));
        }

        BallotId = ballotId is null ? null : CheckValue(ballotId, nameof(ballotId));
        Time = time is { } t ? new DateTimeOffset(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero) : null;
        ConfirmationCode = confirmationCode is null ? null : CheckValue(confirmationCode, nameof(confirmationCode));
    }

    /// <summary>Artifact type.</summary>
    public string Type { get; }

    /// <summary>SHA-256 of the artifact blob.</summary>
    public Hash256 Sha256 { get; }

    /// <summary>The submitting party (the signing key's name).</summary>
    public string Party { get; }

    /// <summary>When the submitting party made the entry (UTC, whole milliseconds), or null for an untimed entry.</summary>
    public DateTimeOffset? Time { get; }

    /// <summary>The format of the <c>time</c> field.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>Ballot id, when the artifact concerns a ballot.</summary>
    public string? BallotId { get; }

    /// <summary>Confirmation code, for cast ballots.</summary>
    public string? ConfirmationCode { get; }

    /// <summary>The note text.</summary>
    public string ToText()
    {
        StringBuilder sb = new();
        sb.Append(Header).Append('\n');
        sb.Append("type ").Append(Type).Append('\n');
        sb.Append("sha256 ").Append(Sha256.ToHex()).Append('\n');
        sb.Append("party ").Append(Party).Append('\n');
        if (Time is { } time)
        {
            sb.Append("time ").Append(time.UtcDateTime.ToString(TimeFormat, System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        if (BallotId is not null)
        {
            sb.Append("ballot ").Append(BallotId).Append('\n');
        }

        if (ConfirmationCode is not null)
        {
            sb.Append("code ").Append(ConfirmationCode).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The signed entry bytes, signed by the party's key (whose name must equal <see cref="Party"/>).</summary>
    public byte[] Sign(Ed25519NoteSigner partyKey)
    {
        ArgumentNullException.ThrowIfNull(partyKey);
        if (partyKey.Name != Party)
        {
            throw new ArgumentException($"The entry's party is {Party} but the key is {partyKey.Name}.", nameof(partyKey));
        }

        return partyKey.SignNote(ToText()).ToBytes();
    }

    /// <summary>Parses signed entry bytes (signatures are not checked here) or throws <see cref="NoteFormatException"/>.</summary>
    public static (LogEntry Entry, SignedNote Note) Parse(ReadOnlySpan<byte> bytes, int maxBytes = 1 << 16)
    {
        SignedNote note = SignedNote.Parse(bytes, maxBytes);

        // Entries are our format, so strict: a signature line in non-canonical base64 (non-zero padding bits, which
        // signed-note readers tolerate) would give one signed entry other bytes without any key.
        string[] signatureLines = Encoding.UTF8.GetString(bytes)[(note.Text.Length + 1)..^1].Split('\n');
        for (int s = 0; s < signatureLines.Length; s++)
        {
            if (!note.Signatures.Any(x => x.ToLine().AsSpan()[..^1].SequenceEqual(signatureLines[s])))
            {
                throw new NoteFormatException($"Entry signature line {s + 1} is not canonical base64 (non-zero padding bits).");
            }
        }

        string[] lines = note.Text[..^1].Split('\n');
        if (lines[0] != Header)
        {
            throw new NoteFormatException($"An entry starts with the line {Header}.");
        }

        int i = 1;
        string Field(string key, bool optional)
        {
            if (i < lines.Length && lines[i].StartsWith(key + " ", StringComparison.Ordinal))
            {
                return lines[i++][(key.Length + 1)..];
            }

            return optional ? null! : throw new NoteFormatException($"Entry line {i + 1}: expected the field \"{key}\".");
        }

        string type = Field("type", false);
        string sha = Field("sha256", false);
        string party = Field("party", false);
        string? timeText = Field("time", true);
        DateTimeOffset? time = null;
        if (timeText is not null)
        {
            if (!DateTime.TryParseExact(timeText, TimeFormat, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out DateTime parsed))
            {
                throw new NoteFormatException($"Entry field time: \"{timeText}\" is not a UTC time yyyy-MM-ddTHH:mm:ss.fffZ.");
            }

            time = new DateTimeOffset(DateTime.SpecifyKind(parsed, DateTimeKind.Utc));
        }

        string? ballot = Field("ballot", true);
        string? code = Field("code", true);
        if (i != lines.Length)
        {
            throw new NoteFormatException($"Entry line {i + 1}: unexpected field (fields are type, sha256, party, time, ballot, code in that order).");
        }

        if (!Hash256.TryFromHex(sha, out Hash256 hash))
        {
            throw new NoteFormatException("Entry field sha256 is not 64 lowercase hex digits.");
        }

        try
        {
            return (new LogEntry(type, hash, party, ballot, code, time), note);
        }
        catch (ArgumentException e)
        {
            throw new NoteFormatException($"Entry field {e.ParamName}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Why the signature lines of <paramref name="bytes"/> (parsed as <paramref name="note"/>) may not be logged, or null
    /// when they may. The rule, so that an entry cannot be re-sent as new bytes under the same text: the bytes are the
    /// note exactly as it encodes (no repeated signature line, base64 in canonical form), and every signature line is a
    /// valid signature by a member of <paramref name="charter"/> (its name, key ID and key), each member at most once.
    /// Whether the right members signed (the party, every party of a joint artifact) is the caller's rule.
    /// </summary>
    public static string? SignatureLinesProblem(ReadOnlySpan<byte> bytes, SignedNote note, Charter charter)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(charter);
        string[] lines = Encoding.UTF8.GetString(bytes[(note.TextBytes.Length + 1)..]).TrimEnd('\n').Split('\n');
        if (lines.Length != note.Signatures.Count)
        {
            for (int i = 1; i < lines.Length; i++)
            {
                int earlier = Array.IndexOf(lines, lines[i], 0, i);
                if (earlier >= 0)
                {
                    return $"signature line {i + 1} repeats signature line {earlier + 1}; send each signature once.";
                }
            }

            return "the signature lines do not match the note's signatures.";
        }

        byte[] text = note.TextBytes;
        HashSet<string> signers = new(StringComparer.Ordinal);
        for (int i = 0; i < note.Signatures.Count; i++)
        {
            NoteSignature s = note.Signatures[i];
            if (!signers.Add(s.Name))
            {
                return $"signature line {i + 1} is a second signature by \"{s.Name}\"; each member signs once.";
            }

            if (charter.Find(s.Name) is not CharterMember member)
            {
                return $"signature line {i + 1} is by \"{s.Name}\", which is not a member of the charter; only charter members sign entries.";
            }

            if (s.KeyId != member.Key.KeyId || !member.Key.Verify(text, s.Signature))
            {
                return $"signature line {i + 1} is not a valid signature by the charter key of \"{s.Name}\".";
            }

            if (!lines[i].AsSpan().SequenceEqual(s.ToLine().AsSpan()[..^1]))
            {
                return $"signature line {i + 1} is not in canonical form (base64 with padding and zero unused bits).";
            }
        }

        return null;
    }

    private static string CheckValue(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length is 0 or > MaxValueLength || value.Any(c => c is <= ' ' or > '~'))
        {
            throw new ArgumentException($"The {name} must be 1..{MaxValueLength} printable ASCII characters without spaces.", name);
        }

        return value;
    }
}

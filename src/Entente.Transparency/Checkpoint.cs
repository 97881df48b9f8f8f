using System.Globalization;
using System.Text;
using Entente.Transparency.Notes;

namespace Entente.Transparency;

/// <summary>
/// A C2SP tlog-checkpoint body: origin, tree size (decimal, no leading zeros), root hash (base64 of 32 bytes),
/// optional non-empty extension lines. Parsing is strict.
/// </summary>
public sealed record Checkpoint
{
    /// <summary>Creates a checkpoint.</summary>
    public Checkpoint(string origin, long size, Hash256 root, IReadOnlyList<string>? extensions = null)
    {
        if (string.IsNullOrEmpty(origin) || origin.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("The origin must be a non-empty single line.", nameof(origin));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Origin = origin;
        Size = size;
        Root = root;
        Extensions = extensions ?? [];
        if (Extensions.Any(e => e.Length == 0 || e.Contains('\n', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Extension lines must be non-empty single lines.", nameof(extensions));
        }
    }

    /// <summary>The log's identity.</summary>
    public string Origin { get; }

    /// <summary>The number of entries.</summary>
    public long Size { get; }

    /// <summary>The RFC 6962 root.</summary>
    public Hash256 Root { get; }

    /// <summary>Extension lines (NOT RECOMMENDED by the spec; never produced by Entente).</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The note text of this checkpoint.</summary>
    public string ToText()
    {
        StringBuilder sb = new();
        sb.Append(Origin).Append('\n').Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(Root.ToBase64()).Append('\n');
        foreach (string e in Extensions)
        {
            sb.Append(e).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Parses a checkpoint body (the note text) or throws <see cref="NoteFormatException"/>.</summary>
    public static Checkpoint Parse(string text) => Parse(text, requireEmptyRoot: true);

    /// <summary>Parses a checkpoint body; the witness checks the size-0 root itself (it answers 422, not 400).</summary>
    internal static Checkpoint Parse(string text, bool requireEmptyRoot)
    {
        ArgumentNullException.ThrowIfNull(text);
        SignedNote.CheckCharacters(text, "checkpoint");
        if (!text.EndsWith('\n'))
        {
            throw new NoteFormatException("The checkpoint does not end with a newline.");
        }

        string[] lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            throw new NoteFormatException("A checkpoint has at least three lines: origin, size and root hash.");
        }

        if (lines[0].Length == 0)
        {
            throw new NoteFormatException("The checkpoint origin (line 1) is empty.");
        }

        string sizeText = lines[1];
        if (sizeText.Length == 0 || sizeText.Length > 19 || !sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0')
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            throw new NoteFormatException("The checkpoint size (line 2) is not a decimal number without leading zeros.");
        }

        if (!Hash256.TryFromBase64(lines[2], out Hash256 root))
        {
            throw new NoteFormatException("The checkpoint root hash (line 3) is not the base64 of 32 bytes.");
        }

        string[] extensions = lines[3..];
        if (extensions.Any(e => e.Length == 0))
        {
            throw new NoteFormatException("A checkpoint extension line is empty.");
        }

        if (requireEmptyRoot && size == 0 && root != Hash256.Empty)
        {
            throw new NoteFormatException("A checkpoint of size 0 must have the empty tree's root, SHA-256(\"\").");
        }

        return new Checkpoint(lines[0], size, root, extensions);
    }

    /// <summary>Parses a checkpoint body; false when malformed.</summary>
    public static bool TryParse(string text, out Checkpoint? checkpoint)
    {
        try
        {
            checkpoint = Parse(text);
            return true;
        }
        catch (NoteFormatException)
        {
            checkpoint = null;
            return false;
        }
    }
}

/// <summary>A checkpoint together with its signed note (log signature and any cosignatures).</summary>
/// <param name="Checkpoint">The parsed body.</param>
/// <param name="Note">The note.</param>
public sealed record SignedCheckpoint(Checkpoint Checkpoint, SignedNote Note)
{
    /// <summary>Parses a signed checkpoint note (no signature checks) or throws <see cref="NoteFormatException"/>.</summary>
    public static SignedCheckpoint Parse(ReadOnlySpan<byte> note)
    {
        SignedNote parsed = SignedNote.Parse(note, 1 << 16);
        return new SignedCheckpoint(Checkpoint.Parse(parsed.Text), parsed);
    }

    /// <summary>Parses and checks the log's signature and returns the checkpoint, or throws.</summary>
    public static SignedCheckpoint Open(ReadOnlySpan<byte> note, INoteVerifier logKey)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        SignedCheckpoint parsed = Parse(note);
        if (!NoteVerification.HasValidSignature(parsed.Note, logKey))
        {
            throw new NoteVerificationException(NoteVerificationFailure.NoVerifiableSignatures,
                $"the checkpoint has no valid signature by the log key {logKey.Name}+{logKey.KeyId:x8}");
        }

        return parsed;
    }
}

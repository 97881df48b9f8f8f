using System.Text;

namespace Entente.Transparency.Notes;

/// <summary>
/// C2SP signed-note (signed-note/v1.0.0): UTF-8 text ending in a newline, a blank line, then one or more
/// signature lines. Parsing is strict: size limit first, valid UTF-8, no control characters other than
/// newline, the LAST blank line separates text from signatures, every signature line well formed,
/// at most <see cref="MaxSignatures"/> signature lines (identical lines are then kept once).
/// </summary>
public sealed class SignedNote
{
    /// <summary>Default limit on the size of a note, in bytes.</summary>
    public const int DefaultMaxBytes = 1 << 20;

    /// <summary>Most signatures accepted on one note (as Go's sumdb/note: at 101 the note is malformed).</summary>
    public const int MaxSignatures = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Creates a note from text (which must end in a newline) and signatures.</summary>
    public SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signatures);
        CheckText(text);
        Text = text;
        Signatures = signatures;
    }

    /// <summary>The signed text, including its final newline.</summary>
    public string Text { get; }

    /// <summary>The signatures, in order, identical lines removed.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>The UTF-8 bytes of <see cref="Text"/>, which every signature covers.</summary>
    public byte[] TextBytes => Encoding.UTF8.GetBytes(Text);

    /// <summary>The note as text: the text, a blank line and the signature lines.</summary>
    public override string ToString()
    {
        StringBuilder sb = new(Text.Length + 128);
        sb.Append(Text).Append('\n');
        foreach (NoteSignature s in Signatures)
        {
            sb.Append(s.ToLine());
        }

        return sb.ToString();
    }

    /// <summary>The note's bytes.</summary>
    public byte[] ToBytes() => Encoding.UTF8.GetBytes(ToString());

    /// <summary>A copy with <paramref name="signature"/> added (unless an identical one is present).</summary>
    public SignedNote WithSignature(NoteSignature signature) =>
        Signatures.Contains(signature) ? this : new SignedNote(Text, [.. Signatures, signature]);

    /// <summary>Parses a note or throws <see cref="NoteFormatException"/> naming the problem.</summary>
    public static SignedNote Parse(ReadOnlySpan<byte> note, int maxBytes = DefaultMaxBytes)
    {
        if (note.Length > maxBytes)
        {
            throw new NoteFormatException($"The note is {note.Length} bytes, more than the limit of {maxBytes}.");
        }

        string s;
        try
        {
            s = StrictUtf8.GetString(note);
        }
        catch (DecoderFallbackException e)
        {
            throw new NoteFormatException($"The note is not valid UTF-8 (byte offset {e.Index}).", e);
        }

        return Parse(s, maxBytes);
    }

    /// <summary>Parses a note or throws <see cref="NoteFormatException"/> naming the problem.</summary>
    public static SignedNote Parse(string note, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(note);
        if (note.Length > maxBytes)
        {
            throw new NoteFormatException($"The note is longer than the limit of {maxBytes} bytes.");
        }

        CheckCharacters(note, "note");
        if (!note.EndsWith('\n'))
        {
            throw new NoteFormatException("The note does not end with a newline.");
        }

        int split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new NoteFormatException("The note has no blank line separating text from signatures.");
        }

        string text = note[..(split + 1)];
        string block = note[(split + 2)..];
        if (block.Length == 0)
        {
            throw new NoteFormatException("The note has no signature lines.");
        }

        List<NoteSignature> signatures = [];
        HashSet<NoteSignature> seen = [];
        string[] lines = block[..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            throw new NoteFormatException($"The note has {lines.Length} signature lines, more than {MaxSignatures}.");
        }

        for (int i = 0; i < lines.Length; i++)
        {
            NoteSignature signature = ParseSignatureLine(lines[i], i + 1);
            if (seen.Add(signature))
            {
                signatures.Add(signature);
            }
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>Parses a note; false when it is not well formed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> note, out SignedNote? parsed)
    {
        try
        {
            parsed = Parse(note);
            return true;
        }
        catch (NoteFormatException)
        {
            parsed = null;
            return false;
        }
    }

    private static NoteSignature ParseSignatureLine(string line, int number)
    {
        const string Dash = "\u2014 ";
        if (!line.StartsWith(Dash, StringComparison.Ordinal))
        {
            throw new NoteFormatException($"Signature line {number} does not start with \"— \".");
        }

        string rest = line[Dash.Length..];
        int space = rest.LastIndexOf(' ');
        if (space <= 0)
        {
            throw new NoteFormatException($"Signature line {number} has no key name and signature separated by a space.");
        }

        string name = rest[..space];
        if (!KeyNames.IsValid(name))
        {
            throw new NoteFormatException($"Signature line {number} has an invalid key name (empty, a space or '+').");
        }

        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(rest[(space + 1)..]);
        }
        catch (FormatException e)
        {
            throw new NoteFormatException($"Signature line {number} is not base64.", e);
        }

        if (payload.Length < 5)
        {
            throw new NoteFormatException($"Signature line {number} is too short to hold a key ID and a signature.");
        }

        uint keyId = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload);
        return new NoteSignature(name, keyId, payload[4..]);
    }

    internal static void CheckCharacters(string s, string what)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if ((c < 0x20 && c != '\n') || c == 0x7F)
            {
                throw new NoteFormatException($"The {what} contains the control character U+{(int)c:X4} at offset {i}.");
            }

            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    throw new NoteFormatException($"The {what} contains an unpaired surrogate at offset {i}.");
                }

                i++;
            }
        }
    }

    private static void CheckText(string text)
    {
        CheckCharacters(text, "note text");
        if (text.Length == 0 || !text.EndsWith('\n'))
        {
            throw new NoteFormatException("The note text must be non-empty and end with a newline.");
        }
    }
}

/// <summary>Rules for key names: non-empty, no Unicode white space, no '+'.</summary>
public static class KeyNames
{
    /// <summary>True when <paramref name="name"/> is a valid signed-note key name.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (char.IsWhiteSpace(c) || c == '+' || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}

using System.Globalization;
using System.Text;
using CsCheck;

namespace Entente.Testing.Properties;

/// <summary>The kinds of change <see cref="Mutations"/> makes to a valid encoding.</summary>
public enum MutationKind
{
    /// <summary>Flip one bit of one byte.</summary>
    FlipBit,

    /// <summary>Cut the input short.</summary>
    Truncate,

    /// <summary>Remove a short span of bytes.</summary>
    DeleteSpan,

    /// <summary>Repeat a short span of bytes in place.</summary>
    DuplicateSpan,

    /// <summary>Repeat one line.</summary>
    DuplicateLine,

    /// <summary>Remove one line.</summary>
    DeleteLine,

    /// <summary>Swap two lines.</summary>
    SwapLines,

    /// <summary>Insert a junk token (structure characters, unicode, invalid UTF-8, escapes).</summary>
    InsertToken,

    /// <summary>Replace a run of digits with an extreme number.</summary>
    ExtremeNumber,

    /// <summary>Change white space: CRLF line ends, tabs, double or trailing spaces, a BOM, no final newline.</summary>
    Whitespace,

    /// <summary>Overwrite one byte with a special byte.</summary>
    ReplaceByte,

    /// <summary>Flip the case of one ASCII letter.</summary>
    FlipCase,
}

/// <summary>One change, with its position and choices as numbers that CsCheck can shrink.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="At">Where (taken modulo the length or the count of lines).</param>
/// <param name="Length">How much (span lengths, a second line).</param>
/// <param name="Choice">Which token, number, bit or variant.</param>
public readonly record struct Mutation(MutationKind Kind, uint At, uint Length, int Choice)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}@{At}/{Length}/{Choice}");
}

/// <summary>An input for a parser: where it came from and its bytes.</summary>
/// <param name="Origin">How it was made (the valid value and the mutations, or "random").</param>
/// <param name="Bytes">The bytes.</param>
/// <param name="Original">The valid encoding it was made from, or null for random input.</param>
public sealed record FuzzInput(string Origin, byte[] Bytes, byte[]? Original = null)
{
    /// <summary>The bytes as UTF-8 text, invalid sequences replaced.</summary>
    public string Text => Encoding.UTF8.GetString(Bytes);

    /// <inheritdoc/>
    public override string ToString() => $"{Origin}: \"{Mutations.Escape(Bytes)}\" ({Bytes.Length} bytes)";
}

/// <summary>
/// Random and mutated inputs for parser properties: mutations of valid encodings (bit flips, truncation, duplicated,
/// deleted or swapped lines and spans, junk tokens, extreme numbers, unicode, invalid UTF-8, white-space variants),
/// random bytes and random token soup. Every mutation is a plain record, so CsCheck shrinks a failing case to fewer
/// and simpler changes.
/// </summary>
public static class Mutations
{
    /// <summary>Tokens inserted into inputs: structure characters of the formats, unicode, escapes and invalid UTF-8.</summary>
    public static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "\n", "\n\n", "\r", "\r\n", " ", "\t", "  ", "\u00a0", "\u2028", "\u2014 ", "\u2014 x AAAAAAA=\n", "+", "=", "/", ":", ",", ";",
            "\"", "\\", "\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u00e9", "{", "}", "[", "]", "null", "true", "[]", "{}", "\"\"",
            "-", "--", ".", "0", "00", "-0", "1e400", "NaN", "9223372036854775808", "\u00e9", "\U0001F600", "\uFEFF", "\u202E", "\u0301",
            "x", "AAAA", "====", "#", "*", "(", ")", "'", "=HYPERLINK(\"x\")", "Total", "\u0000", "\u007F", "\u0085",
        }.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xEF, 0xBB, 0xBF],
    ];

    /// <summary>Numbers that sit on or beyond the limits of the usual integer types and of JSON.</summary>
    public static readonly string[] ExtremeNumbers =
    [
        "0", "-1", "-0", "1", "2", "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483649", "4294967296",
        "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999999999999999", "1e308", "1e-400", "0.5", "1.0", "01", "+1", "0x10", "1E2",
    ];

    private static readonly byte[] SpecialBytes = [0x00, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x2B, 0x2C, 0x2F, 0x3A, 0x3D, 0x5C, 0x7F, 0x80, 0xC3, 0xE2, 0xFF];

    /// <summary>One random mutation.</summary>
    public static Gen<Mutation> One { get; } = Gen.Select(
        Gen.Int[0, Enum.GetValues<MutationKind>().Length - 1], Gen.UInt, Gen.UInt[0, 64], Gen.Int[0, 1023],
        (kind, at, length, choice) => new Mutation((MutationKind)kind, at, length, choice));

    /// <summary>Up to <paramref name="max"/> mutations.</summary>
    public static Gen<Mutation[]> Some(int max = 4) => One.Array[1, max];

    /// <summary>Random bytes.</summary>
    public static Gen<FuzzInput> RandomBytes { get; } = Gen.Byte.Array[0, 300].Select(b => new FuzzInput("random bytes", b));

    /// <summary>Random concatenations of tokens, printable text and numbers.</summary>
    public static Gen<FuzzInput> TokenSoup { get; } = Gen.OneOf(
            Gen.Int[0, Tokens.Length - 1].Select(i => Tokens[i]),
            Gen.Int[0, ExtremeNumbers.Length - 1].Select(i => Encoding.ASCII.GetBytes(ExtremeNumbers[i])),
            Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789 .+/="], 1, 12].Select(Encoding.UTF8.GetBytes))
        .Array[0, 40]
        .Select(parts => new FuzzInput("token soup", [.. parts.SelectMany(p => p)]));

    /// <summary>
    /// Inputs for a parser of <paramref name="valid"/> encodings: mostly mutations of valid ones, some valid ones as
    /// they are, some random bytes and token soup.
    /// </summary>
    public static Gen<FuzzInput> Of(Gen<byte[]> valid, int maxMutations = 4)
    {
        ArgumentNullException.ThrowIfNull(valid);
        return Gen.Frequency(
            (2, valid.Select(v => new FuzzInput("valid", v, v))),
            (12, Gen.Select(valid, Some(maxMutations), (v, m) => new FuzzInput("valid + " + string.Join(" ", m), Apply(v, m), v))),
            (1, RandomBytes),
            (1, TokenSoup));
    }

    /// <summary>Applies <paramref name="mutations"/> in order.</summary>
    public static byte[] Apply(byte[] input, IEnumerable<Mutation> mutations)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mutations);
        List<byte> bytes = [.. input];
        foreach (Mutation m in mutations)
        {
            Apply(bytes, m);
        }

        return [.. bytes];
    }

    /// <summary>Bytes as a C#-style string literal body: printable ASCII as is, everything else escaped.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        StringBuilder sb = new(bytes.Length + 16);
        foreach (byte b in bytes)
        {
            sb.Append(b switch
            {
                (byte)'\n' => "\\n",
                (byte)'\r' => "\\r",
                (byte)'\t' => "\\t",
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\x{b:X2}"),
            });
        }

        return sb.ToString();
    }

    private static void Apply(List<byte> bytes, Mutation m)
    {
        int n = bytes.Count;
        int at = n == 0 ? 0 : (int)(m.At % (uint)n);
        switch (m.Kind)
        {
            case MutationKind.FlipBit when n > 0:
                bytes[at] ^= (byte)(1 << (m.Choice % 8));
                break;
            case MutationKind.Truncate:
                bytes.RemoveRange((int)(m.At % (uint)(n + 1)), n - (int)(m.At % (uint)(n + 1)));
                break;
            case MutationKind.DeleteSpan when n > 0:
                bytes.RemoveRange(at, Math.Min(n - at, 1 + (int)(m.Length % 16)));
                break;
            case MutationKind.DuplicateSpan when n > 0:
                bytes.InsertRange(at, bytes.GetRange(at, Math.Min(n - at, 1 + (int)(m.Length % 32))));
                break;
            case MutationKind.DuplicateLine or MutationKind.DeleteLine or MutationKind.SwapLines:
                LineMutation(bytes, m);
                break;
            case MutationKind.InsertToken:
                bytes.InsertRange((int)(m.At % (uint)(n + 1)), Tokens[m.Choice % Tokens.Length]);
                break;
            case MutationKind.ExtremeNumber:
                ReplaceNumber(bytes, m);
                break;
            case MutationKind.Whitespace:
                WhitespaceMutation(bytes, m);
                break;
            case MutationKind.ReplaceByte when n > 0:
                bytes[at] = SpecialBytes[m.Choice % SpecialBytes.Length];
                break;
            case MutationKind.FlipCase when n > 0:
                for (int i = 0; i < n; i++)
                {
                    int j = (at + i) % n;
                    if (bytes[j] is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z')
                    {
                        bytes[j] ^= 0x20;
                        break;
                    }
                }

                break;
            default:
                break;
        }
    }

    private static List<(int Start, int Length)> Lines(List<byte> bytes)
    {
        List<(int, int)> lines = [];
        int start = 0;
        for (int i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lines.Add((start, i + 1 - start));
                start = i + 1;
            }
        }

        if (start < bytes.Count)
        {
            lines.Add((start, bytes.Count - start));
        }

        return lines;
    }

    private static void LineMutation(List<byte> bytes, Mutation m)
    {
        List<(int Start, int Length)> lines = Lines(bytes);
        if (lines.Count == 0)
        {
            return;
        }

        (int start, int length) = lines[(int)(m.At % (uint)lines.Count)];
        List<byte> line = bytes.GetRange(start, length);
        switch (m.Kind)
        {
            case MutationKind.DuplicateLine:
                if (line[^1] != (byte)'\n')
                {
                    line.Add((byte)'\n');
                }

                bytes.InsertRange(start, line);
                break;
            case MutationKind.DeleteLine:
                bytes.RemoveRange(start, length);
                break;
            default:
                (int otherStart, int otherLength) = lines[(int)(m.Length % (uint)lines.Count)];
                if (otherStart == start)
                {
                    return;
                }

                List<byte> other = bytes.GetRange(otherStart, otherLength);
                if (otherStart > start)
                {
                    bytes.RemoveRange(otherStart, otherLength);
                    bytes.InsertRange(otherStart, line);
                    bytes.RemoveRange(start, length);
                    bytes.InsertRange(start, other);
                }
                else
                {
                    bytes.RemoveRange(start, length);
                    bytes.InsertRange(start, other);
                    bytes.RemoveRange(otherStart, otherLength);
                    bytes.InsertRange(otherStart, line);
                }

                break;
        }
    }

    private static void ReplaceNumber(List<byte> bytes, Mutation m)
    {
        List<(int Start, int Length)> runs = [];
        for (int i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] is >= (byte)'0' and <= (byte)'9')
            {
                int start = i;
                while (i < bytes.Count && bytes[i] is >= (byte)'0' and <= (byte)'9')
                {
                    i++;
                }

                runs.Add((start, i - start));
            }
        }

        byte[] number = Encoding.ASCII.GetBytes(ExtremeNumbers[m.Choice % ExtremeNumbers.Length]);
        if (runs.Count == 0)
        {
            bytes.InsertRange((int)(m.At % (uint)(bytes.Count + 1)), number);
            return;
        }

        (int s, int l) = runs[(int)(m.At % (uint)runs.Count)];
        bytes.RemoveRange(s, l);
        bytes.InsertRange(s, number);
    }

    private static void WhitespaceMutation(List<byte> bytes, Mutation m)
    {
        int n = bytes.Count;
        switch (m.Choice % 8)
        {
            case 0:
                // Every LF becomes CRLF.
                for (int i = n - 1; i >= 0; i--)
                {
                    if (bytes[i] == (byte)'\n')
                    {
                        bytes.Insert(i, (byte)'\r');
                    }
                }

                break;
            case 1:
                // A space before one line end.
                List<(int Start, int Length)> lines = Lines(bytes);
                if (lines.Count > 0)
                {
                    (int start, int length) = lines[(int)(m.At % (uint)lines.Count)];
                    bytes.Insert(start + length - (bytes[start + length - 1] == (byte)'\n' ? 1 : 0), (byte)' ');
                }

                break;
            case 2:
            case 3:
                // One space becomes a tab (2) or two spaces (3).
                for (int i = 0; i < n; i++)
                {
                    int j = (int)((m.At + (uint)i) % (uint)n);
                    if (bytes[j] == (byte)' ')
                    {
                        if (m.Choice % 8 == 2)
                        {
                            bytes[j] = (byte)'\t';
                        }
                        else
                        {
                            bytes.Insert(j, (byte)' ');
                        }

                        break;
                    }
                }

                break;
            case 4:
                bytes.Add((byte)'\n');
                break;
            case 5:
                if (n > 0 && bytes[^1] == (byte)'\n')
                {
                    bytes.RemoveAt(n - 1);
                }

                break;
            case 6:
                bytes.InsertRange(0, [0xEF, 0xBB, 0xBF]);
                break;
            default:
                bytes.Insert(0, (byte)' ');
                break;
        }
    }
}

// Python's str() of the values that appear in sampler ids (str, int, float, None and tuples of them).
// Rivest's consistent sampler hashes str(id), so an id's text is part of the sampling protocol: Arlo's ids
// are tuples such as (('J1', None, 'B1'), 5). This reproduces CPython 3's repr rules for those types.
using System.Globalization;
using System.Text;

namespace Entente.Audit.Sampling;

/// <summary>Renders values the way CPython's <c>str()</c> does, for ids hashed by the consistent sampler.</summary>
public static class PythonRepr
{
    /// <summary>
    /// str(value): a <see cref="string"/> at top level is itself; inside a tuple it is quoted with repr.
    /// Tuples are <see cref="object"/>[] (one-element tuples get the trailing comma); null is None.
    /// </summary>
    public static string Str(object? value) => value is string s ? s : Repr(value);

    /// <summary>repr(value) for str, integers, float, bool, None and tuples (object[]).</summary>
    public static string Repr(object? value)
    {
        StringBuilder builder = new();
        AppendRepr(builder, value);
        return builder.ToString();
    }

    private static void AppendRepr(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("None");
                break;
            case bool b:
                builder.Append(b ? "True" : "False");
                break;
            case string s:
                AppendStringRepr(builder, s);
                break;
            case int or long or System.Numerics.BigInteger:
                builder.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case double d:
                builder.Append(FloatRepr(d));
                break;
            case object[] items:
                builder.Append('(');
                for (int i = 0; i < items.Length; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    AppendRepr(builder, items[i]);
                }

                if (items.Length == 1)
                {
                    builder.Append(',');
                }

                builder.Append(')');
                break;
            default:
                throw new ArgumentException($"No Python representation for {value.GetType().Name}.", nameof(value));
        }
    }

    /// <summary>repr(float): shortest round-trip digits, with ".0" for integral values below 1e16.</summary>
    private static string FloatRepr(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        // Shortest round-trip digits, then CPython's float_repr layout: fixed for -4 <= exponent < 16, else d.ddde±XX.
        string shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exponent;
        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        int e = shortest.IndexOfAny(['E', 'e']);
        string mantissa = e >= 0 ? shortest[..e] : shortest;
        int exp10 = e >= 0 ? int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        string fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        string all = (intPart + fracPart).TrimStart('0');
        int leadingZeros = (intPart + fracPart).Length - all.Length;
        exponent = intPart.Length - 1 - leadingZeros + exp10;
        digits = all.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        string sign = d < 0 ? "-" : "";
        if (exponent is >= -4 and < 16)
        {
            if (exponent < 0)
            {
                return sign + "0." + new string('0', -exponent - 1) + digits;
            }

            string whole = digits.Length > exponent + 1 ? digits[..(exponent + 1)] : digits.PadRight(exponent + 1, '0');
            string frac = digits.Length > exponent + 1 ? digits[(exponent + 1)..] : "0";
            return sign + whole + "." + frac;
        }

        string m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        return sign + m + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>CPython's unicode_repr: single quotes unless the text has ' and no ".</summary>
    private static void AppendStringRepr(StringBuilder builder, string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        builder.Append(quote);
        for (int i = 0; i < s.Length; i++)
        {
            int codePoint = CharExtensions.ConvertToUtf32IfPossible(s, i, out int width);
            i += width - 1;
            if (codePoint == quote || codePoint == '\\')
            {
                builder.Append('\\').Append((char)codePoint);
            }
            else if (codePoint == '\t')
            {
                builder.Append("\\t");
            }
            else if (codePoint == '\n')
            {
                builder.Append("\\n");
            }
            else if (codePoint == '\r')
            {
                builder.Append("\\r");
            }
            else if (codePoint < 0x20 || codePoint == 0x7F)
            {
                builder.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (codePoint < 0x7F || IsPrintable(codePoint))
            {
                builder.Append(char.ConvertFromUtf32(codePoint));
            }
            else if (codePoint <= 0xFF)
            {
                builder.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (codePoint <= 0xFFFF)
            {
                builder.Append("\\u").Append(codePoint.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
            }
        }

        builder.Append(quote);
    }

    /// <summary>
    /// Python's str.isprintable for one code point: everything except the categories Cc, Cf, Cs, Co, Cn,
    /// Zl, Zp and Zs other than the ASCII space.
    /// </summary>
    private static bool IsPrintable(int codePoint)
    {
        if (codePoint == ' ')
        {
            return true;
        }

        if (codePoint is >= 0xD800 and <= 0xDFFF)
        {
            return false;
        }

        UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
        return category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.SpaceSeparator);
    }
}

internal static class CharExtensions
{
    /// <summary>The code point at <paramref name="index"/>; a lone surrogate is returned as itself.</summary>
    public static int ConvertToUtf32IfPossible(string s, int index, out int width)
    {
        if (char.IsHighSurrogate(s[index]) && index + 1 < s.Length && char.IsLowSurrogate(s[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(s[index], s[index + 1]);
        }

        width = 1;
        return s[index];
    }
}

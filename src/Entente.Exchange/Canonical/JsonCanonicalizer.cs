using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Entente.Exchange.Canonical;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme (JCS): object members sorted by the UTF-16 code units of
/// their names, no insignificant whitespace, strings with the minimal escaping of ECMAScript's
/// JSON.stringify, numbers in ECMAScript's shortest round-trip form (RFC 8785 §3.2.2.3).
/// Input is parsed strictly: duplicate member names are rejected (RFC 8785 §3.1 requires I-JSON).
/// </summary>
public static class JsonCanonicalizer
{
    /// <summary>Canonical UTF-8 bytes of <paramref name="element"/>.</summary>
    /// <exception cref="FormatException">A duplicate member name, a bad string or a number outside IEEE 754 double.</exception>
    public static byte[] Canonicalize(JsonElement element)
    {
        ArrayBufferWriter<byte> buffer = new();
        try
        {
            Write(buffer, element, "$");
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException("A string or member name is not valid UTF-8 or holds an unpaired surrogate escape; RFC 8785 needs I-JSON (RFC 7493).", e);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Canonical UTF-8 bytes of the JSON text <paramref name="utf8Json"/>.</summary>
    /// <exception cref="FormatException">Not JSON, a duplicate member name, a bad string or a number outside IEEE 754 double.</exception>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        Utf8JsonReader reader = new(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
        JsonDocument document;
        try
        {
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            return Canonicalize(document.RootElement);
        }
    }

    private static void Write(ArrayBufferWriter<byte> writer, JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
            {
                List<JsonProperty> members = [.. element.EnumerateObject()];
                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                writer.Write("{"u8);
                for (int i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        if (string.Equals(members[i - 1].Name, members[i].Name, StringComparison.Ordinal))
                        {
                            throw new FormatException($"Duplicate member \"{members[i].Name}\" at {path}.");
                        }

                        writer.Write(","u8);
                    }

                    WriteString(writer, members[i].Name);
                    writer.Write(":"u8);
                    Write(writer, members[i].Value, path + "." + members[i].Name);
                }

                writer.Write("}"u8);
                break;
            }

            case JsonValueKind.Array:
            {
                writer.Write("["u8);
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (index > 0)
                    {
                        writer.Write(","u8);
                    }

                    Write(writer, item, $"{path}[{index}]");
                    index++;
                }

                writer.Write("]"u8);
                break;
            }

            case JsonValueKind.String:
                WriteString(writer, element.GetString()!);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out double value) || !double.IsFinite(value))
                {
                    throw new FormatException($"The number at {path} is not an IEEE 754 double.");
                }

                writer.Write(Encoding.UTF8.GetBytes(FormatNumber(value)));
                break;
            case JsonValueKind.True:
                writer.Write("true"u8);
                break;
            case JsonValueKind.False:
                writer.Write("false"u8);
                break;
            case JsonValueKind.Null:
                writer.Write("null"u8);
                break;
            default:
                throw new FormatException($"Unexpected JSON value at {path}.");
        }
    }

    private static void WriteString(ArrayBufferWriter<byte> writer, string value)
    {
        StringBuilder builder = new(value.Length + 2);
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
        writer.Write(Encoding.UTF8.GetBytes(builder.ToString()));
    }

    /// <summary>
    /// ECMAScript Number::toString for a finite double (ECMA-262 §6.1.6.1.20), which RFC 8785 adopts:
    /// the shortest digits that round-trip, plain notation for 1e-7 ≤ |v| &lt; 1e21, else exponent
    /// notation with an explicit sign ("1e+21", "1e-7"); negative zero prints as "0".
    /// </summary>
    public static string FormatNumber(double value)
    {
        if (value == 0)
        {
            return "0";
        }

        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "JSON has no NaN or infinity.");
        }

        string sign = value < 0 ? "-" : string.Empty;
        // "R" gives the shortest round-trip digits on .NET Core 3.0 and later.
        string roundTrip = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        // Extract digits and exponent from the round-trip form (either "d.dddE+xx" or plain).
        string mantissa = roundTrip;
        int exponent = 0;
        int e = roundTrip.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = roundTrip[..e];
            exponent = int.Parse(roundTrip[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int pointPosition = (dot < 0 ? mantissa.Length : dot) + exponent; // decimal point after this many digits
        int leadingZeros = 0;
        while (leadingZeros < digits.Length - 1 && digits[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        digits = digits[leadingZeros..];
        pointPosition -= leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return "0";
        }

        int k = digits.Length; // ECMA-262: s has k digits, value = s × 10^(n−k)
        int n = pointPosition;
        string body;
        if (k <= n && n <= 21)
        {
            body = digits + new string('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            body = digits[..n] + "." + digits[n..];
        }
        else if (-6 < n && n <= 0)
        {
            body = "0." + new string('0', -n) + digits;
        }
        else
        {
            int exp = n - 1;
            string expText = (exp >= 0 ? "+" : "-") + Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
            body = k == 1 ? digits + "e" + expText : digits[..1] + "." + digits[1..] + "e" + expText;
        }

        return sign + body;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Entente.Exchange.Stix;

/// <summary>
/// STIX and TAXII timestamps (RFC 3339, UTC, "Z"). STIX <c>created</c>/<c>modified</c> carry at least
/// millisecond precision (STIX 2.1 §3.2); TAXII's date_added uses microseconds (TAXII 2.1 §3.2). The
/// original text is what is signed and stored; <see cref="DateTimeOffset"/> is only for comparisons.
/// </summary>
public static partial class StixTimestamp
{
    /// <summary>Parses an RFC 3339 UTC timestamp; false when it is not one.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || text.Length > 40 || !Rfc3339Utc().IsMatch(text))
        {
            return false;
        }

        // DateTimeOffset keeps 7 fractional digits: truncate anything finer (it cannot change order
        // except between values equal to 100 ns, which STIX never produces).
        string normalised = text;
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0 && text.Length - dot - 2 > 7)
        {
            normalised = text[..(dot + 8)] + "Z";
        }

        return DateTimeOffset.TryParse(normalised, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>Parses an RFC 3339 UTC timestamp.</summary>
    /// <exception cref="FormatException">Not an RFC 3339 UTC timestamp; the message names <paramref name="field"/>.</exception>
    public static DateTimeOffset Parse(string? text, string field) =>
        TryParse(text, out DateTimeOffset value)
            ? value
            : throw new FormatException($"{field}: \"{StixId.Truncate(text)}\" is not an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z).");

    /// <summary>True when <paramref name="text"/> has at least millisecond precision, as created/modified must.</summary>
    public static bool HasMillisecondPrecision(string text) => MillisecondPattern().IsMatch(text);

    /// <summary>STIX form with exactly milliseconds: 2016-01-20T12:31:12.123Z.</summary>
    public static string FormatMilliseconds(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>TAXII form with exactly microseconds: 2016-01-20T12:31:12.123456Z.</summary>
    public static string FormatMicroseconds(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?Z$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339Utc();

    [GeneratedRegex(@"\.[0-9]{3,}Z$", RegexOptions.CultureInvariant)]
    private static partial Regex MillisecondPattern();
}

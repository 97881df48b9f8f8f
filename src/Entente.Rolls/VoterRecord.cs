using System.Globalization;
using System.Text;

namespace Entente.Rolls;

/// <summary>
/// A voter's registration as the authority keeps it and the voter holds it (docs/rolls.md, "Commitments"). Every field
/// is in canonical form (<see cref="Canonical"/>); create one with <see cref="Create"/>, which canonicalises and checks.
/// Personal data: never written to a log, an artifact or an error message by this library.
/// </summary>
/// <param name="Jurisdiction">The roll's jurisdiction id (<see cref="RollText.IsToken"/>).</param>
/// <param name="VoterId">The authority's registration number (a token, ASCII letters upper-cased).</param>
/// <param name="Precinct">The precinct id (a token).</param>
/// <param name="Name">The voter's name (text, canonical form).</param>
/// <param name="BirthDate">The date of birth, YYYY-MM-DD.</param>
/// <param name="Address">The residential address (text, canonical form).</param>
public sealed record VoterRecord(string Jurisdiction, string VoterId, string Precinct, string Name, string BirthDate, string Address)
{
    /// <summary>Canonicalises and checks typed details; throws <see cref="RollFormatException"/> naming the field (never its value).</summary>
    public static VoterRecord Create(string jurisdiction, string voterId, string precinct, string name, string birthDate, string address)
    {
        string j = RollText.Token(jurisdiction, "jurisdiction");
        string v = RollText.Token(voterId, "voter_id").ToUpperInvariant();
        string p = RollText.Token(precinct, "precinct");
        string n = RollText.Text(name, "name");
        string b = RollText.Date(birthDate, "birth_date");
        string a = RollText.Text(address, "address");
        return new VoterRecord(j, v, p, n, b, a);
    }

    /// <summary>This record with another precinct, name or address (an update).</summary>
    public VoterRecord With(string? precinct = null, string? name = null, string? address = null) =>
        Create(Jurisdiction, VoterId, precinct ?? Precinct, name ?? Name, BirthDate, address ?? Address);

    /// <summary>The record in canonical form (for tests and the notice).</summary>
    public VoterRecord Canonical => Create(Jurisdiction, VoterId, Precinct, Name, BirthDate, Address);
}

/// <summary>
/// The canonical form of what a voter types (docs/rolls.md, "Canonical form"), implemented the same way in
/// wwwroot/roll-check.js: tab, CR and LF become spaces; runs of spaces become one; no space at either end; every letter
/// upper-cased by Unicode's simple (one-to-one) case mapping (.NET's invariant upper case; in the browser, a code point's
/// toUpperCase() unless it would expand, as ß to SS, when it stays). No Unicode normalization: the project runs with
/// invariant globalization, where .NET does not compose; notices print text as stored (precomposed, as keyboards type
/// it), and code points are compared as they are.
/// </summary>
public static class RollText
{
    /// <summary>Longest text field, in characters.</summary>
    public const int MaxTextLength = 200;

    /// <summary>Longest token (jurisdiction, precinct, voter id, reason), in characters.</summary>
    public const int MaxTokenLength = 64;

    /// <summary>The canonical form of free text (name, address).</summary>
    public static string Canonical(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder sb = new(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                space = sb.Length > 0;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString().ToUpperInvariant();
    }

    /// <summary>Whether <paramref name="s"/> is a token: 1..64 of A–Z, a–z, 0–9, '.', '_', '-'.</summary>
    public static bool IsToken(string? s) =>
        s is { Length: > 0 and <= MaxTokenLength } && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    internal static string Token(string? value, string field)
    {
        string s = (value ?? "").Trim();
        return IsToken(s) ? s : throw new RollFormatException($"{field}: expected 1 to {MaxTokenLength} of the characters A–Z, a–z, 0–9, '.', '_' and '-'.");
    }

    internal static string Text(string? value, string field)
    {
        string s = Canonical(value ?? "");
        if (s.Length == 0)
        {
            throw new RollFormatException($"{field}: a value is required.");
        }

        if (s.Length > MaxTextLength)
        {
            throw new RollFormatException($"{field}: longer than {MaxTextLength} characters.");
        }

        if (s.Any(char.IsControl))
        {
            throw new RollFormatException($"{field}: contains a control character.");
        }

        return s;
    }

    internal static string Date(string? value, string field)
    {
        string s = (value ?? "").Trim();
        return s.Length == 10 && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? s
            : throw new RollFormatException($"{field}: expected a date written YYYY-MM-DD.");
    }
}

using System.Globalization;
using Entente.Cryptography;

namespace Entente.Election.PreEncryption;

/// <summary>
/// The hash-trimming function Ω of spec 2.1 §4.1.5 and §4.6, which turns a selection hash ψ into the short code printed
/// beside an option. The eight functions of §4.6 by name, plus hexadecimal codes of configurable length:
/// <list type="table">
/// <item><term><c>hex2</c></term><description>Ω1: the final byte as two uppercase hex digits</description></item>
/// <item><term><c>hex4</c></term><description>Ω2: the final two bytes as four hex digits</description></item>
/// <item><term><c>hexN</c> (N even, 2..16)</term><description>the final N/2 bytes as N hex digits (configurable length)</description></item>
/// <item><term><c>letter-digit</c></term><description>Ω3: byte b → letter 'A' + b / 10, digit b mod 10 (A0 … Z5)</description></item>
/// <item><term><c>digit-letter</c></term><description>Ω4: byte b → digit b / 26, letter 'A' + b mod 26 (0A … 9V)</description></item>
/// <item><term><c>number-0</c>, <c>number-1</c>, <c>number-100</c>, <c>number-101</c></term><description>Ω5–Ω8: the final byte plus 0, 1, 100 or 101, in decimal</description></item>
/// </list>
/// The name is what the record stores (docs/record-format.md §4.13) so that a verifier applies the same Ω (V17.A).
/// </summary>
public sealed class ShortCodeFormat : IEquatable<ShortCodeFormat>
{
    private readonly Kind _kind;
    private readonly int _parameter;

    private ShortCodeFormat(string name, Kind kind, int parameter)
    {
        Name = name;
        _kind = kind;
        _parameter = parameter;
    }

    private enum Kind
    {
        Hex,
        LetterDigit,
        DigitLetter,
        Number,
    }

    /// <summary>Ω1, two hex digits: the default.</summary>
    public static ShortCodeFormat Hex2 { get; } = new("hex2", Kind.Hex, 1);

    /// <summary>Ω3, a letter and a digit.</summary>
    public static ShortCodeFormat LetterDigit { get; } = new("letter-digit", Kind.LetterDigit, 0);

    /// <summary>The name as the record and the CLI spell it.</summary>
    public string Name { get; }

    /// <summary>Parses a name (<c>hex2</c>, <c>hex4</c>, <c>hex6</c> … <c>hex16</c>, <c>letter-digit</c>, <c>digit-letter</c>, <c>number-0</c>, <c>number-1</c>, <c>number-100</c>, <c>number-101</c>).</summary>
    public static bool TryParse(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ShortCodeFormat? format)
    {
        format = name switch
        {
            "letter-digit" => LetterDigit,
            "digit-letter" => new ShortCodeFormat(name, Kind.DigitLetter, 0),
            "number-0" => new ShortCodeFormat(name, Kind.Number, 0),
            "number-1" => new ShortCodeFormat(name, Kind.Number, 1),
            "number-100" => new ShortCodeFormat(name, Kind.Number, 100),
            "number-101" => new ShortCodeFormat(name, Kind.Number, 101),
            _ => null,
        };
        if (format is null && name is { Length: >= 4 and <= 5 } && name.StartsWith("hex", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int digits)
            && digits is >= 2 and <= 16 && digits % 2 == 0 && name == "hex" + digits.ToString(CultureInfo.InvariantCulture))
        {
            format = new ShortCodeFormat(name, Kind.Hex, digits / 2);
        }

        return format is not null;
    }

    /// <summary>Parses a name; <see cref="FormatException"/> names the accepted ones.</summary>
    public static ShortCodeFormat Parse(string? name) =>
        TryParse(name, out ShortCodeFormat? format)
            ? format
            : throw new FormatException($"short-code format \"{name}\" is not one of hex2, hex4, hex6 … hex16, letter-digit, digit-letter, number-0, number-1, number-100, number-101");

    /// <summary>ω = Ω(ψ).</summary>
    public string Apply(Hash256 selectionHash)
    {
        ArgumentNullException.ThrowIfNull(selectionHash);
        return Apply(selectionHash.Bytes);
    }

    /// <summary>ω = Ω(ψ) for the 32 bytes of ψ.</summary>
    public string Apply(ReadOnlySpan<byte> selectionHash)
    {
        if (selectionHash.Length != Hash256.Length)
        {
            throw new ArgumentException("a selection hash has 32 bytes", nameof(selectionHash));
        }

        int last = selectionHash[^1];
        return _kind switch
        {
            Kind.Hex => Convert.ToHexString(selectionHash[^_parameter..]),
            Kind.LetterDigit => string.Create(CultureInfo.InvariantCulture, $"{(char)('A' + (last / 10))}{last % 10}"),
            Kind.DigitLetter => string.Create(CultureInfo.InvariantCulture, $"{last / 26}{(char)('A' + (last % 26))}"),
            _ => (last + _parameter).ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <inheritdoc/>
    public bool Equals(ShortCodeFormat? other) => other is not null && other.Name == Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ShortCodeFormat);

    /// <inheritdoc/>
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

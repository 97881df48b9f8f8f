using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Entente.Exchange.Stix;

/// <summary>
/// A STIX 2.1 identifier, <c>object-type--UUID</c> (STIX 2.1 §2.9). The UUID must be an RFC 4122
/// variant; SDOs, SROs and meta objects use version 4, SCOs version 5 (deterministic, §2.9), so this
/// type accepts only versions 4 and 5. The text is kept lower-case as the spec's examples are.
/// </summary>
public sealed record StixId
{
    /// <summary>RFC 4122 namespace of STIX cyber-observable ids (STIX 2.1 §2.9).</summary>
    public static readonly Guid ScoNamespace = Guid.Parse("00abedb4-aa42-466c-9c01-fed23315a9b7", CultureInfo.InvariantCulture);

    private StixId(string type, Guid uuid, int version)
    {
        Type = type;
        Uuid = uuid;
        UuidVersion = version;
    }

    /// <summary>The object type part, for example <c>indicator</c>.</summary>
    public string Type { get; }

    /// <summary>The UUID part.</summary>
    public Guid Uuid { get; }

    /// <summary>The UUID version (4 or 5).</summary>
    public int UuidVersion { get; }

    /// <summary>A fresh id with a random UUIDv4.</summary>
    public static StixId NewV4(string type)
    {
        if (!StixTypes.IsValidTypeName(type))
        {
            throw new ArgumentException($"\"{type}\" is not a valid STIX type name.", nameof(type));
        }

        return new StixId(type, Guid.NewGuid(), 4);
    }

    /// <summary>Parses <c>type--uuid</c>; false for anything else.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out StixId? id)
    {
        id = null;
        if (text is null || text.Length > 300)
        {
            return false;
        }

        int separator = text.IndexOf("--", StringComparison.Ordinal);
        if (separator <= 0 || text.Length - separator - 2 != 36)
        {
            return false;
        }

        string type = text[..separator];
        string uuidText = text[(separator + 2)..];
        if (!StixTypes.IsValidTypeName(type) || !Guid.TryParseExact(uuidText, "D", out Guid uuid))
        {
            return false;
        }

        int version = HexValue(uuidText[14]);
        int variant = HexValue(uuidText[19]);
        if ((version != 4 && version != 5) || variant < 8 || variant > 11)
        {
            return false;
        }

        id = new StixId(type, uuid, version);
        return true;
    }

    /// <summary>Parses <c>type--uuid</c>.</summary>
    /// <exception cref="FormatException">Not a STIX 2.1 id with a UUIDv4 or UUIDv5.</exception>
    public static StixId Parse(string text) =>
        TryParse(text, out StixId? id)
            ? id
            : throw new FormatException($"\"{Truncate(text)}\" is not a STIX id (type--UUID, UUID version 4 or 5).");

    /// <inheritdoc />
    public override string ToString() => Type + "--" + Uuid.ToString("D", CultureInfo.InvariantCulture);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    internal static string Truncate(string? text) =>
        text is null ? "(null)" : text.Length <= 80 ? text : text[..80] + "…";
}

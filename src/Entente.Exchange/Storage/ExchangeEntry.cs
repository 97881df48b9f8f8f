using System.Globalization;
using System.Text;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;
using Entente.Transparency;
using Entente.Transparency.Merkle;

namespace Entente.Exchange.Storage;

/// <summary>
/// One accepted envelope in the exchange's log. The Merkle leaf is the small text commitment of
/// <see cref="ToLeafBytes"/> (lines, each ending in \n):
/// <code>
/// entente-exchange-entry/v1
/// logged_at 2026-11-27T21:40:00.123456Z
/// collection 9cfa669c-ee94-4ece-afd2-f8edac37d8fd
/// sender identity--…
/// object indicator--… 2016-04-06T20:03:48.000Z     (version "-" for unversioned objects)
/// envelope &lt;lower-case hex SHA-256 of the canonical envelope&gt;
/// </code>
/// so the log fixes who sent which version of which object, in which collection, and when the log
/// accepted it; the envelope bytes carry the rest and are checked against the hash by every reader.
/// </summary>
/// <param name="Index">Position in the log, from 0.</param>
/// <param name="LoggedAt">The log's clock when the entry was accepted (microseconds; never decreases along the log).</param>
/// <param name="Collection">TAXII collection id.</param>
/// <param name="Sender">Sender's identity id.</param>
/// <param name="ObjectId">STIX id of the carried object.</param>
/// <param name="ObjectType">STIX type of the carried object.</param>
/// <param name="ObjectVersion">The object's modified (or created) timestamp text, null for unversioned objects.</param>
/// <param name="Envelope">The envelope's canonical JSON (RFC 8785), signature included: a signed envelope, or a sealed one (<see cref="IsSealed"/>).</param>
/// <param name="Signature">The envelope's signature (unique in the log).</param>
/// <param name="Nonce">The envelope's nonce (unique per sender).</param>
public sealed record ExchangeEntry(
    long Index,
    DateTimeOffset LoggedAt,
    string Collection,
    string Sender,
    string ObjectId,
    string ObjectType,
    string? ObjectVersion,
    byte[] Envelope,
    byte[] Signature,
    string Nonce)
{
    /// <summary>First line of every leaf.</summary>
    public const string LeafFormat = "entente-exchange-entry/v1";

    /// <summary>True when <see cref="Envelope"/> is a sealed envelope (its content is encrypted to the collection's readers).</summary>
    public bool IsSealed => ExchangeEnvelope.IsSealed(Envelope);

    /// <summary>
    /// For a sealed entry that a reader opened (<see cref="Sealing.ReaderView"/>): the signed envelope inside. Never
    /// stored and not part of the leaf; null for plaintext entries and for sealed entries not opened.
    /// </summary>
    public SignedEnvelope? Opened { get; init; }

    /// <summary>The log's timestamp text (microseconds, UTC).</summary>
    public string LoggedAtText => StixTimestamp.FormatMicroseconds(LoggedAt);

    /// <summary>SHA-256 of <see cref="Envelope"/>.</summary>
    public Hash256 EnvelopeHash => Hash256.Compute(Envelope);

    /// <summary>The Merkle leaf bytes (see the type's summary).</summary>
    public byte[] ToLeafBytes()
    {
        StringBuilder text = new();
        text.Append(LeafFormat).Append('\n');
        text.Append("logged_at ").Append(LoggedAtText).Append('\n');
        text.Append("collection ").Append(Collection).Append('\n');
        text.Append("sender ").Append(Sender).Append('\n');
        text.Append("object ").Append(ObjectId).Append(' ').Append(ObjectVersion ?? "-").Append('\n');
        text.Append("envelope ").Append(EnvelopeHash.ToHex()).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>RFC 6962 leaf hash of <see cref="ToLeafBytes"/>.</summary>
    public Hash256 LeafHash => Rfc6962.LeafHash(ToLeafBytes());

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"#{Index} {LoggedAtText} {Sender} {ObjectType} {ObjectId} {ObjectVersion ?? "-"}");
}

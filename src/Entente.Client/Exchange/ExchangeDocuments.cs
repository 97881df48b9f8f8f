using System.Text.Json.Serialization;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Sealing;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;
using Entente.Transparency;

namespace Entente.Client.Exchange;

// The documents of Entente's exchange endpoints (docs/exchange.md, "Hosted by entente serve"). The format is ours:
// read strictly, unknown or duplicate members refused.

/// <summary>A party of the exchange in <c>GET /exchange/unit</c>.</summary>
/// <param name="Name">The charter name.</param>
/// <param name="Identity">The STIX identity id.</param>
/// <param name="PublicKey">The Ed25519 public key (base64) that signs its envelopes.</param>
/// <param name="EncryptionKey">The X25519 key messages are sealed to for this party, signed by its charter key; absent when the party published none.</param>
public sealed record ExchangeUnitParty(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("identity")] string Identity,
    [property: JsonPropertyName("public_key")] string PublicKey,
    [property: JsonPropertyName("encryption_key")] ExchangeEncryptionKey? EncryptionKey = null);

/// <summary>A party's published encryption key: the X25519 public key and the charter key's signature over it (docs/exchange.md, "Sealed messages").</summary>
/// <param name="X25519">The X25519 public key (base64).</param>
/// <param name="Signature">The Ed25519 signature by the party's charter key (base64).</param>
public sealed record ExchangeEncryptionKey(
    [property: JsonPropertyName("x25519")] string X25519,
    [property: JsonPropertyName("signature")] string Signature);

/// <summary>A collection in <c>GET /exchange/unit</c>.</summary>
/// <param name="Id">The TAXII collection id.</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="CanRead">Identities that may read (empty: every party).</param>
/// <param name="CanWrite">Identities that may write (empty: every party).</param>
/// <param name="AllowCustomObjects">Whether custom STIX objects are kept.</param>
/// <param name="Public">Whether the collection's messages may be published in the clear (absent: true, as servers before sealing served).</param>
public sealed record ExchangeCollectionInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("can_read")] IReadOnlyList<string> CanRead,
    [property: JsonPropertyName("can_write")] IReadOnlyList<string> CanWrite,
    [property: JsonPropertyName("allow_custom_objects")] bool AllowCustomObjects,
    [property: JsonPropertyName("public")] bool? Public = null);

/// <summary><c>GET /exchange/unit</c> (<c>entente-exchange-unit/v1</c>): what a client needs to verify the exchange's proofs.</summary>
/// <param name="Format">"entente-exchange-unit/v1".</param>
/// <param name="Parties">The parties.</param>
/// <param name="Collections">The collections.</param>
/// <param name="BoardKeys">Verifier keys that may sign anchoring board entries.</param>
/// <param name="Policy">The board's witness policy (C2SP tlog-policy text).</param>
public sealed record ExchangeUnit(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("parties")] IReadOnlyList<ExchangeUnitParty> Parties,
    [property: JsonPropertyName("collections")] IReadOnlyList<ExchangeCollectionInfo> Collections,
    [property: JsonPropertyName("board_keys")] IReadOnlyList<string> BoardKeys,
    [property: JsonPropertyName("policy")] string Policy)
{
    /// <summary>The format identifier this client reads.</summary>
    public const string FormatId = "entente-exchange-unit/v1";

    /// <summary>The parties as a registry (keys decoded; encryption keys read, their signatures checked where they are used), or <see cref="FormatException"/>.</summary>
    public PartyRegistry ToParties() =>
        new([.. Parties.Select((p, i) => new Party(p.Name, p.Identity, Base64($"$.parties[{i}].public_key", p.PublicKey),
            p.EncryptionKey is { } k ? ParseEncryptionKey($"$.parties[{i}].encryption_key", k) : null))]);

    /// <summary>The collections as definitions.</summary>
    public IReadOnlyList<CollectionDefinition> ToCollections() =>
        [.. Collections.Select(c => new CollectionDefinition(c.Id, c.Title, c.Description,
            c.CanRead.ToHashSet(StringComparer.Ordinal), c.CanWrite.ToHashSet(StringComparer.Ordinal), c.AllowCustomObjects, c.Public ?? true))];

    private static PartyEncryptionKey ParseEncryptionKey(string path, ExchangeEncryptionKey key)
    {
        try
        {
            return PartyEncryptionKey.Parse(key.X25519, key.Signature);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    internal static byte[] Base64(string path, string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: not base64.", e);
        }
    }
}

/// <summary>
/// <c>GET /exchange/entries/{index}</c> (<c>entente-exchange-board-proof/v1</c>): one exchange message with its proof
/// bundle — the exchange entry (with its signed envelope), the board entry that anchors it, its inclusion proof and
/// the board's cosigned checkpoint. Check it with <see cref="BoardExchangeVerifier"/> after <see cref="ToProof"/>.
/// </summary>
/// <param name="Format">"entente-exchange-board-proof/v1".</param>
/// <param name="Index">The message's index in the exchange.</param>
/// <param name="LoggedAt">When the exchange logged it.</param>
/// <param name="Collection">Its collection.</param>
/// <param name="Sender">The sender's identity.</param>
/// <param name="ObjectId">The STIX object's id.</param>
/// <param name="ObjectType">The STIX object's type.</param>
/// <param name="ObjectVersion">The object's version, null for unversioned objects.</param>
/// <param name="Envelope">The signed envelope (base64 of its canonical JSON).</param>
/// <param name="BoardIndex">The anchoring board entry's index.</param>
/// <param name="BoardEntry">The anchoring board entry (base64).</param>
/// <param name="InclusionProof">The board entry's inclusion proof (hex hashes).</param>
/// <param name="Checkpoint">The board's signed checkpoint note.</param>
public sealed record ExchangeProofDocument(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("logged_at")] string LoggedAt,
    [property: JsonPropertyName("collection")] string Collection,
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("object_id")] string ObjectId,
    [property: JsonPropertyName("object_type")] string ObjectType,
    [property: JsonPropertyName("object_version")] string? ObjectVersion,
    [property: JsonPropertyName("envelope")] string Envelope,
    [property: JsonPropertyName("board_index")] long BoardIndex,
    [property: JsonPropertyName("board_entry")] string BoardEntry,
    [property: JsonPropertyName("inclusion_proof")] IReadOnlyList<string> InclusionProof,
    [property: JsonPropertyName("checkpoint")] string Checkpoint)
{
    /// <summary>The format identifier this client reads.</summary>
    public const string FormatId = "entente-exchange-board-proof/v1";

    /// <summary>The proof as the exchange library verifies it, or <see cref="FormatException"/> naming the member.</summary>
    public BoardExchangeProof ToProof()
    {
        if (Format != FormatId)
        {
            throw new FormatException($"$.format: \"{Format}\" is not {FormatId}.");
        }

        byte[] envelopeBytes = ExchangeUnit.Base64("$.envelope", Envelope);
        IExchangeEnvelope envelope = ExchangeEnvelope.Parse(envelopeBytes, int.MaxValue, int.MaxValue);
        Hash256[] path = new Hash256[InclusionProof.Count];
        for (int i = 0; i < path.Length; i++)
        {
            if (!Hash256.TryFromHex(InclusionProof[i], out path[i]))
            {
                throw new FormatException($"$.inclusion_proof[{i}]: not 64 lowercase hex digits.");
            }
        }

        ExchangeEntry entry = new(Index, StixTimestamp.Parse(LoggedAt, "logged_at"), Collection, Sender, ObjectId, ObjectType, ObjectVersion,
            envelopeBytes, envelope.Signature, envelope.Nonce);
        return new BoardExchangeProof(entry, BoardIndex, ExchangeUnit.Base64("$.board_entry", BoardEntry), path, Checkpoint);
    }
}

/// <summary><c>GET /exchange/objects/{id}</c>: every version of an object, each with its proof bundle, in log order.</summary>
/// <param name="Proofs">The proof bundles.</param>
public sealed record ExchangeObjectProofs([property: JsonPropertyName("proofs")] IReadOnlyList<ExchangeProofDocument> Proofs);

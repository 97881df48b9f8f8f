using System.Buffers;
using System.Text.Json;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;
using Entente.Transparency;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Exchange.Log;

/// <summary>
/// Everything a reader needs to check one message without trusting the server: the entry (with the
/// signed envelope), its inclusion proof and the signed checkpoint the proof leads to. JSON form
/// (<see cref="ToJson"/>): <c>{"index","logged_at","collection","envelope":{…},"inclusion_proof":[base64…],"checkpoint":"signed note"}</c>.
/// </summary>
/// <param name="Entry">The log entry.</param>
/// <param name="InclusionProof">RFC 9162 inclusion proof of the entry's leaf in the checkpoint's tree.</param>
/// <param name="Checkpoint">The signed checkpoint note (C2SP tlog-checkpoint + signed-note).</param>
public sealed record ExchangeProof(ExchangeEntry Entry, IReadOnlyList<Hash256> InclusionProof, string Checkpoint)
{
    /// <summary>Writes the proof as JSON.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("index", Entry.Index);
        writer.WriteString("logged_at", Entry.LoggedAtText);
        writer.WriteString("collection", Entry.Collection);
        writer.WritePropertyName("envelope");
        writer.WriteRawValue(Entry.Envelope, skipInputValidation: false);
        writer.WriteStartArray("inclusion_proof");
        foreach (Hash256 hash in InclusionProof)
        {
            writer.WriteStringValue(hash.ToBase64());
        }

        writer.WriteEndArray();
        writer.WriteString("checkpoint", Checkpoint);
        writer.WriteEndObject();
    }

    /// <summary>The proof as JSON bytes.</summary>
    public byte[] ToJson()
    {
        ArrayBufferWriter<byte> buffer = new();
        using (Utf8JsonWriter writer = new(buffer, new JsonWriterOptions { Indented = true }))
        {
            WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a proof from its JSON form.</summary>
    /// <exception cref="FormatException">A member is missing or malformed; the message names it.</exception>
    public static ExchangeProof FromJson(JsonElement json)
    {
        try
        {
            long index = json.GetProperty("index").GetInt64();
            string loggedAt = json.GetProperty("logged_at").GetString() ?? throw new FormatException("logged_at: must be a string.");
            string collection = json.GetProperty("collection").GetString() ?? throw new FormatException("collection: must be a string.");
            byte[] envelopeBytes = JsonSerializerRaw(json.GetProperty("envelope"));
            IExchangeEnvelope envelope = ExchangeEnvelope.Parse(envelopeBytes);
            List<Hash256> proof = [];
            foreach (JsonElement h in json.GetProperty("inclusion_proof").EnumerateArray())
            {
                proof.Add(Hash256.TryFromBase64(h.GetString() ?? string.Empty, out Hash256 hash) ? hash : throw new FormatException("inclusion_proof: an element is not base64 of 32 bytes."));
            }

            string checkpoint = json.GetProperty("checkpoint").GetString() ?? throw new FormatException("checkpoint: must be a string.");
            ExchangeEntry entry = new(index, StixTimestamp.Parse(loggedAt, "logged_at"), collection, envelope.Sender, envelope.ObjectId, envelope.ObjectType,
                envelope.ObjectVersion, envelope.ToCanonicalJson(), envelope.Signature, envelope.Nonce);
            if (entry.LoggedAtText != loggedAt)
            {
                throw new FormatException("logged_at: must have exactly microsecond precision.");
            }

            return new ExchangeProof(entry, proof, checkpoint);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("Malformed proof: " + e.Message, e);
        }
    }

    private static byte[] JsonSerializerRaw(JsonElement element) => System.Text.Encoding.UTF8.GetBytes(element.GetRawText());
}

/// <summary>One failed check of a message.</summary>
/// <param name="Check">Which check: signature, party, leaf, checkpoint, inclusion.</param>
/// <param name="Message">What failed.</param>
public sealed record ProofFailure(string Check, string Message);

/// <summary>
/// Checks an <see cref="ExchangeProof"/>: the envelope's signature, that its key belongs to its
/// sender, the checkpoint's signature by the pinned log key, and the inclusion of the leaf
/// (recomputed from the envelope, so the log cannot claim a message that is not there) in the
/// checkpoint's tree. Collects every failure.
/// </summary>
public static class ExchangeProofVerifier
{
    /// <summary>Every failure; empty when the message is proven.</summary>
    public static IReadOnlyList<ProofFailure> Verify(ExchangeProof proof, PartyRegistry parties, INoteVerifier logKey)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(parties);
        ArgumentNullException.ThrowIfNull(logKey);
        List<ProofFailure> failures = [];
        IExchangeEnvelope envelope = ExchangeEnvelope.Parse(proof.Entry.Envelope, int.MaxValue, int.MaxValue);
        if (!envelope.VerifySignature())
        {
            failures.Add(new ProofFailure("signature", "the envelope's signature does not verify"));
        }

        if (!parties.TryGetByKey(envelope.PublicKey, out Party? owner))
        {
            failures.Add(new ProofFailure("party", "the signing key is not a registered party's key"));
        }
        else if (owner.IdentityRef != envelope.Sender)
        {
            failures.Add(new ProofFailure("party", $"signed by {owner.Name} but claims sender {envelope.Sender}"));
        }

        if (!BoardExchangeVerifier.EntryMatchesEnvelope(proof.Entry, envelope))
        {
            failures.Add(new ProofFailure("signature", "the entry's collection, object id, type or version differs from the signed envelope's"));
        }

        SignedCheckpoint? checkpoint = null;
        try
        {
            checkpoint = SignedCheckpoint.Open(System.Text.Encoding.UTF8.GetBytes(proof.Checkpoint), logKey);
        }
        catch (Exception e) when (e is NoteFormatException or NoteVerificationException or FormatException)
        {
            failures.Add(new ProofFailure("checkpoint", e.Message));
        }

        if (checkpoint is not null && checkpoint.Checkpoint.Origin != logKey.Name)
        {
            failures.Add(new ProofFailure("checkpoint", $"the checkpoint's origin is {checkpoint.Checkpoint.Origin}, not the exchange log {logKey.Name}"));
        }

        if (checkpoint is not null)
        {
            Checkpoint c = checkpoint.Checkpoint;
            if (proof.Entry.Index >= c.Size)
            {
                failures.Add(new ProofFailure("inclusion", $"index {proof.Entry.Index} is beyond the checkpoint's size {c.Size}"));
            }
            else if (!MerkleMath.VerifyInclusion(proof.Entry.Index, c.Size, proof.Entry.LeafHash, proof.InclusionProof, c.Root))
            {
                failures.Add(new ProofFailure("inclusion", $"the leaf of entry {proof.Entry.Index} is not in the tree of size {c.Size} with root {c.Root.ToBase64()}"));
            }
        }

        return failures;
    }
}

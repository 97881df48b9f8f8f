using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;
using Entente.Exchange.Stix;

namespace Entente.Cli.Commands.Incident;

/// <summary>Builds, signs and submits objects from the command line.</summary>
internal static class IncidentSend
{
    public static JsonObject Common(string type, Party me)
    {
        string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
        JsonObject common = new()
        {
            ["type"] = type,
            ["spec_version"] = "2.1",
            ["id"] = StixId.NewV4(type).ToString(),
            ["created"] = now,
            ["modified"] = now,
            ["created_by_ref"] = me.IdentityRef,
        };
        if (StixTypes.Assistance.Contains(type))
        {
            common["extensions"] = AssistanceExtension.Marker(); // STIX 2.1 §7.3: a new type names its extension definition
        }

        return common;
    }

    /// <summary>
    /// Signs <paramref name="stixObject"/> and, when <see cref="DisclosurePolicy"/> keeps it with the collection's readers
    /// (TLP:RED, TLP:AMBER, AMBER+STRICT, or a collection that is not public), seals it to them: readers-only content
    /// never leaves this machine in the clear.
    /// </summary>
    public static IExchangeEnvelope Envelope(PartyKey key, Party me, JsonNode stixObject, CollectionDefinition collection, PartyRegistry parties, string? recipient)
    {
        StixObject parsed = StixObject.Parse(JsonSerializer.SerializeToUtf8Bytes(stixObject));
        SignedEnvelope envelope = SignedEnvelope.Create(key, me.IdentityRef, collection.Id, recipient, DateTimeOffset.UtcNow, parsed);
        if (DisclosurePolicy.ForObject(collection, parsed).IsPublic)
        {
            return envelope;
        }

        try
        {
            return SealedEnvelope.SealToReaders(key, envelope, collection, parties);
        }
        catch (ArgumentException e)
        {
            throw new IncidentInputException($"{parsed.Id} is for the readers of \"{collection.Title}\" only and must be sealed to them, but: {e.Message} Each party adds its key with `entente incident keygen`.");
        }
    }
}

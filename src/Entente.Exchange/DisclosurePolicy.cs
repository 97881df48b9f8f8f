using Entente.Exchange.Storage;
using Entente.Exchange.Stix;

namespace Entente.Exchange;

/// <summary>Who may see a message's content.</summary>
public enum Disclosure
{
    /// <summary>Anyone: the content may be published on the board and exported.</summary>
    Public,

    /// <summary>Only the readers of its collection: never stored or served in the clear to anyone else, never published, never exported.</summary>
    ReadersOnly,
}

/// <summary>A disclosure decision with its reason, in words a user can act on.</summary>
/// <param name="Disclosure">The decision.</param>
/// <param name="Reason">Why ("TLP:RED", "collection … is not public", "sealed to its readers").</param>
public sealed record DisclosureDecision(Disclosure Disclosure, string Reason)
{
    /// <summary>True when the content may be published.</summary>
    public bool IsPublic => Disclosure == Disclosure.Public;
}

/// <summary>
/// TLP 2.0 (FIRST, 2022) enforced, not only displayed: a pure function from a message (and its collection) to who may
/// see its content. TLP:RED, TLP:AMBER and TLP:AMBER+STRICT (and their TLP 1.0 equivalents), on the object or on any
/// granular marking, keep the message with the collection's readers; so does every message of a collection that is
/// not public, and every sealed message. TLP:CLEAR, TLP:GREEN and unmarked messages of a public collection are public.
/// (TLP 2.0 asks that GREEN not go "via publicly accessible channels"; the unit treats its public record as its
/// community, so GREEN is public here — a collection that must keep GREEN off the record is declared not public.)
/// The write path refuses a readers-only message in the clear where sealing is required
/// (<see cref="MustArriveSealed"/>); the board anchor never publishes a readers-only message; export leaves them out
/// and says why.
/// </summary>
public static class DisclosurePolicy
{
    /// <summary>The decision for a plaintext object sent to <paramref name="collection"/> (null: the collection is unknown, decide by the object alone).</summary>
    public static DisclosureDecision ForObject(CollectionDefinition? collection, StixObject stixObject)
    {
        ArgumentNullException.ThrowIfNull(stixObject);
        string? tlp = Tlp.MostRestrictive(stixObject);
        if (tlp is "red" or "amber" or "amber+strict")
        {
            return new DisclosureDecision(Disclosure.ReadersOnly, $"TLP:{tlp.ToUpperInvariant()}: for the collection's readers only");
        }

        if (collection is not null && !collection.Public)
        {
            return new DisclosureDecision(Disclosure.ReadersOnly, $"collection \"{collection.Title}\" is not public");
        }

        return new DisclosureDecision(Disclosure.Public, tlp is null ? "unmarked, in a public collection" : $"TLP:{tlp.ToUpperInvariant()}, in a public collection");
    }

    /// <summary>The decision for a logged entry: sealed entries are readers-only; plaintext ones as <see cref="ForObject"/>.</summary>
    public static DisclosureDecision ForEntry(CollectionDefinition? collection, ExchangeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.IsSealed)
        {
            return new DisclosureDecision(Disclosure.ReadersOnly, "sealed to the collection's readers");
        }

        return ForObject(collection, ExchangeService.ReadObject(entry));
    }

    /// <summary>
    /// Null when <paramref name="stixObject"/> may travel in the clear to <paramref name="collection"/>; otherwise why it
    /// must arrive sealed: TLP:RED, or a collection that is not public, always; TLP:AMBER and AMBER+STRICT when
    /// <paramref name="requireSealing"/> (<see cref="ExchangeOptions.RequireSealing"/>).
    /// </summary>
    public static string? MustArriveSealed(CollectionDefinition collection, StixObject stixObject, bool requireSealing)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(stixObject);
        DisclosureDecision decision = ForObject(collection, stixObject);
        if (decision.IsPublic)
        {
            return null;
        }

        string? tlp = Tlp.MostRestrictive(stixObject);
        return tlp == "red" || !collection.Public || requireSealing ? decision.Reason : null;
    }
}

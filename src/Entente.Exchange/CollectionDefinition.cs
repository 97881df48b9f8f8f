using Entente.Exchange.Stix;

namespace Entente.Exchange;

/// <summary>
/// A TAXII 2.1 collection of the exchange (TAXII 2.1 §5.2): who may read it, who may write to it,
/// and whether it keeps object types without a known schema.
/// </summary>
/// <param name="Id">Collection id (a UUID).</param>
/// <param name="Title">Human title.</param>
/// <param name="Description">What the collection is for.</param>
/// <param name="Readers">Identity ids allowed to read; empty means every registered party.</param>
/// <param name="Writers">Identity ids allowed to write; empty means every registered party.</param>
/// <param name="AllowCustomObjects">Keep objects of types with no schema here (checked against the common core only).</param>
/// <param name="Public">
/// True when the collection's content may be published (the board's public blobs, exports): its TLP:CLEAR, TLP:GREEN
/// and unmarked messages travel in the clear. False: every message travels sealed to the collection's readers
/// (<see cref="DisclosurePolicy"/>). The default, true, keeps collections defined before sealing working; a deployment
/// declares each collection's visibility.
/// </param>
public sealed record CollectionDefinition(
    string Id,
    string Title,
    string Description,
    IReadOnlySet<string> Readers,
    IReadOnlySet<string> Writers,
    bool AllowCustomObjects,
    bool Public = true)
{
    /// <summary>The validation policy of this collection.</summary>
    public StixValidationPolicy Policy => new(AllowCustomObjects);

    /// <summary>The registered parties that may read (every party when <see cref="Readers"/> is empty), sorted by identity.</summary>
    public IReadOnlyList<Envelopes.Party> ReadersAmong(Envelopes.PartyRegistry parties)
    {
        ArgumentNullException.ThrowIfNull(parties);
        return [.. parties.All.Where(p => CanRead(p.IdentityRef)).OrderBy(p => p.IdentityRef, StringComparer.Ordinal)];
    }

    /// <summary>True when <paramref name="identityRef"/> (a registered party) may read.</summary>
    public bool CanRead(string? identityRef) => identityRef is not null && (Readers.Count == 0 || Readers.Contains(identityRef));

    /// <summary>True when <paramref name="identityRef"/> (a registered party) may write.</summary>
    public bool CanWrite(string? identityRef) => identityRef is not null && (Writers.Count == 0 || Writers.Contains(identityRef));
}

/// <summary>Settings of the exchange.</summary>
public sealed record ExchangeOptions
{
    /// <summary>Largest accepted envelope in bytes.</summary>
    public int MaxEnvelopeBytes { get; init; } = Envelopes.SignedEnvelope.DefaultMaxBytes;

    /// <summary>How far an envelope's sent_at may be from the log's clock, either way.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many times a lost compare-and-swap is re-validated and retried.</summary>
    public int MaxAppendAttempts { get; init; } = 8;

    /// <summary>
    /// When true, TLP:AMBER and TLP:AMBER+STRICT messages must arrive sealed too, so the host never holds any
    /// readers-only plaintext. TLP:RED messages and every message of a collection that is not public must arrive
    /// sealed whatever this says (<see cref="DisclosurePolicy"/>). False (the default) only keeps hosts written before
    /// sealing working (the demo sends TLP:AMBER in the clear): their AMBER plaintext is kept by the host, served only
    /// to the collection's readers, and never published or exported. Every deployment should set it.
    /// </summary>
    public bool RequireSealing { get; init; }

    /// <summary>
    /// Accept requests for assistance in the form logged before the STIX 2.1 extension definition (a <c>severity</c>
    /// property, which STIX 2.1 §3.8 reserves, and no extension marker). Such objects are not valid STIX 2.1, so they
    /// are never exported. True (the default) only keeps hosts written before the extension (the demo) working.
    /// </summary>
    public bool AcceptLegacyAssistanceForm { get; init; } = true;
}

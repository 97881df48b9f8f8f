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
public sealed record CollectionDefinition(
    string Id,
    string Title,
    string Description,
    IReadOnlySet<string> Readers,
    IReadOnlySet<string> Writers,
    bool AllowCustomObjects)
{
    /// <summary>The validation policy of this collection.</summary>
    public StixValidationPolicy Policy => new(AllowCustomObjects);

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
}

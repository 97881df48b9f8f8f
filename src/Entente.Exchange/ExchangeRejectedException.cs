using Entente.Exchange.Stix;

namespace Entente.Exchange;

/// <summary>Why the exchange refused an envelope. In every case nothing was stored.</summary>
public enum ExchangeRejection
{
    /// <summary>Larger than the configured limit.</summary>
    Oversized,

    /// <summary>Not a well-formed envelope.</summary>
    Malformed,

    /// <summary>Signed by a key that no registered party holds.</summary>
    UnregisteredKey,

    /// <summary>Signed with one party's key while claiming to be another party.</summary>
    SignedForAnotherParty,

    /// <summary>The signature does not verify.</summary>
    BadSignature,

    /// <summary>sent_at is further from the log's clock than the configured bound.</summary>
    ClockSkew,

    /// <summary>The same signature, or the same sender nonce, is already in the log.</summary>
    Replay,

    /// <summary>No such collection.</summary>
    UnknownCollection,

    /// <summary>The sender may not write to this collection.</summary>
    Forbidden,

    /// <summary>The object is not valid STIX 2.1 (see <see cref="ExchangeRejectedException.ValidationErrors"/>).</summary>
    InvalidStix,

    /// <summary>The object names a creator other than the sender.</summary>
    Misattributed,

    /// <summary>Breaks STIX versioning: not the creator, not later than the latest version, after revocation, or a marking definition re-versioned.</summary>
    Versioning,

    /// <summary>A different object with an (id, version) already in the log: equivocation.</summary>
    Equivocation,

    /// <summary>Breaks the request-for-assistance protocol (wrong party, unknown request, already answered…).</summary>
    Protocol,

    /// <summary>A readers-only message (TLP:RED, TLP:AMBER where sealing is required, or any message of a collection that is not public) sent in the clear.</summary>
    MustBeSealed,

    /// <summary>A sealed envelope not sealed to exactly the collection's readers under their registered encryption keys.</summary>
    Readers,
}

/// <summary>An envelope the exchange refused; nothing was stored.</summary>
public sealed class ExchangeRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExchangeRejectedException(ExchangeRejection reason, string message, IReadOnlyList<StixValidationError>? validationErrors = null, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        ValidationErrors = validationErrors ?? [];
    }

    /// <summary>Creates the exception.</summary>
    public ExchangeRejectedException() : this(ExchangeRejection.Malformed, "Rejected.") { }

    /// <summary>Creates the exception.</summary>
    public ExchangeRejectedException(string message) : this(ExchangeRejection.Malformed, message) { }

    /// <summary>Creates the exception.</summary>
    public ExchangeRejectedException(string message, Exception inner) : this(ExchangeRejection.Malformed, message, null, inner) { }

    /// <summary>The reason.</summary>
    public ExchangeRejection Reason { get; }

    /// <summary>STIX validation errors, when <see cref="Reason"/> is <see cref="ExchangeRejection.InvalidStix"/>.</summary>
    public IReadOnlyList<StixValidationError> ValidationErrors { get; }
}

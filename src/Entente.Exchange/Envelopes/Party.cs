using System.Diagnostics.CodeAnalysis;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Envelopes;

/// <summary>A registered party: its name, the STIX identity it speaks as, and its Ed25519 public key.</summary>
public sealed record Party
{
    /// <summary>Creates a party entry, checking the identity id and key length.</summary>
    public Party(string name, string identityRef, byte[] publicKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!StixId.TryParse(identityRef, out StixId? id) || id.Type != "identity")
        {
            throw new ArgumentException($"\"{identityRef}\" is not an identity--UUID.", nameof(identityRef));
        }

        if (publicKey.Length != 32)
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(publicKey));
        }

        Name = name;
        IdentityRef = identityRef;
        PublicKey = publicKey.ToArray();
    }

    /// <summary>Display name ("Blue").</summary>
    public string Name { get; }

    /// <summary>The party's STIX identity id; objects it sends carry it as created_by_ref.</summary>
    public string IdentityRef { get; }

    /// <summary>The party's Ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>Base64 of the public key, as envelopes carry it.</summary>
    public string PublicKeyBase64 => Convert.ToBase64String(PublicKey);

    /// <inheritdoc />
    public bool Equals(Party? other) =>
        other is not null && Name == other.Name && IdentityRef == other.IdentityRef && PublicKey.AsSpan().SequenceEqual(other.PublicKey);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, IdentityRef);
}

/// <summary>The parties allowed to write, looked up by identity or by key. Immutable.</summary>
public sealed class PartyRegistry
{
    private readonly Dictionary<string, Party> _byIdentity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Party> _byKey = new(StringComparer.Ordinal);

    /// <summary>Builds a registry; identities and keys must be unique.</summary>
    public PartyRegistry(IEnumerable<Party> parties)
    {
        ArgumentNullException.ThrowIfNull(parties);
        foreach (Party party in parties)
        {
            if (!_byIdentity.TryAdd(party.IdentityRef, party))
            {
                throw new ArgumentException($"Identity {party.IdentityRef} is registered twice.", nameof(parties));
            }

            if (!_byKey.TryAdd(party.PublicKeyBase64, party))
            {
                throw new ArgumentException($"The key of {party.Name} is already registered to another party.", nameof(parties));
            }
        }
    }

    /// <summary>Every registered party.</summary>
    public IReadOnlyCollection<Party> All => _byIdentity.Values;

    /// <summary>The party speaking as <paramref name="identityRef"/>.</summary>
    public bool TryGetByIdentity(string identityRef, [NotNullWhen(true)] out Party? party) => _byIdentity.TryGetValue(identityRef, out party);

    /// <summary>The party holding <paramref name="publicKey"/>.</summary>
    public bool TryGetByKey(ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out Party? party) =>
        _byKey.TryGetValue(Convert.ToBase64String(publicKey), out party);
}

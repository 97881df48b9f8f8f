using System.Diagnostics.CodeAnalysis;
using Entente.Exchange.Sealing;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Envelopes;

/// <summary>
/// A registered party: its name, the STIX identity it speaks as, its Ed25519 public key and, when it can read
/// sealed messages, its X25519 encryption key bound to that identity by an Ed25519 signature.
/// </summary>
public sealed record Party
{
    /// <summary>Creates a party entry, checking the identity id, the key length and the encryption key's binding.</summary>
    /// <param name="name">Display name.</param>
    /// <param name="identityRef">The party's STIX identity id.</param>
    /// <param name="publicKey">The party's Ed25519 public key.</param>
    /// <param name="encryptionKey">The party's X25519 encryption key, signed by <paramref name="publicKey"/>; null when the party has none (it then cannot read sealed messages).</param>
    /// <exception cref="ArgumentException">A malformed id or key, or an encryption key that <paramref name="publicKey"/> did not sign for <paramref name="identityRef"/>.</exception>
    public Party(string name, string identityRef, byte[] publicKey, PartyEncryptionKey? encryptionKey = null)
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

        if (encryptionKey is not null && !encryptionKey.Verify(identityRef, publicKey))
        {
            throw new ArgumentException($"The encryption key given for {name} is not signed by {name}'s key for {identityRef}.", nameof(encryptionKey));
        }

        Name = name;
        IdentityRef = identityRef;
        PublicKey = publicKey.ToArray();
        EncryptionKey = encryptionKey;
    }

    /// <summary>Display name ("Blue").</summary>
    public string Name { get; }

    /// <summary>The party's STIX identity id; objects it sends carry it as created_by_ref.</summary>
    public string IdentityRef { get; }

    /// <summary>The party's Ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The party's X25519 encryption key and its signed binding, or null when it has none.</summary>
    public PartyEncryptionKey? EncryptionKey { get; }

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

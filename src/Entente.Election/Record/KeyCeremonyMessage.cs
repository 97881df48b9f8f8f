using Entente.Election.KeyCeremony;

namespace Entente.Election.Record;

/// <summary>
/// A public message of an in-process key ceremony (<see cref="ElectionSimulator.RunKeyCeremony"/>),
/// reported in the order the ceremony sends it, so that a caller can publish each one (the demo logs
/// them on the board). No message carries a secret.
/// </summary>
/// <param name="Sender">The guardian index (1-based) that sends the message.</param>
public abstract record KeyCeremonyMessage(int Sender);

/// <summary>Guardian <paramref name="Sender"/> publishes its commitments and proofs.</summary>
public sealed record GuardianCommitted(int Sender, GuardianPublicKey Key) : KeyCeremonyMessage(Sender);

/// <summary>Guardian <paramref name="Sender"/> sends <paramref name="Recipient"/> its encrypted share.</summary>
public sealed record ShareSent(int Sender, int Recipient, EncryptedShare Share) : KeyCeremonyMessage(Sender);

/// <summary>Guardian <paramref name="Sender"/> checked every share it received and approves their senders.</summary>
public sealed record SharesApproved(int Sender, IReadOnlyList<int> Approved) : KeyCeremonyMessage(Sender);

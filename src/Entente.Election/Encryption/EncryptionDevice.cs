using Entente.Cryptography;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.Encryption;

/// <summary>
/// One encryption device: its S_device and H_DI (eq 72), and its chain of confirmation codes in the
/// manifest's chaining mode (eqs 73–78). <see cref="Seal"/> must be called in ballot order.
/// </summary>
public sealed class EncryptionDevice
{
    private readonly ElectionContext _context;
    private readonly List<Hash256> _ballots = [];
    private Hash256? _previous;

    /// <summary>A device named <paramref name="name"/> (file-name safe) with the text S_device.</summary>
    public EncryptionDevice(ElectionContext context, string name, string deviceInformation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(deviceInformation);
        if (!IsValidName(name))
        {
            throw new ElectionFormatException(null, "device", $"device name \"{name}\" must be 1–64 characters from A–Z a–z 0–9 . _ -");
        }

        _context = context;
        Name = name;
        DeviceInformation = deviceInformation;
        DeviceHash = ElectionHashes.DeviceHash(context.Group, context.ExtendedBaseHash, deviceInformation);
        ChainingMode = context.Parameters.Manifest.ChainingMode;
    }

    /// <summary>The device name used in file names and ballots.</summary>
    public string Name { get; }

    /// <summary>S_device.</summary>
    public string DeviceInformation { get; }

    /// <summary>H_DI.</summary>
    public Hash256 DeviceHash { get; }

    /// <summary>The manifest's chaining mode.</summary>
    public ChainingMode ChainingMode { get; }

    /// <summary>id_B of every ballot sealed, in order.</summary>
    public IReadOnlyList<Hash256> Ballots => _ballots;

    /// <summary>True for a valid device name.</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: >= 1 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && name is not "." and not "..";

    /// <summary>
    /// Takes back a ballot this device sealed in an earlier run (from its <see cref="DeviceJournal"/>), as if
    /// <see cref="Seal"/> had just made it: it must be this device's and carry the chaining field that comes next in its
    /// chain, so a journal that is not this device's, or not in order, is refused.
    /// </summary>
    /// <exception cref="ElectionFormatException">The ballot is not this device's next one.</exception>
    public void Resume(EncryptedBallot ballot)
    {
        ArgumentNullException.ThrowIfNull(ballot);
        byte[] expected = ChainingMode switch
        {
            ChainingMode.None => ConfirmationCodes.ChainingField(ChainingMode.None, DeviceHash),
            _ => ConfirmationCodes.ChainingField(ChainingMode.Simple, _previous ?? ConfirmationCodes.ChainStart(_context.Group, _context.ExtendedBaseHash, DeviceHash)),
        };
        if (ballot.Device != Name || !ballot.ChainingField.AsSpan().SequenceEqual(expected))
        {
            throw new ElectionFormatException(null, "ballot " + ballot.Id.ToHex(), $"is not the next ballot of device \"{Name}\" (device \"{ballot.Device}\", chaining field out of order)");
        }

        _previous = ballot.ConfirmationCode;
        _ballots.Add(ballot.Id);
    }

    /// <summary>Adds the chaining field and the confirmation code (eqs 71, 73, 76).</summary>
    public EncryptedBallot Seal(PreparedBallot prepared, DateTimeOffset timestamp, BallotState state = BallotState.Cast)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        Group group = _context.Group;
        byte[] chainingField = ChainingMode switch
        {
            ChainingMode.None => ConfirmationCodes.ChainingField(ChainingMode.None, DeviceHash),
            _ => ConfirmationCodes.ChainingField(ChainingMode.Simple, _previous ?? ConfirmationCodes.ChainStart(group, _context.ExtendedBaseHash, DeviceHash)),
        };
        Hash256 code = ConfirmationCodes.ConfirmationCode(group, prepared.IdentifierHash, prepared.Contests.Select(c => c.ContestHash), chainingField);
        _previous = code;
        _ballots.Add(prepared.Id);
        DateTimeOffset seconds = new(timestamp.UtcTicks - (timestamp.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        return new EncryptedBallot(prepared.Id, prepared.IdentifierHash, prepared.StyleIndex, Name, seconds, prepared.Weight, state,
            prepared.BallotNonce, prepared.Contests, chainingField, code);
    }

    /// <summary>
    /// Seals <paramref name="prepared"/> as <see cref="Seal"/> does, before the voter's choice: the device shows the
    /// voter H_C, publishes <see cref="SealedBallot.Seal"/>, and only then learns whether the ballot is cast or
    /// challenged (<see cref="SealedBallot.Decide"/>). The chain continues from this ballot whatever the choice.
    /// </summary>
    public SealedBallot SealForVoter(PreparedBallot prepared, DateTimeOffset timestamp) => new(Seal(prepared, timestamp));

    /// <summary>The closing hash of the chain (eq 77), or null without chaining or ballots.</summary>
    public Hash256? ClosingHash() =>
        ChainingMode == ChainingMode.Simple && _previous is not null
            ? ConfirmationCodes.ChainClose(_context.Group, _context.ExtendedBaseHash, DeviceHash, _previous)
            : null;
}

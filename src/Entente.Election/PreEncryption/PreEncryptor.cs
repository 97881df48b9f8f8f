using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.PreEncryption;

/// <summary>
/// The ballot encrypting tool of spec 2.1 §4.2. For a ballot style it draws id_B (H_I, eq 32) and a ballot nonce ξ_B,
/// encrypts ξ_B to K̂ (§3.3.4), and for each contest i of the style (m options, limit L) derives every selection vector
/// deterministically from ξ_B: vector j (j = 1..m selects option j; j = m + 1..m + L are the null vectors) holds
/// Enc(δ_{j,k}; ξ_{i,j,k}) at position k = 1..m with ξ_{i,j,k} = H_q(H_I; 0x45, i, j, k, ξ_B) (eqs 112, 121). It hashes each
/// vector (ψ, eqs 113–114), trims each hash into a short code with Ω, hashes the sorted ψ into χ (eq 115) and the χ into
/// H_C (eq 116) with B_C = 0x00000000 ∥ H_DI, H_DI = H(H_E; 0x43, S_device) (eq 119). A ballot whose short codes repeat
/// within a contest is discarded and drawn again with a new id_B and ξ_B (§4.1.5, §4.2.2). Thread-safe.
/// </summary>
public sealed class PreEncryptor
{
    /// <summary>Attempts before giving up on a ballot style whose short codes keep colliding.</summary>
    private const int MaxAttempts = 10_000;

    private readonly ElectionContext _context;

    /// <summary>A tool named <paramref name="device"/> (file-name safe) with S_device <paramref name="deviceInformation"/> and short codes <paramref name="shortCodes"/>.</summary>
    public PreEncryptor(ElectionContext context, string device, string deviceInformation, ShortCodeFormat shortCodes)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(deviceInformation);
        ArgumentNullException.ThrowIfNull(shortCodes);
        if (!EncryptionDevice.IsValidName(device))
        {
            throw new ElectionFormatException(null, "device", $"device name \"{device}\" must be 1–64 characters from A–Z a–z 0–9 . _ -");
        }

        _context = context;
        Device = device;
        DeviceInformation = deviceInformation;
        ShortCodes = shortCodes;
        DeviceHash = ElectionHashes.PreEncryptedDeviceHash(context.Group, context.ExtendedBaseHash, deviceInformation);
    }

    /// <summary>The tool's name, written as the ballots' <c>device</c>.</summary>
    public string Device { get; }

    /// <summary>S_device.</summary>
    public string DeviceInformation { get; }

    /// <summary>H_DI of eq 119.</summary>
    public Hash256 DeviceHash { get; }

    /// <summary>Ω.</summary>
    public ShortCodeFormat ShortCodes { get; }

    /// <summary>Generates one pre-encrypted ballot of style <paramref name="styleIndex"/>, drawing again while short codes collide within a contest.</summary>
    /// <exception cref="ElectionFormatException">The style does not exist, or no ballot without colliding short codes was found.</exception>
    public GeneratedBallot Generate(int styleIndex)
    {
        ElectionManifest manifest = _context.Parameters.Manifest;
        if (styleIndex < 1 || styleIndex > manifest.BallotStyles.Count)
        {
            throw new ElectionFormatException(null, "style", $"ballot style {styleIndex} is not in the manifest (styles 1..{manifest.BallotStyles.Count})");
        }

        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            BallotNonce nonce = BallotNonce.Generate();
            try
            {
                PreEncryptedBallot ballot = Build(Hash256.Random(), styleIndex, nonce, encryptNonce: true);
                if (ballot.Contests.All(c => c.Selections.Select(s => s.ShortCode).Distinct(StringComparer.Ordinal).Count() == c.Selections.Count))
                {
                    GeneratedBallot generated = new(ballot, nonce);
                    nonce = null!;
                    return generated;
                }
            }
            finally
            {
                nonce?.Dispose();
            }
        }

        throw new ElectionFormatException(null, "short codes", $"no ballot of style {styleIndex} without repeated short codes in {MaxAttempts} attempts; use longer short codes (for example hex4)");
    }

    /// <summary>
    /// Rebuilds every vector, hash and short code of a ballot from id_B and ξ_B (the recording tool's first step, §4.3);
    /// <paramref name="encryptNonce"/> false leaves <see cref="PreEncryptedBallot.BallotNonce"/> to the caller.
    /// </summary>
    internal PreEncryptedBallot Build(Hash256 id, int styleIndex, BallotNonce nonce, bool encryptNonce, HashedElGamalCiphertext? encryptedNonce = null)
    {
        Group group = _context.Group;
        ElectionManifest manifest = _context.Parameters.Manifest;
        Hash256 identifierHash = ElectionHashes.SelectionIdentifierHash(group, _context.ExtendedBaseHash, id);
        HashedElGamalCiphertext ballotNonce = encryptNonce
            ? BallotNonceEncryption.Encrypt(_context.DataKey, identifierHash, nonce)
            : encryptedNonce ?? throw new ArgumentNullException(nameof(encryptedNonce));
        List<PreEncryptedContest> contests = [];
        foreach (int contestIndex in manifest.BallotStyles[styleIndex - 1].ContestIndices.Order())
        {
            contests.Add(BuildContest(manifest.Contests[contestIndex - 1], identifierHash, nonce));
        }

        byte[] chainingField = PreEncryptionHashes.ChainingField(DeviceHash);
        Hash256 code = PreEncryptionHashes.ConfirmationCode(group, identifierHash, contests.Select(c => c.ContestHash), chainingField);
        return new PreEncryptedBallot(id, identifierHash, styleIndex, Device, DeviceInformation, ShortCodes, ballotNonce, contests, chainingField, code);
    }

    /// <summary>The m nonces ξ_{i,j,1..m} of selection vector j (eq 121); the caller erases them.</summary>
    internal static ElementModQ[] Nonces(Group group, Hash256 identifierHash, int contestIndex, int selectionIndex, int optionCount, BallotNonce nonce)
    {
        ElementModQ[] nonces = new ElementModQ[optionCount];
        for (int k = 1; k <= optionCount; k++)
        {
            nonces[k - 1] = ElectionHashes.PreEncryptedSelectionNonce(group, identifierHash, contestIndex, selectionIndex, k, nonce);
        }

        return nonces;
    }

    private PreEncryptedContest BuildContest(Contest contest, Hash256 identifierHash, BallotNonce nonce)
    {
        Group group = _context.Group;
        int m = contest.Options.Count;
        int vectors = m + contest.SelectionLimit;
        long[] values = new long[vectors * m];
        ElementModQ[] nonces = new ElementModQ[vectors * m];
        try
        {
            for (int j = 1; j <= vectors; j++)
            {
                ElementModQ[] row = Nonces(group, identifierHash, contest.Index, j, m, nonce);
                for (int k = 1; k <= m; k++)
                {
                    nonces[((j - 1) * m) + k - 1] = row[k - 1];
                    values[((j - 1) * m) + k - 1] = j == k ? 1 : 0;
                }
            }

            // One batch per contest: all α = g^ξ, then all β = K^(δ+ξ).
            ElGamalCiphertext[] ciphertexts = _context.VoteKey.Encrypt(values, nonces);
            PreEncryptedSelection[] selections = new PreEncryptedSelection[vectors];
            for (int j = 1; j <= vectors; j++)
            {
                ElGamalCiphertext[] vector = ciphertexts[((j - 1) * m)..(j * m)];
                Hash256 psi = PreEncryptionHashes.SelectionHash(group, identifierHash, vector);
                selections[j - 1] = new PreEncryptedSelection(j, j <= m ? j : null, vector, psi, ShortCodes.Apply(psi));
            }

            Hash256 chi = PreEncryptionHashes.ContestHash(group, identifierHash, contest.Index, selections.Select(s => s.SelectionHash));
            return new PreEncryptedContest(contest.Index, selections, chi);
        }
        finally
        {
            foreach (ElementModQ? n in nonces)
            {
                n?.Erase();
            }
        }
    }
}

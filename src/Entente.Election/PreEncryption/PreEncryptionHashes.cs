using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Manifest;

namespace Entente.Election.PreEncryption;

/// <summary>The hashes of pre-encrypted ballots, spec 2.1 §4.1 and §5.5.5 (eqs 113–116, 119).</summary>
public static class PreEncryptionHashes
{
    /// <summary>ψ = H(H_I; 0x40, α_1, β_1, …, α_m, β_m) (eqs 113, 114).</summary>
    public static Hash256 SelectionHash(Group group, Hash256 identifierHash, IEnumerable<ElGamalCiphertext> vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        using HashInput input = HashInput.Create(group, DomainSeparation.PreEncryptedSelectionHash);
        foreach (ElGamalCiphertext ciphertext in vector)
        {
            input.Append(ciphertext.Alpha).Append(ciphertext.Beta);
        }

        return input.Hash(identifierHash);
    }

    /// <summary>χ = H(H_I; 0x41, ind_c, ψ_π(1), …, ψ_π(m+L)) with the hashes sorted as big-endian integers (eq 115).</summary>
    public static Hash256 ContestHash(Group group, Hash256 identifierHash, int contestIndex, IEnumerable<Hash256> selectionHashes)
    {
        ArgumentNullException.ThrowIfNull(selectionHashes);
        using HashInput input = HashInput.Create(group, DomainSeparation.PreEncryptedContestHash);
        input.Append(contestIndex);
        foreach (Hash256 hash in Sorted(selectionHashes))
        {
            input.Append(hash);
        }

        return input.Hash(identifierHash);
    }

    /// <summary>H_C = H(H_I; 0x42, χ_1, …, χ_mB, B_C) (eq 116).</summary>
    public static Hash256 ConfirmationCode(Group group, Hash256 identifierHash, IEnumerable<Hash256> contestHashes, ReadOnlySpan<byte> chainingField)
    {
        ArgumentNullException.ThrowIfNull(contestHashes);
        if (chainingField.Length != ConfirmationCodes.ChainingFieldBytes)
        {
            throw new ArgumentException($"B_C must be {ConfirmationCodes.ChainingFieldBytes} bytes", nameof(chainingField));
        }

        using HashInput input = HashInput.Create(group, DomainSeparation.PreEncryptedConfirmationCode);
        foreach (Hash256 hash in contestHashes)
        {
            input.Append(hash);
        }

        return input.AppendBytes(chainingField).Hash(identifierHash);
    }

    /// <summary>B_C = 0x00000000 ∥ H_DI with H_DI of eq 119: pre-encrypted ballots are never chained (docs/record-format.md E17).</summary>
    public static byte[] ChainingField(Hash256 deviceHash) => ConfirmationCodes.ChainingField(ChainingMode.None, deviceHash);

    /// <summary>The hashes in increasing numerical order (big-endian bytes compare as integers).</summary>
    public static Hash256[] Sorted(IEnumerable<Hash256> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        Hash256[] sorted = [.. hashes];
        Array.Sort(sorted, static (a, b) => a.Bytes.SequenceCompareTo(b.Bytes));
        return sorted;
    }
}

using Entente.Cryptography;
using Entente.Election.Manifest;

namespace Entente.Election.Encryption;

/// <summary>Contest hashes, confirmation codes and the chaining of spec 2.1 §3.4 (eqs 70–78).</summary>
public static class ConfirmationCodes
{
    /// <summary>Bytes of the chaining field B_C.</summary>
    public const int ChainingFieldBytes = 36;

    /// <summary>
    /// χ = H(H_I; 0x28, ind_c, α_1, β_1, …, α_m, β_m [, C_0, C_1, b(c,32) ∥ b(v,32)]) (eq 70; l = ind_c
    /// and the C_2 byte order c then v: docs/record-format.md E4, E6).
    /// </summary>
    public static Hash256 ContestHash(Group group, Hash256 identifierHash, int contestIndex, IEnumerable<ElGamalCiphertext> selections, HashedElGamalCiphertext? contestData)
    {
        ArgumentNullException.ThrowIfNull(selections);
        using HashInput input = HashInput.Create(group, DomainSeparation.ContestHash);
        input.Append(contestIndex);
        foreach (ElGamalCiphertext ciphertext in selections)
        {
            input.Append(ciphertext.Alpha).Append(ciphertext.Beta);
        }

        if (contestData is not null)
        {
            input.Append(contestData.C0).AppendBytes(contestData.C1).AppendBytes(contestData.C2.Encode64());
        }

        return input.Hash(identifierHash);
    }

    /// <summary>H_C = H(H_I; 0x29, χ_1, …, χ_mB, B_C) (eq 71).</summary>
    public static Hash256 ConfirmationCode(Group group, Hash256 identifierHash, IEnumerable<Hash256> contestHashes, ReadOnlySpan<byte> chainingField)
    {
        ArgumentNullException.ThrowIfNull(contestHashes);
        if (chainingField.Length != ChainingFieldBytes)
        {
            throw new ArgumentException($"B_C must be {ChainingFieldBytes} bytes", nameof(chainingField));
        }

        using HashInput input = HashInput.Create(group, DomainSeparation.ConfirmationCode);
        foreach (Hash256 hash in contestHashes)
        {
            input.Append(hash);
        }

        return input.AppendBytes(chainingField).Hash(identifierHash);
    }

    /// <summary>mode ∥ 32 bytes: a chaining field.</summary>
    public static byte[] ChainingField(ChainingMode mode, Hash256 value)
    {
        ArgumentNullException.ThrowIfNull(value);
        byte[] field = new byte[ChainingFieldBytes];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(field, (int)mode);
        value.Bytes.CopyTo(field.AsSpan(4));
        return field;
    }

    /// <summary>H_0 = H(H_E; 0x29, B_C,0) (eq 74) with B_C,0 = 0x00000001 ∥ H_DI (eq 75).</summary>
    public static Hash256 ChainStart(Group group, Hash256 extendedBaseHash, Hash256 deviceHash)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.ConfirmationCode);
        return input.AppendBytes(ChainingField(ChainingMode.Simple, deviceHash)).Hash(extendedBaseHash);
    }

    /// <summary>The closing hash H = H(H_E; 0x29, 0x00000001 ∥ H(H_E; 0x2B, H_ℓ, B_C,0)) (eqs 77–78).</summary>
    public static Hash256 ChainClose(Group group, Hash256 extendedBaseHash, Hash256 deviceHash, Hash256 lastConfirmationCode)
    {
        Hash256 inner;
        using (HashInput input = HashInput.Create(group, DomainSeparation.ChainClose))
        {
            inner = input.Append(lastConfirmationCode).AppendBytes(ChainingField(ChainingMode.Simple, deviceHash)).Hash(extendedBaseHash);
        }

        using HashInput outer = HashInput.Create(group, DomainSeparation.ConfirmationCode);
        return outer.AppendBytes(ChainingField(ChainingMode.Simple, inner)).Hash(extendedBaseHash);
    }
}

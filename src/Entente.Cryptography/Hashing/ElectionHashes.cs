namespace Entente.Cryptography;

/// <summary>
/// The chain of base hashes and derived values of ElectionGuard 2.1.0 §3.1–3.4 that depend only on
/// hashing: H_P (eq 4), H_B (eq 5), H_G (eq 27), H_E (eq 30), H_I (eq 32), the selection nonces
/// ξ_{i,j} (eq 33) and the device hashes (eqs 72, 119).
/// </summary>
public static class ElectionHashes
{
    /// <summary>H_P = H(ver; 0x00, p, q, g, n, k) (eq 4): depends on the group and on n guardians with quorum k.</summary>
    public static Hash256 ParameterBaseHash(Group group, int guardianCount, int quorum)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentOutOfRangeException.ThrowIfLessThan(guardianCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(quorum, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quorum, guardianCount);
        using HashInput input = HashInput.Create(group, DomainSeparation.ParameterBaseHash);
        Span<byte> p = new byte[group.PByteLength];
        Span<byte> q = new byte[group.QByteLength];
        group.P.TryWriteBytes(p[(group.PByteLength - group.P.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        group.Q.TryWriteBytes(q[(group.QByteLength - group.Q.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        return input.AppendBytes(p).AppendBytes(q).Append(group.Generator).Append(guardianCount).Append(quorum)
            .Hash(ElectionHash.Version);
    }

    /// <summary>H_B = H(H_P; 0x01, b(len, 4) ∥ manifest) (eq 5), over the manifest file's exact bytes.</summary>
    public static Hash256 ElectionBaseHash(Group group, Hash256 parameterBaseHash, ReadOnlySpan<byte> manifestFile)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.ElectionBaseHash);
        return input.AppendFile(manifestFile).Hash(parameterBaseHash);
    }

    /// <summary>H_E = H(H_B; 0x14, K, K̂) (eq 30).</summary>
    public static Hash256 ExtendedBaseHash(Hash256 electionBaseHash, ElementModP voteKey, ElementModP dataKey)
    {
        ArgumentNullException.ThrowIfNull(voteKey);
        using HashInput input = HashInput.Create(voteKey.Group, DomainSeparation.ExtendedBaseHash);
        return input.Append(voteKey).Append(dataKey).Hash(electionBaseHash);
    }

    /// <summary>
    /// H_G = H(H_B; 0x13, K, K̂, K_{1,0}, …, K_{n,k−1}, K̂_{1,0}, …, K̂_{n,k−1}, κ_1, …, κ_n) (eq 27), the hash
    /// guardians compare to confirm they hold the same record. Commitments are listed guardian by guardian.
    /// </summary>
    public static Hash256 GuardianRecordHash(
        Hash256 electionBaseHash,
        ElementModP voteKey,
        ElementModP dataKey,
        IEnumerable<ElementModP> voteCommitments,
        IEnumerable<ElementModP> dataCommitments,
        IEnumerable<ElementModP> communicationKeys)
    {
        ArgumentNullException.ThrowIfNull(voteKey);
        ArgumentNullException.ThrowIfNull(voteCommitments);
        ArgumentNullException.ThrowIfNull(dataCommitments);
        ArgumentNullException.ThrowIfNull(communicationKeys);
        using HashInput input = HashInput.Create(voteKey.Group, DomainSeparation.GuardianRecordHash);
        input.Append(voteKey).Append(dataKey);
        foreach (ElementModP commitment in voteCommitments)
        {
            input.Append(commitment);
        }

        foreach (ElementModP commitment in dataCommitments)
        {
            input.Append(commitment);
        }

        foreach (ElementModP key in communicationKeys)
        {
            input.Append(key);
        }

        return input.Hash(electionBaseHash);
    }

    /// <summary>H_I = H(H_E; 0x20, id_B) (eq 32); id_B is a 32-byte selection encryption identifier.</summary>
    public static Hash256 SelectionIdentifierHash(Group group, Hash256 extendedBaseHash, Hash256 selectionIdentifier)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.SelectionIdentifierHash);
        return input.Append(selectionIdentifier).Hash(extendedBaseHash);
    }

    /// <summary>ξ_{i,j} = H_q(H_I; 0x21, i, j, ξ_B) (eq 33): the nonce of option j of contest i.</summary>
    public static ElementModQ SelectionNonce(Group group, Hash256 identifierHash, int contestIndex, int optionIndex, BallotNonce ballotNonce)
    {
        ArgumentNullException.ThrowIfNull(ballotNonce);
        using HashInput input = HashInput.Create(group, DomainSeparation.SelectionNonce);
        input.Append(contestIndex).Append(optionIndex);
        ballotNonce.AppendTo(input);
        return input.HashModQ(identifierHash);
    }

    /// <summary>
    /// ξ_{i,j,k} = H_q(H_I; 0x45, i, j, k, ξ_B) (eq 121): the nonce of the k-th encryption of the j-th selection vector of
    /// contest i on a pre-encrypted ballot (j = m + ℓ for the ℓ-th null vector).
    /// </summary>
    public static ElementModQ PreEncryptedSelectionNonce(Group group, Hash256 identifierHash, int contestIndex, int selectionIndex, int position, BallotNonce ballotNonce)
    {
        ArgumentNullException.ThrowIfNull(ballotNonce);
        using HashInput input = HashInput.Create(group, DomainSeparation.PreEncryptedNonce);
        input.Append(contestIndex).Append(selectionIndex).Append(position);
        ballotNonce.AppendTo(input);
        return input.HashModQ(identifierHash);
    }

    /// <summary>H_DI = H(H_E; 0x2A, b(len, 4) ∥ S_device) (eq 72).</summary>
    public static Hash256 DeviceHash(Group group, Hash256 extendedBaseHash, string deviceInformation)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.DeviceHash);
        return input.AppendString(deviceInformation).Hash(extendedBaseHash);
    }

    /// <summary>The device hash of pre-encrypted ballots, H(H_E; 0x43, b(len, 4) ∥ S_device) (eq 119).</summary>
    public static Hash256 PreEncryptedDeviceHash(Group group, Hash256 extendedBaseHash, string deviceInformation)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.PreEncryptedDeviceHash);
        return input.AppendString(deviceInformation).Hash(extendedBaseHash);
    }
}

using Entente.Cryptography;
using Entente.Election.Manifest;

namespace Entente.Election.Parameters;

/// <summary>
/// The election parameters of spec 2.1 §3.1: the group (p, q, g), n guardians with quorum k, the
/// manifest, and the hashes that bind them: H_P (eq 4) and H_B (eq 5).
/// </summary>
public sealed class ElectionParameters
{
    /// <summary>Largest number of guardians accepted.</summary>
    public const int MaxGuardians = 1000;

    private ElectionParameters(Group group, int guardianCount, int quorum, ElectionManifest manifest)
    {
        Group = group;
        GuardianCount = guardianCount;
        Quorum = quorum;
        Manifest = manifest;
        ParameterBaseHash = ElectionHashes.ParameterBaseHash(group, guardianCount, quorum);
        ElectionBaseHash = ElectionHashes.ElectionBaseHash(group, ParameterBaseHash, manifest.CanonicalSpan);
    }

    /// <summary>The group.</summary>
    public Group Group { get; }

    /// <summary>n, the number of guardians.</summary>
    public int GuardianCount { get; }

    /// <summary>k, the quorum: any k guardians can decrypt.</summary>
    public int Quorum { get; }

    /// <summary>The validated manifest.</summary>
    public ElectionManifest Manifest { get; }

    /// <summary>H_P (eq 4).</summary>
    public Hash256 ParameterBaseHash { get; }

    /// <summary>H_B (eq 5).</summary>
    public Hash256 ElectionBaseHash { get; }

    /// <summary>Parameters for n guardians with quorum k, 1 ≤ k ≤ n ≤ <see cref="MaxGuardians"/>.</summary>
    public static ElectionParameters Create(Group group, ElectionManifest manifest, int guardianCount, int quorum)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(manifest);
        if (guardianCount < 1 || guardianCount > MaxGuardians)
        {
            throw new ElectionFormatException(null, "n", $"the number of guardians must be from 1 to {MaxGuardians}, not {guardianCount}");
        }

        if (quorum < 1 || quorum > guardianCount)
        {
            throw new ElectionFormatException(null, "k", $"the quorum must be from 1 to n = {guardianCount}, not {quorum}");
        }

        return new ElectionParameters(group, guardianCount, quorum, manifest);
    }

    /// <summary>Checks that a guardian index is 1..n (index 0 would publish P_i(0) = s_i).</summary>
    internal void CheckGuardianIndex(int index, string location)
    {
        if (index < 1 || index > GuardianCount)
        {
            throw new ElectionFormatException(null, location, $"guardian index {index} is out of range 1..{GuardianCount}");
        }
    }
}

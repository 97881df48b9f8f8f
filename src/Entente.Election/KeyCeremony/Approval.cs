using Entente.Cryptography;

namespace Entente.Election.KeyCeremony;

/// <summary>A guardian's published verdict on the ceremony: the H_G it computed and its complaints (none: approval).</summary>
public sealed record Approval(int Index, Hash256 GuardianRecordHash, IReadOnlyList<(int From, string Reason)> Complaints)
{
    /// <summary>True when the guardian approves.</summary>
    public bool Approves => Complaints.Count == 0;
}

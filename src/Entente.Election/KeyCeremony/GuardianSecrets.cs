using Entente.Cryptography;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// The secrets of one guardian: the coefficients a_{i,j} and â_{i,j} of its two polynomials, the
/// communication secret ζ_i, and after the ceremony its shares z_i and ẑ_i of the joint secrets
/// (eq 24). They never leave the guardian's process except sealed in its secret file; ToString
/// shows nothing; Dispose wipes them.
/// </summary>
public sealed class GuardianSecrets : IDisposable
{
    internal GuardianSecrets(int index, ElementModQ[] voteCoefficients, ElementModQ[] dataCoefficients, ElGamalKeyPair communicationKey)
    {
        Index = index;
        VoteCoefficients = voteCoefficients;
        DataCoefficients = dataCoefficients;
        CommunicationKey = communicationKey;
    }

    /// <summary>i.</summary>
    public int Index { get; }

    internal ElementModQ[] VoteCoefficients { get; }

    internal ElementModQ[] DataCoefficients { get; }

    /// <summary>(ζ_i, κ_i).</summary>
    internal ElGamalKeyPair CommunicationKey { get; }

    /// <summary>z_i = Σ_j P_j(i) (eq 24), once the ceremony is complete.</summary>
    internal ElementModQ? VoteShare { get; set; }

    /// <summary>ẑ_i = Σ_j P̂_j(i).</summary>
    internal ElementModQ? DataShare { get; set; }

    /// <summary>True once <see cref="VoteShare"/> and <see cref="DataShare"/> are known.</summary>
    public bool HasShares => VoteShare is not null && DataShare is not null;

    /// <summary>P_i(x) (vote polynomial) at x.</summary>
    internal ElementModQ EvaluateVote(int x) => Evaluate(VoteCoefficients, x);

    /// <summary>P̂_i(x) (data polynomial) at x.</summary>
    internal ElementModQ EvaluateData(int x) => Evaluate(DataCoefficients, x);

    private static ElementModQ Evaluate(ElementModQ[] coefficients, int x)
    {
        Group group = coefficients[0].Group;
        ElementModQ xq = ElementModQ.FromInt64(group, x);
        ElementModQ result = group.ZeroModQ;
        for (int j = coefficients.Length - 1; j >= 0; j--)
        {
            ElementModQ next = (result * xq) + coefficients[j]; // Horner
            EraseOwned(result); // partial sums are as secret as the polynomial

            result = next;
        }

        return result;
    }

    /// <summary>True once <see cref="Dispose"/> has erased the secrets.</summary>
    public bool IsDisposed { get; private set; }

    /// <inheritdoc/>
    public override string ToString() => $"GuardianSecrets(guardian {Index}, hidden)";

    /// <summary>
    /// Erases every secret held: the coefficients of both polynomials, the shares z_i and ẑ_i (zeroed in
    /// place with <see cref="ElementModQ.Erase"/>) and the communication secret ζ_i. A
    /// <c>DecryptionGuardian</c> made from these secrets refuses to work afterwards.
    /// </summary>
    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        IsDisposed = true;
        CommunicationKey.Dispose();
        EraseAll(VoteCoefficients);
        EraseAll(DataCoefficients);
        EraseOwned(VoteShare);
        EraseOwned(DataShare);
        VoteShare = null;
        DataShare = null;
    }

    private static void EraseAll(ElementModQ?[] values)
    {
        foreach (ElementModQ? value in values)
        {
            EraseOwned(value);
        }

        Array.Clear(values);
    }

    /// <summary>Erases a secret unless it is a group constant (a test may build secrets from 0 or 1).</summary>
    internal static void EraseOwned(ElementModQ? value)
    {
        if (value is not null && !ReferenceEquals(value, value.Group.ZeroModQ) && !ReferenceEquals(value, value.Group.OneModQ))
        {
            value.Erase();
        }
    }
}

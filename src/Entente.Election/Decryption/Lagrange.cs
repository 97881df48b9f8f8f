using Entente.Cryptography;

namespace Entente.Election.Decryption;

/// <summary>Lagrange coefficients w_i = Π_{ℓ ∈ U \ {i}} ℓ / (ℓ − i) mod q (eq 83).</summary>
public static class Lagrange
{
    /// <summary>w_i for the set U of available guardian indices (distinct, ≥ 1, containing i).</summary>
    public static ElementModQ Coefficient(Group group, int index, IReadOnlyCollection<int> available)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(available);
        ElementModQ numerator = group.OneModQ;
        ElementModQ denominator = group.OneModQ;
        foreach (int l in available)
        {
            if (l == index)
            {
                continue;
            }

            numerator *= ElementModQ.FromInt64(group, l);
            denominator *= ElementModQ.FromInt64(group, l - index);
        }

        return numerator * denominator.Inverse();
    }
}

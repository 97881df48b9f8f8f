namespace Entente.Cryptography;

/// <summary>The outcome of <see cref="Group.SelfCheck(int)"/>: one flag per condition of §3.1 (V1.B–D).</summary>
/// <param name="CofactorHolds">p − 1 = q·r.</param>
/// <param name="GeneratorInRange">1 &lt; g &lt; p (so g ≠ 1).</param>
/// <param name="GeneratorHasOrderQ">g^q mod p = 1 (with g ≠ 1 and q prime, g has order q).</param>
/// <param name="PIsProbablePrime">p passed every Miller–Rabin round.</param>
/// <param name="QIsProbablePrime">q passed every Miller–Rabin round.</param>
/// <param name="MillerRabinRounds">Rounds run for each of p and q.</param>
public sealed record GroupSelfCheck(
    bool CofactorHolds,
    bool GeneratorInRange,
    bool GeneratorHasOrderQ,
    bool PIsProbablePrime,
    bool QIsProbablePrime,
    int MillerRabinRounds)
{
    /// <summary>True when every condition holds.</summary>
    public bool Passed => CofactorHolds && GeneratorInRange && GeneratorHasOrderQ && PIsProbablePrime && QIsProbablePrime;
}

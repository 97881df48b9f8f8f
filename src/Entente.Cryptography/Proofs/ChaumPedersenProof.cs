namespace Entente.Cryptography;

/// <summary>
/// A Chaum–Pedersen proof (c, v) that log_g K = log_A M (the same secret s with K = g^s and M = A^s):
/// the verifier recomputes a = g^v · K^c and b = A^v · M^c and checks that they hash to c. ElectionGuard
/// 2.1 uses it for tally decryptions (eqs 87–91, V10) and contest-data decryptions (eqs 99–103, V12),
/// where the challenge hash and the joint commitments are protocol-specific, so this type only does
/// the algebra; <see cref="ChaumPedersenCommitment"/> is the prover's half.
/// </summary>
public sealed class ChaumPedersenProof : ChallengeResponseProof
{
    /// <summary>A proof of two elements of the same group.</summary>
    public ChaumPedersenProof(ElementModQ challenge, ElementModQ response)
        : base(challenge, response)
    {
    }

    /// <summary>
    /// The commitments a verifier recomputes: a = g^v · K^c and b = A^v · M^c (V10.1–10.2, V12.2–12.3).
    /// </summary>
    /// <param name="publicKey">K (or K̂, or a guardian's share commitment) with K = g^s.</param>
    /// <param name="baseElement">A (the aggregate α, or C0).</param>
    /// <param name="result">M = A^s.</param>
    public (ElementModP A, ElementModP B) RecomputeCommitments(ElementModP publicKey, ElementModP baseElement, ElementModP result)
    {
        Group.CheckSameGroup(publicKey);
        Group.CheckSameGroup(baseElement);
        Group.CheckSameGroup(result);
        ElementModP a = Group.GPowTimes(Response, publicKey, Challenge);
        ElementModP b = Group.PowProduct(baseElement, Response, result, Challenge);
        return (a, b);
    }

    /// <summary>
    /// A self-contained proof with a caller-defined challenge: creates the commitment, asks
    /// <paramref name="challenge"/> for c given (a, b), and responds. For the single-prover case; a
    /// joint decryption combines <see cref="ChaumPedersenCommitment"/>s instead.
    /// </summary>
    public static ChaumPedersenProof Create(ElementModQ secret, ElementModP baseElement, Func<ElementModP, ElementModP, ElementModQ> challenge)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(challenge);
        using ChaumPedersenCommitment commitment = ChaumPedersenCommitment.Create(baseElement);
        ElementModQ c = challenge(commitment.A, commitment.B);
        return new ChaumPedersenProof(c, commitment.Respond(c, secret));
    }

    /// <summary>
    /// Checks a self-contained proof: recomputes (a, b) and compares <paramref name="challenge"/>(a, b) with c.
    /// </summary>
    public bool Verify(ElementModP publicKey, ElementModP baseElement, ElementModP result, Func<ElementModP, ElementModP, ElementModQ> challenge)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (!ReferenceEquals(publicKey.Group, Group) || !ReferenceEquals(baseElement.Group, Group) || !ReferenceEquals(result.Group, Group))
        {
            return false;
        }

        (ElementModP a, ElementModP b) = RecomputeCommitments(publicKey, baseElement, result);
        return challenge(a, b).Equals(Challenge);
    }
}

/// <summary>
/// The prover's commitment of a Chaum–Pedersen proof: a random secret u and (a, b) = (g^u, A^u)
/// (eq 87, 98). After the challenge c is known, <see cref="Respond"/> gives v = (u − c·s) mod q.
/// <see cref="Dispose"/> wipes u; responding twice with different challenges would leak s, so a
/// commitment answers once.
/// </summary>
public sealed class ChaumPedersenCommitment : IDisposable
{
    private readonly ElementModQ _nonce;
    private bool _used;

    private ChaumPedersenCommitment(ElementModQ nonce, ElementModP a, ElementModP b)
    {
        _nonce = nonce;
        A = a;
        B = b;
    }

    /// <summary>a = g^u.</summary>
    public ElementModP A { get; }

    /// <summary>b = A^u (A is the base element).</summary>
    public ElementModP B { get; }

    /// <summary>A fresh commitment for base <paramref name="baseElement"/>.</summary>
    public static ChaumPedersenCommitment Create(ElementModP baseElement)
    {
        ArgumentNullException.ThrowIfNull(baseElement);
        Group group = baseElement.Group;
        ElementModQ nonce = ElementModQ.Random(group);
        return new ChaumPedersenCommitment(nonce, group.GPowSecret(nonce), baseElement.PowSecret(nonce));
    }

    /// <summary>v = (u − c·s) mod q. Once only.</summary>
    /// <exception cref="InvalidOperationException">The commitment already answered a challenge.</exception>
    public ElementModQ Respond(ElementModQ challenge, ElementModQ secret)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(secret);
        if (_used)
        {
            throw new InvalidOperationException("A Chaum–Pedersen commitment answers one challenge only.");
        }

        _used = true;
        return _nonce - (challenge * secret);
    }

    /// <summary>Never shows u.</summary>
    public override string ToString() => $"ChaumPedersenCommitment(a: {A}, b: {B})";

    /// <summary>Wipes u.</summary>
    public void Dispose()
    {
        _used = true;
        _nonce.Wipe();
    }
}

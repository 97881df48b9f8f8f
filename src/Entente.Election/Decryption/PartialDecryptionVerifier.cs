using Entente.Cryptography;
using Entente.Election.KeyCeremony;

namespace Entente.Election.Decryption;

/// <summary>
/// Checks of one guardian's part of a joint tally decryption (spec 2.1 §3.6.5), for a mediator that receives the
/// rounds one guardian at a time (the election board) and wants to refuse a bad one when it arrives, naming the
/// guardian, rather than learn at the combination that the joint proof fails:
/// <list type="bullet">
/// <item>a reveal (a_i, b_i) against the guardian's commitment d_i (eq 88);</item>
/// <item>the joint challenge c of an option from every guardian's M_j, a_j, b_j (eqs 86, 89, 90);</item>
/// <item>a response v_i against c_i = c·w_i, the guardian's M_i, (a_i, b_i) and its public share
/// K_i = Π_j Π_m K_{j,m}^{i^m} (Note 3.7, eqs 91, 94, 95).</item>
/// </list>
/// The partial decryption M_i itself has no proof of its own: it is covered by eq 95 once v_i is in.
/// Nothing here is secret (every input is public), so plain exponentiation is used.
/// </summary>
public sealed class PartialDecryptionVerifier
{
    private readonly int[] _available;
    private readonly ElementModQ[] _coefficients;
    private readonly ElementModP?[] _publicShares;

    /// <summary>For the set U of guardians taking part (a quorum of <paramref name="context"/>'s guardians).</summary>
    /// <exception cref="ElectionFormatException">U is not a quorum (fewer than k, duplicates, indices outside 1..n).</exception>
    public PartialDecryptionVerifier(ElectionContext context, IEnumerable<int> available)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(available);
        Context = context;
        _available = TallyDecryption.CheckQuorum(context, available);
        _coefficients = [.. _available.Select(i => Lagrange.Coefficient(context.Group, i, _available))];
        _publicShares = new ElementModP?[_available.Length];
    }

    /// <summary>The election.</summary>
    public ElectionContext Context { get; }

    /// <summary>U, ascending.</summary>
    public IReadOnlyList<int> Available => _available;

    /// <summary>Eq 88: whether d_i = H(H_E; 0x30, ind_c, ind_o, i, A, B, a_i, b_i, M_i, U) for guardian i's revealed (a_i, b_i).</summary>
    public bool VerifyReveal(DecryptionItem item, int index, ElementModP share, Hash256 commitment, ElementModP a, ElementModP b)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(share);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        _ = Position(index);
        return DecryptionGuardian.CommitmentHash(Context, item, index, a, b, share, _available).Equals(commitment);
    }

    /// <summary>
    /// Eqs 86, 89, 90: M = Π M_j^{w_j}, a = Π a_j, b = Π b_j and c = H_q(H_E; 0x31, ind_c, ind_o, A, B, a, b, M) for one
    /// option, from every guardian's values listed in the order of <see cref="Available"/>.
    /// </summary>
    public ElementModQ Challenge(DecryptionItem item, IReadOnlyList<ElementModP> shares, IReadOnlyList<ElementModP> a, IReadOnlyList<ElementModP> b)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (shares.Count != _available.Length || a.Count != _available.Length || b.Count != _available.Length)
        {
            throw new ArgumentException($"one value per guardian of U ({_available.Length}) is needed");
        }

        Group group = Context.Group;
        ElementModP aProduct = group.OneModP;
        ElementModP bProduct = group.OneModP;
        for (int g = 0; g < _available.Length; g++)
        {
            aProduct *= a[g];
            bProduct *= b[g];
        }

        ElementModP m = TallyDecryption.LagrangeProduct(group, shares, _coefficients);
        return TallyDecryption.ChallengeFor(Context, item, aProduct, bProduct, m);
    }

    /// <summary>
    /// Note 3.7: whether guardian i's response v_i to the joint challenge c of an option satisfies
    /// a_i = g^{v_i}·K_i^{c_i} (eq 94; fails when v_i was not computed with the guardian's share z_i) and
    /// b_i = A^{v_i}·M_i^{c_i} (eq 95; fails when M_i ≠ A^{z_i}), with c_i = c·w_i (eq 91).
    /// </summary>
    public ResponseCheck VerifyResponse(DecryptionItem item, int index, ElementModQ challenge, ElementModP share, ElementModP a, ElementModP b, ElementModQ response)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(share);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(response);
        int position = Position(index);
        Group group = Context.Group;
        ElementModQ ci = challenge * _coefficients[position];
        ElementModP publicShare = PublicShare(position);
        if (!group.PowProduct(group.Generator, response, publicShare, ci).Equals(a))
        {
            return ResponseCheck.KeyEquationFails;
        }

        return group.PowProduct(item.Ciphertext.Alpha, response, share, ci).Equals(b) ? ResponseCheck.Valid : ResponseCheck.ShareEquationFails;
    }

    private ElementModP PublicShare(int position)
    {
        ElementModP? known = Volatile.Read(ref _publicShares[position]);
        if (known is null)
        {
            known = TallyDecryption.PublicShare(Context, _available[position]);
            Volatile.Write(ref _publicShares[position], known);
        }

        return known;
    }

    private int Position(int index)
    {
        int position = Array.IndexOf(_available, index);
        return position >= 0 ? position : throw new ArgumentOutOfRangeException(nameof(index), index, $"guardian {index} is not in U = {{{string.Join(", ", _available)}}}");
    }
}

/// <summary>The outcome of <see cref="PartialDecryptionVerifier.VerifyResponse"/>.</summary>
public enum ResponseCheck
{
    /// <summary>Both equations of Note 3.7 hold.</summary>
    Valid,

    /// <summary>a_i ≠ g^{v_i}·K_i^{c_i} (eq 94): the response was not computed with the guardian's key share.</summary>
    KeyEquationFails,

    /// <summary>b_i ≠ A^{v_i}·M_i^{c_i} (eq 95): the partial decryption M_i does not match the key share.</summary>
    ShareEquationFails,
}

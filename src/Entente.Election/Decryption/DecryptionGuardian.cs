using Entente.Cryptography;
using Entente.Election.KeyCeremony;

namespace Entente.Election.Decryption;

/// <summary>One value to decrypt jointly: an aggregate (A, B) of option ind_o of contest ind_c.</summary>
public sealed record DecryptionItem(int ContestIndex, int OptionIndex, ElGamalCiphertext Ciphertext);

/// <summary>Round 1 of guardian i for every item: M_i = A^{z_i} and the commitment hash d_i (eq 88).</summary>
public sealed record PartialDecryptionCommitment(int GuardianIndex, IReadOnlyList<ElementModP> Shares, IReadOnlyList<Hash256> Commitments);

/// <summary>Round 2 of guardian i: the revealed (a_i, b_i) for every item.</summary>
public sealed record PartialDecryptionReveal(int GuardianIndex, IReadOnlyList<ElementModP> A, IReadOnlyList<ElementModP> B);

/// <summary>Round 3 of guardian i: v_i = u_i − c_i z_i for every item (eq 91).</summary>
public sealed record PartialDecryptionResponse(int GuardianIndex, IReadOnlyList<ElementModQ> Responses);

/// <summary>
/// A guardian taking part in a decryption (spec 2.1 §3.6.2–3.6.5): it holds only its shares z_i, ẑ_i.
/// For a tally it answers in three rounds: commit (M_i and d_i), reveal (a_i, b_i) once it holds every
/// other guardian's d_j, and respond to the joint challenges. For a challenged ballot it returns the
/// partial decryption m_i = C_0^{ẑ_i} of the encrypted ballot nonce (§3.6.7).
/// </summary>
public sealed class DecryptionGuardian
{
    private readonly GuardianSecrets _secrets;
    private readonly ElementModQ _voteShare;
    private readonly ElementModQ _dataShare;
    private Session? _session;

    /// <summary>Wraps a guardian's secrets after a complete ceremony (it uses them in place: dispose the secrets only when done).</summary>
    public DecryptionGuardian(ElectionContext context, GuardianSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secrets);
        if (!secrets.HasShares)
        {
            throw new InvalidOperationException($"guardian {secrets.Index} has not completed the key ceremony");
        }

        Context = context;
        _secrets = secrets;
        Index = secrets.Index;
        _voteShare = secrets.VoteShare!;
        _dataShare = secrets.DataShare!;
    }

    /// <summary>i.</summary>
    public int Index { get; }

    /// <summary>The election.</summary>
    public ElectionContext Context { get; }

    /// <summary>Round 1: M_i = A^{z_i} and d_i = H(H_E; 0x30, ind_c, ind_o, i, A, B, a_i, b_i, M_i, U) per item.</summary>
    public PartialDecryptionCommitment Commit(IReadOnlyList<DecryptionItem> items, IReadOnlyList<int> available)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(available);
        ObjectDisposedException.ThrowIf(_secrets.IsDisposed, _secrets);
        int[] u = [.. available.Order()];
        if (!u.Contains(Index))
        {
            throw new ArgumentException($"guardian {Index} is not in the set of available guardians", nameof(available));
        }

        Group group = Context.Group;
        ChaumPedersenCommitment[] nonces = new ChaumPedersenCommitment[items.Count];
        ElementModP[] shares = new ElementModP[items.Count];
        ElementModP[] a = new ElementModP[items.Count];
        ElementModP[] b = new ElementModP[items.Count];
        Hash256[] d = new Hash256[items.Count];
        Parallel.For(0, items.Count, n =>
        {
            DecryptionItem item = items[n];
            nonces[n] = ChaumPedersenCommitment.Create(item.Ciphertext.Alpha);
            shares[n] = item.Ciphertext.Alpha.PowSecret(_voteShare);
            a[n] = nonces[n].A;
            b[n] = nonces[n].B;
            d[n] = CommitmentHash(Context, item, Index, a[n], b[n], shares[n], u);
        });
        _session = new Session([.. items], u, nonces, a, b);
        return new PartialDecryptionCommitment(Index, shares, d);
    }

    /// <summary>Round 2: reveals (a_i, b_i), only once every guardian's commitments are in hand.</summary>
    public PartialDecryptionReveal Reveal(IReadOnlyCollection<PartialDecryptionCommitment> allCommitments)
    {
        ArgumentNullException.ThrowIfNull(allCommitments);
        Session session = _session ?? throw new InvalidOperationException("commit first");
        HashSet<int> have = [.. allCommitments.Select(c => c.GuardianIndex)];
        if (!have.SetEquals(session.Available))
        {
            throw new InvalidOperationException("reveal needs the commitments of every available guardian (two-round commitment of §3.6.3)");
        }

        session.Revealed = true;
        return new PartialDecryptionReveal(Index, session.A, session.B);
    }

    /// <summary>Round 3: v_i = u_i − c·w_i·z_i for every item's joint challenge c.</summary>
    public PartialDecryptionResponse Respond(IReadOnlyList<ElementModQ> challenges)
    {
        ArgumentNullException.ThrowIfNull(challenges);
        ObjectDisposedException.ThrowIf(_secrets.IsDisposed, _secrets);
        Session session = _session ?? throw new InvalidOperationException("commit first");
        if (!session.Revealed || challenges.Count != session.Items.Length)
        {
            throw new InvalidOperationException("respond after reveal, with one challenge per item");
        }

        ElementModQ w = Lagrange.Coefficient(Context.Group, Index, session.Available);
        ElementModQ[] v = new ElementModQ[challenges.Count];
        for (int n = 0; n < v.Length; n++)
        {
            v[n] = session.Nonces[n].Respond(challenges[n] * w, _voteShare);
            session.Nonces[n].Dispose();
        }

        _session = null; // nonces are used once
        return new PartialDecryptionResponse(Index, v);
    }

    /// <summary>m_i = C_0^{ẑ_i}: this guardian's part of decrypting a hashed-ElGamal payload under K̂.</summary>
    public ElementModP DecryptDataShare(ElementModP c0)
    {
        ArgumentNullException.ThrowIfNull(c0);
        ObjectDisposedException.ThrowIf(_secrets.IsDisposed, _secrets);
        return c0.PowSecret(_dataShare);
    }

    /// <summary>v_i = u_i − c_i·ẑ_i for a contest-data decryption commitment made on C_0 (eq 102).</summary>
    public ElementModQ RespondData(ChaumPedersenCommitment commitment, ElementModQ challengeShare)
    {
        ArgumentNullException.ThrowIfNull(commitment);
        ArgumentNullException.ThrowIfNull(challengeShare);
        ObjectDisposedException.ThrowIf(_secrets.IsDisposed, _secrets);
        return commitment.Respond(challengeShare, _dataShare);
    }

    internal static Hash256 CommitmentHash(ElectionContext context, DecryptionItem item, int index, ElementModP a, ElementModP b, ElementModP share, int[] available)
    {
        using HashInput input = HashInput.Create(context.Group, DomainSeparation.DecryptionCommitment);
        input.Append(item.ContestIndex).Append(item.OptionIndex).Append(index)
            .Append(item.Ciphertext.Alpha).Append(item.Ciphertext.Beta).Append(a).Append(b).Append(share)
            .Append(available.Length); // U as b(#U, 4) ∥ b(j, 4)… ascending (docs/record-format.md E5)
        foreach (int j in available)
        {
            input.Append(j);
        }

        return input.Hash(context.ExtendedBaseHash);
    }

    private sealed class Session(DecryptionItem[] items, int[] available, ChaumPedersenCommitment[] nonces, ElementModP[] a, ElementModP[] b)
    {
        public DecryptionItem[] Items { get; } = items;

        public int[] Available { get; } = available;

        public ChaumPedersenCommitment[] Nonces { get; } = nonces;

        public ElementModP[] A { get; } = a;

        public ElementModP[] B { get; } = b;

        public bool Revealed { get; set; }
    }
}

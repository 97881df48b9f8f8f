namespace Entente.Election.Decryption;

/// <summary>
/// The guardians' parts of a decrypted tally (M_i, d_i, a_i, b_i, v_i of each option; docs/record-format.md §4.12,
/// <c>tally/partial_decryptions.json</c>) taken from the decryption rounds a board holds. The decrypted tally a board
/// logs carries the joint proof only; a record rebuilt from the board (<c>entente record fetch</c>) gets the parts that
/// bind U from the rounds, as the board's own record does. Nothing is checked here: the verifier checks the parts.
/// </summary>
public static class DecryptionRoundShares
{
    /// <summary>
    /// <paramref name="tally"/> with each option's parts from the commit, reveal and response of every guardian of its U
    /// (a commit counts only when it names the same U); the tally unchanged when a guardian of U lacks a round, or the
    /// rounds do not have one value per option.
    /// </summary>
    public static DecryptedTally WithShares(DecryptedTally tally, IEnumerable<DecryptionCommit> commits, IEnumerable<DecryptionReveal> reveals, IEnumerable<DecryptionResponse> responses)
    {
        ArgumentNullException.ThrowIfNull(tally);
        ArgumentNullException.ThrowIfNull(commits);
        ArgumentNullException.ThrowIfNull(reveals);
        ArgumentNullException.ThrowIfNull(responses);
        int options = tally.Contests.Sum(c => c.Options.Count);
        Dictionary<int, DecryptionCommit> commit = [];
        foreach (DecryptionCommit c in commits.Where(c => c.Guardians.SequenceEqual(tally.Guardians) && c.Tally.Count == options))
        {
            commit.TryAdd(c.Index, c);
        }

        Dictionary<int, DecryptionReveal> reveal = [];
        foreach (DecryptionReveal r in reveals.Where(r => r.A.Count == options && r.B.Count == options))
        {
            reveal.TryAdd(r.Index, r);
        }

        Dictionary<int, DecryptionResponse> response = [];
        foreach (DecryptionResponse r in responses.Where(r => r.V.Count == options))
        {
            response.TryAdd(r.Index, r);
        }

        if (!tally.Guardians.All(i => commit.ContainsKey(i) && reveal.ContainsKey(i) && response.ContainsKey(i)))
        {
            return tally;
        }

        int n = 0;
        return tally with
        {
            Contests = [.. tally.Contests.Select(contest => contest with
            {
                Options = [.. contest.Options.Select(option =>
                {
                    int at = n++;
                    return option with
                    {
                        Shares = [.. tally.Guardians.Select(i => new PartialDecryptionShare(i, commit[i].Tally[at].M, commit[i].Tally[at].D, reveal[i].A[at], reveal[i].B[at], response[i].V[at]))],
                    };
                })],
            })],
        };
    }
}

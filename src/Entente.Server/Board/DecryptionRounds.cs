using Entente.Cryptography;
using Entente.Election;
using Entente.Election.Decryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Entente.Election.Tally;

namespace Entente.Server.Board;

/// <summary>
/// The board's side of the two-round partial decryption of the tally (spec 2.1 §3.6.5; files of docs/record-format.md
/// §5.3): reads each guardian's commit, reveal and response, and checks it against what is already on the board as
/// soon as the protocol allows, so that a bad round is refused when it arrives and blamed on its guardian:
/// <list type="bullet">
/// <item>commit: U is the same quorum as every earlier commit's and contains i; one (M_i, d_i) per tally option; one
/// m_i per challenged ballot on the board, each once (M_i and m_i carry no proof of their own);</item>
/// <item>reveal: only after every guardian of U has committed (otherwise a late guardian could choose its commitment
/// knowing the others'), and (a_i, b_i) must hash to d_i (eq 88);</item>
/// <item>response: only after every guardian of U has revealed (the joint challenge needs them all); v_i must satisfy
/// Note 3.7 (eqs 94, 95) with c_i = c·w_i, K_i from the guardians' coefficient commitments, M_i from the commit.</item>
/// </list>
/// The checks use <see cref="PartialDecryptionVerifier"/> of the election library. The state is applied only once a
/// round is logged, and rebuilt from the log on start.
/// <para>
/// Decryption runs in numbered attempts (docs/record-format.md §11, "attempts"): a round names its attempt and is
/// refused unless it is the current one; an abandonment (<see cref="CheckAbandon"/>) closes the current attempt and opens
/// the next, whose first commit chooses a new U. A reveal whose a_i equals one its guardian revealed for the same option
/// in an earlier attempt is refused: one nonce answering two challenges gives away the guardian's key share.
/// </para>
/// </summary>
internal sealed class DecryptionRounds
{
    // a_i of every reveal of every attempt, by guardian, option: a repeated nonce is refused.
    private readonly Dictionary<int, List<(int Attempt, ElementModP[] A)>> _revealed = [];
    private readonly Dictionary<int, Commit> _commits = [];
    private readonly Dictionary<int, Reveal> _reveals = [];
    private readonly Dictionary<int, Response> _responses = [];
    private PartialDecryptionVerifier? _verifier;
    private ElementModQ[]? _challenges;

    /// <summary>The attempt now open (1 until an abandonment).</summary>
    public int Attempt { get; private set; } = 1;

    /// <summary>A parsed round of guardian <paramref name="Index"/> in <paramref name="Attempt"/>.</summary>
    internal abstract record Round(string Name, int Index, int Attempt)
    {
        /// <summary>The round's id in the decryptions collection: <c>commit-i</c>, or <c>commit-i-aN</c> for attempt N ≥ 2.</summary>
        public string Id => Attempt == 1 ? $"{Name}-{Index}" : $"{Name}-{Index}-a{Attempt}";
    }

    private sealed record Commit(int Index, int Attempt, int[] Guardians, ElementModP[] Shares, Hash256[] Commitments) : Round("commit", Index, Attempt);

    private sealed record Reveal(int Index, int Attempt, ElementModP[] A, ElementModP[] B) : Round("reveal", Index, Attempt);

    private sealed record Response(int Index, int Attempt, ElementModQ[] V) : Round("response", Index, Attempt);

    /// <summary>The tally options in the order of the round files' arrays.</summary>
    public static DecryptionItem[] Items(EncryptedTally tally) =>
        [.. tally.Contests.SelectMany(c => c.Options.Select(o => new DecryptionItem(c.ContestIndex, o.OptionIndex, o.Ciphertext)))];

    /// <summary>
    /// Parses a round document with the public round format (<see cref="DecryptionRoundFormat"/>: structure, ranges, U a
    /// quorum containing i, group membership, canonical form) and checks a commit's ballot nonces against
    /// <paramref name="challenged"/>, the ids of the challenged ballots on the board (one each, ascending id).
    /// </summary>
    public static Round Read(string? round, byte[] body, ElectionContext context, int items, IReadOnlyList<string> challenged)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(challenged);
        DecryptionRoundShape shape = new(items, challenged.Count, 0);
        string file = $"decryption {round}";
        return Parse<Round>(() =>
        {
            switch (round)
            {
                case "commit":
                {
                    DecryptionCommit commit = DecryptionRoundFormat.ReadCommit(file, body, context.Parameters, shape);
                    for (int n = 0; n < challenged.Count; n++)
                    {
                        if (commit.BallotNonces[n].Ballot.ToHex() != challenged[n])
                        {
                            throw new ElectionFormatException(file, $"$.ballot_nonces[{n}].id", $"expected challenged ballot {challenged[n]} here: one m_i per challenged ballot on the board, by ascending id");
                        }
                    }

                    return new Commit(commit.Index, commit.Attempt, [.. commit.Guardians], [.. commit.Tally.Select(t => t.M)], [.. commit.Tally.Select(t => t.D)]);
                }

                case "reveal":
                {
                    DecryptionReveal reveal = DecryptionRoundFormat.ReadReveal(file, body, context.Parameters, shape);
                    return new Reveal(reveal.Index, reveal.Attempt, [.. reveal.A], [.. reveal.B]);
                }

                case "response":
                {
                    DecryptionResponse response = DecryptionRoundFormat.ReadResponse(file, body, context.Parameters, shape);
                    return new Response(response.Index, response.Attempt, [.. response.V]);
                }

                default:
                    throw BoardRefusal.NotFound("No such round", $"round: \"{round}\" is not commit, reveal or response.").Raise();
            }
        });
    }

    /// <summary>
    /// Checks <paramref name="round"/> against the rounds on the board: 409 <c>Not yet</c> when a round it depends on is
    /// missing; 422 when U differs from the other commits' (<c>Invalid artifact</c>) or the cryptographic check fails
    /// (<c>Invalid partial decryption</c>, naming the guardian, contest, option and equation).
    /// </summary>
    public void Check(Round round, ElectionContext context, IReadOnlyList<DecryptionItem> items)
    {
        CheckAttempt(round);
        switch (round)
        {
            case Commit commit:
                if (_verifier is not null && !commit.Guardians.SequenceEqual(_verifier.Available))
                {
                    int other = _commits.Keys.Min();
                    throw BoardRefusal.Invalid("Invalid artifact", $"decryption commit: $.guardians: guardian {commit.Index} commits for U = {Set(commit.Guardians)} but guardian {other} already committed for U = {Set(_verifier.Available)}; every guardian of a decryption commits for the same U.").Raise();
                }

                break;

            case Reveal reveal:
            {
                PartialDecryptionVerifier verifier = NeedCommits(reveal.Index, "reveal");
                Commit commit = _commits[reveal.Index];
                Failure? failure = FirstFailure(items.Count, n =>
                    verifier.VerifyReveal(items[n], reveal.Index, commit.Shares[n], commit.Commitments[n], reveal.A[n], reveal.B[n])
                        ? null
                        : ("eq 88", $"$.a[{n}], $.b[{n}]", "(a_i, b_i) do not hash to the commitment d_i the guardian committed to (eq 88)"));
                Refuse(failure, reveal, items);
                RefuseRepeatedNonce(reveal, items);
                break;
            }

            case Response response:
            {
                PartialDecryptionVerifier verifier = NeedCommits(response.Index, "response");
                foreach (int j in verifier.Available)
                {
                    if (!_reveals.ContainsKey(j))
                    {
                        throw BoardRefusal.NotYet($"Guardian {j} of U = {Set(verifier.Available)} has not revealed yet (POST /board/decryptions/reveal): the joint challenge every response answers needs every guardian's (a_j, b_j).").Raise();
                    }
                }

                ElementModQ[] challenges = Challenges(verifier, items);
                Commit commit = _commits[response.Index];
                Reveal reveal = _reveals[response.Index];
                Failure? failure = FirstFailure(items.Count, n => verifier.VerifyResponse(items[n], response.Index, challenges[n], commit.Shares[n], reveal.A[n], reveal.B[n], response.V[n]) switch
                {
                    ResponseCheck.Valid => null,
                    ResponseCheck.KeyEquationFails => ("eq 94", $"$.v[{n}]", "g^v_i·K_i^c_i differs from the revealed a_i (Note 3.7, eq 94): the response was not computed with this guardian's key share"),
                    _ => ("eq 95", $"$.v[{n}]", "A^v_i·M_i^c_i differs from the revealed b_i (Note 3.7, eq 95): the partial decryption M_i of the commit does not match this guardian's key share"),
                });
                Refuse(failure, response, items);
                break;
            }

            default:
                throw new ArgumentException("unknown round", nameof(round));
        }
    }

    /// <summary>409 <c>Not the current attempt</c> for a round of another attempt than the one open.</summary>
    public void CheckAttempt(Round round)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.Attempt != Attempt)
        {
            throw new BoardRefusal(RefusalKind.Conflict, "Not the current attempt",
                $"decryption {round.Name}: $.attempt: guardian {round.Index}'s round is for attempt {round.Attempt}, but attempt {Attempt} is the one open{(round.Attempt < Attempt ? $" (attempt {round.Attempt} was abandoned)" : "")}; run the step again, it takes the current attempt from the board.")
            {
                Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["attempt"] = Attempt },
            }.Raise();
        }
    }

    /// <summary>
    /// The rules of an abandonment that need the rounds (the deadline is the caller's): it names the current attempt,
    /// the attempt has not all of U's responses, the guardian is in U (any guardian before the first commit), and the
    /// guardian has not taken the step. The step's own opening (a reveal step opens once U has committed) is judged by
    /// the schedule the caller holds.
    /// </summary>
    public void CheckAbandon(DecryptionAbandonment abandonment)
    {
        ArgumentNullException.ThrowIfNull(abandonment);
        if (abandonment.Attempt != Attempt)
        {
            throw BoardRefusal.Conflict("Not the current attempt", $"decryption abandon: $.attempt: attempt {abandonment.Attempt} is not the one open (attempt {Attempt}); only the current attempt can be abandoned.").Raise();
        }

        if (_verifier is not null && _verifier.Available.All(_responses.ContainsKey))
        {
            throw BoardRefusal.Conflict("Attempt complete", $"decryption abandon: attempt {Attempt} has the responses of every guardian of U = {Set(_verifier.Available)}; it is combined, not abandoned.").Raise();
        }

        if (_verifier is not null && !_verifier.Available.Contains(abandonment.Guardian))
        {
            throw BoardRefusal.Invalid("Invalid artifact", $"decryption abandon: $.guardian: guardian {abandonment.Guardian} is not in U = {Set(_verifier.Available)} of attempt {Attempt}; only a guardian of U can hold the attempt up.").Raise();
        }

        bool done = abandonment.Step switch
        {
            "commit" => _commits.ContainsKey(abandonment.Guardian),
            "reveal" => _reveals.ContainsKey(abandonment.Guardian),
            _ => _responses.ContainsKey(abandonment.Guardian),
        };
        if (done)
        {
            throw BoardRefusal.Conflict("Step taken", $"decryption abandon: guardian {abandonment.Guardian} did take the {abandonment.Step} step of attempt {Attempt} (GET /board/decryptions/{abandonment.Step}-{abandonment.Guardian}{(Attempt == 1 ? "" : $"-a{Attempt}")}); an attempt is abandoned only for a step a guardian did not take.").Raise();
        }
    }

    /// <summary>Closes the current attempt (its abandonment is logged) and opens the next.</summary>
    public void ApplyAbandon()
    {
        Attempt++;
        _commits.Clear();
        _reveals.Clear();
        _responses.Clear();
        _verifier = null;
        _challenges = null;
    }

    private void RefuseRepeatedNonce(Reveal reveal, IReadOnlyList<DecryptionItem> items)
    {
        if (!_revealed.TryGetValue(reveal.Index, out List<(int Attempt, ElementModP[] A)>? earlier))
        {
            return;
        }

        foreach ((int attempt, ElementModP[] a) in earlier.Where(e => e.Attempt != reveal.Attempt))
        {
            for (int n = 0; n < Math.Min(a.Length, reveal.A.Length); n++)
            {
                if (a[n].Equals(reveal.A[n]))
                {
                    DecryptionItem item = items[n];
                    throw new BoardRefusal(RefusalKind.Invalid, "Repeated nonce",
                        $"decryption reveal: guardian {reveal.Index}, contest {item.ContestIndex} option {item.OptionIndex} ($.a[{n}]): a_i equals the a_i this guardian revealed in attempt {attempt}: a nonce u_i used for two challenges gives away the guardian's key share (docs/record-format.md §11); commit again with fresh nonces. Nothing was stored.")
                    {
                        Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["guardian"] = reveal.Index, ["attempt"] = attempt, ["contest"] = item.ContestIndex, ["option"] = item.OptionIndex },
                    }.Raise();
                }
            }
        }
    }

    /// <summary>Records a logged round.</summary>
    public void Apply(Round round, ElectionContext context)
    {
        switch (round)
        {
            case Commit commit:
                _verifier ??= new PartialDecryptionVerifier(context, commit.Guardians);
                _commits[commit.Index] = commit;
                break;
            case Reveal reveal:
                _reveals[reveal.Index] = reveal;
                _challenges = null;
                if (!_revealed.TryGetValue(reveal.Index, out List<(int, ElementModP[])>? list))
                {
                    _revealed[reveal.Index] = list = [];
                }

                list.Add((reveal.Attempt, reveal.A));
                break;
            case Response response:
                _responses[response.Index] = response;
                break;
            default:
                throw new ArgumentException("unknown round", nameof(round));
        }
    }

    private PartialDecryptionVerifier NeedCommits(int index, string round)
    {
        if (_verifier is null || !_commits.ContainsKey(index))
        {
            throw BoardRefusal.NotYet($"Guardian {index} has not committed yet (POST /board/decryptions/commit); its {round} answers its commit.").Raise();
        }

        foreach (int j in _verifier.Available)
        {
            if (!_commits.ContainsKey(j))
            {
                throw BoardRefusal.NotYet($"Guardian {j} of U = {Set(_verifier.Available)} has not committed yet (POST /board/decryptions/commit): a guardian reveals and responds only once every guardian of U has committed (two-round commitment, spec 2.1 §3.6.5).").Raise();
            }
        }

        return _verifier;
    }

    private ElementModQ[] Challenges(PartialDecryptionVerifier verifier, IReadOnlyList<DecryptionItem> items)
    {
        if (_challenges is not null)
        {
            return _challenges;
        }

        Commit[] commits = [.. verifier.Available.Select(j => _commits[j])];
        Reveal[] reveals = [.. verifier.Available.Select(j => _reveals[j])];
        ElementModQ[] challenges = new ElementModQ[items.Count];
        Parallel.For(0, items.Count, n => challenges[n] = verifier.Challenge(
            items[n], [.. commits.Select(c => c.Shares[n])], [.. reveals.Select(r => r.A[n])], [.. reveals.Select(r => r.B[n])]));
        _challenges = challenges;
        return challenges;
    }

    private sealed record Failure(int Item, string Equation, string Path, string Problem, int Count);

    private static Failure? FirstFailure(int count, Func<int, (string Equation, string Path, string Problem)?> check)
    {
        (string, string, string)?[] results = new (string, string, string)?[count];
        Parallel.For(0, count, n => results[n] = check(n));
        int first = Array.FindIndex(results, r => r is not null);
        if (first < 0)
        {
            return null;
        }

        (string equation, string path, string problem) = results[first]!.Value;
        return new Failure(first, equation, path, problem, results.Count(r => r is not null));
    }

    private static void Refuse(Failure? failure, Round round, IReadOnlyList<DecryptionItem> items)
    {
        if (failure is null)
        {
            return;
        }

        DecryptionItem item = items[failure.Item];
        string more = failure.Count > 1 ? $" ({failure.Count - 1} other option(s) fail too)" : "";
        throw new BoardRefusal(RefusalKind.Invalid, "Invalid partial decryption",
            $"decryption {round.Name}: guardian {round.Index}, contest {item.ContestIndex} option {item.OptionIndex} ({failure.Path}): {failure.Problem}{more}. Nothing was stored.")
        {
            Extensions = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["guardian"] = round.Index,
                ["round"] = round.Name,
                ["contest"] = item.ContestIndex,
                ["option"] = item.OptionIndex,
                ["check"] = failure.Equation,
                ["failures"] = failure.Count,
            },
        }.Raise();
    }

    private static string Set(IEnumerable<int> u) => "{" + string.Join(", ", u) + "}";

    private static T Parse<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ElectionFormatException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", e.Message).Raise();
        }
        catch (FormatException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", e.Message).Raise();
        }
    }
}

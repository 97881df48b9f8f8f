// The documents of the two-round joint decryption (spec 2.1 §3.6.5; docs/record-format.md §5.3): a guardian's
// commit, reveal and response, and the optional request to decrypt the contest data of named cast ballots.
// Canonical JSON like the record (§2): every member required unless stated, unknown members refused, group
// elements checked for subgroup membership, the bytes equal to what Write produces.
//
//   commit   {i, guardians: U ascending, tally: [{m, d}] per option, ballot_nonces: [{id, m}] per challenged ballot
//             by ascending id, contest_data: [{id, index, m, d}] per requested decryption (absent without a request)}
//   reveal   {i, a: [a_i] per option, b: [b_i] per option, data_a, data_b (absent without a request)}
//   response {i, v: [v_i] per option, data_v (absent without a request)}
//   request  {ballots: [{id, contests: [ind_c ascending]}] by ascending id}
//   abandon  {attempt, guardian, step: commit|reveal|response, reason} (docs/record-format.md §11, "attempts")
// Every round names its attempt in an optional member `attempt` (≥ 2) after `i`; a round without it is of attempt 1,
// so the rounds written before attempts existed, and every ceremony folder, keep their bytes.
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Parameters;
using Entente.Election.Record;

namespace Entente.Election.Decryption;

/// <summary>
/// How many values each array of a round document must hold, from the election's state: the tally's options, the
/// challenged ballots and the requested contest-data decryptions.
/// </summary>
/// <param name="Options">Options of the encrypted tally, in contest/option order.</param>
/// <param name="ChallengedBallots">Challenged ballots of the election.</param>
/// <param name="ContestData">Requested contest-data decryptions (0 without a request).</param>
public readonly record struct DecryptionRoundShape(int Options, int ChallengedBallots, int ContestData);

/// <summary>M_i = A^{z_i} and the commitment d_i of eq 88 for one tally option.</summary>
/// <param name="M">The partial decryption M_i.</param>
/// <param name="D">The commitment hash d_i.</param>
public sealed record CommittedShare(ElementModP M, Hash256 D);

/// <summary>m_i = C_0^{ẑ_i} for one challenged ballot's encrypted nonce (§3.6.7; no proof of its own).</summary>
/// <param name="Ballot">id_B of the challenged ballot.</param>
/// <param name="M">The share m_i.</param>
public sealed record BallotNonceShare(Hash256 Ballot, ElementModP M);

/// <summary>m_i = C_0^{ẑ_i} (eq 96) and the commitment d_i of eq 99 for one requested contest-data decryption.</summary>
/// <param name="Ballot">id_B of the cast ballot.</param>
/// <param name="Contest">The contest index ind_c.</param>
/// <param name="M">The share m_i.</param>
/// <param name="D">The commitment hash d_i.</param>
public sealed record CommittedDataShare(Hash256 Ballot, int Contest, ElementModP M, Hash256 D);

/// <summary>Round 1 of guardian i: its partial decryptions and commitments, before any (a_i, b_i) is shown.</summary>
/// <param name="Index">The guardian i.</param>
/// <param name="Guardians">The set U of guardians taking part, ascending; contains i.</param>
/// <param name="Tally">One share per tally option.</param>
/// <param name="BallotNonces">One share per challenged ballot, by ascending id.</param>
/// <param name="ContestData">One share per requested contest-data decryption, in request order.</param>
public sealed record DecryptionCommit(int Index, IReadOnlyList<int> Guardians, IReadOnlyList<CommittedShare> Tally, IReadOnlyList<BallotNonceShare> BallotNonces, IReadOnlyList<CommittedDataShare> ContestData)
{
    /// <summary>The decryption attempt the round belongs to (1 when the document has no <c>attempt</c>).</summary>
    public int Attempt { get; init; } = 1;
}

/// <summary>Round 2 of guardian i: (a_i, b_i) = (g^{u_i}, A^{u_i}) per option, once every guardian of U has committed.</summary>
/// <param name="Index">The guardian i.</param>
/// <param name="A">a_i per tally option.</param>
/// <param name="B">b_i per tally option.</param>
/// <param name="DataA">a_i per requested contest-data decryption (eq 98).</param>
/// <param name="DataB">b_i per requested contest-data decryption (eq 98).</param>
public sealed record DecryptionReveal(int Index, IReadOnlyList<ElementModP> A, IReadOnlyList<ElementModP> B, IReadOnlyList<ElementModP> DataA, IReadOnlyList<ElementModP> DataB)
{
    /// <summary>The decryption attempt the round belongs to (1 when the document has no <c>attempt</c>).</summary>
    public int Attempt { get; init; } = 1;
}

/// <summary>Round 3 of guardian i: v_i = u_i − c·w_i·z_i per option (eq 92), and per requested contest-data decryption (eq 102).</summary>
/// <param name="Index">The guardian i.</param>
/// <param name="V">v_i per tally option.</param>
/// <param name="DataV">v_i per requested contest-data decryption.</param>
public sealed record DecryptionResponse(int Index, IReadOnlyList<ElementModQ> V, IReadOnlyList<ElementModQ> DataV)
{
    /// <summary>The decryption attempt the round belongs to (1 when the document has no <c>attempt</c>).</summary>
    public int Attempt { get; init; } = 1;
}

/// <summary>
/// A party's abandonment of a decryption attempt (docs/record-format.md §11, "attempts"): guardian
/// <paramref name="Guardian"/> of the attempt's U did not take <paramref name="Step"/> by its due time.
/// </summary>
/// <param name="Attempt">The attempt abandoned (the current one).</param>
/// <param name="Guardian">The guardian that did not act.</param>
/// <param name="Step">commit, reveal or response.</param>
/// <param name="Reason">Why, in the party's words (1 to 500 characters, no control characters).</param>
public sealed record DecryptionAbandonment(int Attempt, int Guardian, string Step, string Reason)
{
    /// <summary>The steps an abandonment can name.</summary>
    public static readonly IReadOnlyList<string> Steps = ["commit", "reveal", "response"];
}

/// <summary>One cast ballot whose contest data is to be decrypted jointly with the tally.</summary>
/// <param name="Ballot">id_B.</param>
/// <param name="Contests">The contests (with contest data) to decrypt, ascending.</param>
public sealed record RequestedContestData(Hash256 Ballot, IReadOnlyList<int> Contests);

/// <summary>
/// The public format of the decryption rounds (docs/record-format.md §5.3), shared by the guardians' library
/// (<see cref="DecryptionExchange"/>) and the board that checks each round as it arrives. Reading is strict: the
/// structure, the array lengths of <see cref="DecryptionRoundShape"/>, index ranges, U a quorum containing i, group
/// membership and the canonical form; what needs the election's state beyond that (the ids of the challenged ballots,
/// the commitments) is checked by the caller. Errors are <see cref="ElectionFormatException"/> naming the file, the
/// JSON path and the problem.
/// </summary>
public static class DecryptionRoundFormat
{
    /// <summary>The canonical bytes of a commit.</summary>
    public static byte[] WriteCommit(DecryptionCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", commit.Index);
        WriteAttempt(w, commit.Attempt);
        RecordFormat.WriteList(w, "guardians", commit.Guardians);
        w.Name("tally");
        w.StartArray();
        foreach (CommittedShare share in commit.Tally)
        {
            w.StartObject();
            w.PropertyHex("m", share.M.Encode());
            w.PropertyHex("d", share.D.Bytes);
            w.EndObject();
        }

        w.EndArray();
        w.Name("ballot_nonces");
        w.StartArray();
        foreach (BallotNonceShare share in commit.BallotNonces)
        {
            w.StartObject();
            w.PropertyHex("id", share.Ballot.Bytes);
            w.PropertyHex("m", share.M.Encode());
            w.EndObject();
        }

        w.EndArray();
        if (commit.ContestData.Count > 0)
        {
            w.Name("contest_data");
            w.StartArray();
            foreach (CommittedDataShare share in commit.ContestData)
            {
                w.StartObject();
                w.PropertyHex("id", share.Ballot.Bytes);
                w.Property("index", share.Contest);
                w.PropertyHex("m", share.M.Encode());
                w.PropertyHex("d", share.D.Bytes);
                w.EndObject();
            }

            w.EndArray();
        }

        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads a commit strictly (see the class summary). <paramref name="file"/> names it in errors.</summary>
    public static DecryptionCommit ReadCommit(string file, byte[] bytes, ElectionParameters parameters, DecryptionRoundShape shape)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(parameters);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "i", "attempt", "guardians", "tally", "ballot_nonces", "contest_data");
        int i = r.Int(o, "$", "i", 1, parameters.GuardianCount);
        int attempt = ReadAttempt(r, o);
        int[] guardians = Guardians(r, o, parameters);
        if (Array.IndexOf(guardians, i) < 0)
        {
            throw r.Error("$.guardians", $"guardian {i} is not in its own set U");
        }

        List<CommittedShare> tally = [];
        int n = 0;
        foreach (JsonElement e in r.Array(o, "$", "tally", shape.Options).EnumerateArray())
        {
            string p = $"$.tally[{n++}]";
            JsonElement t = r.Object(e, p, "m", "d");
            tally.Add(new CommittedShare(r.P(t, p, "m"), r.Hash(t, p, "d")));
        }

        List<BallotNonceShare> nonces = [];
        n = 0;
        foreach (JsonElement e in r.Array(o, "$", "ballot_nonces", shape.ChallengedBallots).EnumerateArray())
        {
            string p = $"$.ballot_nonces[{n++}]";
            JsonElement t = r.Object(e, p, "id", "m");
            nonces.Add(new BallotNonceShare(r.Hash(t, p, "id"), r.P(t, p, "m")));
        }

        List<CommittedDataShare> data = [];
        if (shape.ContestData > 0 || JsonReading.Has(o, "contest_data"))
        {
            n = 0;
            foreach (JsonElement e in r.Array(o, "$", "contest_data", shape.ContestData).EnumerateArray())
            {
                string p = $"$.contest_data[{n++}]";
                JsonElement t = r.Object(e, p, "id", "index", "m", "d");
                data.Add(new CommittedDataShare(r.Hash(t, p, "id"), r.Int(t, p, "index", 1, parameters.Manifest.Contests.Count), r.P(t, p, "m"), r.Hash(t, p, "d")));
            }
        }

        return RecordFormat.CheckCanonical(file, bytes, new DecryptionCommit(i, guardians, tally, nonces, data) { Attempt = attempt }, WriteCommit);
    }

    /// <summary>The canonical bytes of a reveal.</summary>
    public static byte[] WriteReveal(DecryptionReveal reveal)
    {
        ArgumentNullException.ThrowIfNull(reveal);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", reveal.Index);
        WriteAttempt(w, reveal.Attempt);
        RecordFormat.WriteList(w, "a", reveal.A);
        RecordFormat.WriteList(w, "b", reveal.B);
        if (reveal.DataA.Count > 0 || reveal.DataB.Count > 0)
        {
            RecordFormat.WriteList(w, "data_a", reveal.DataA);
            RecordFormat.WriteList(w, "data_b", reveal.DataB);
        }

        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads a reveal strictly.</summary>
    public static DecryptionReveal ReadReveal(string file, byte[] bytes, ElectionParameters parameters, DecryptionRoundShape shape)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(parameters);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "i", "attempt", "a", "b", "data_a", "data_b");
        int i = r.Int(o, "$", "i", 1, parameters.GuardianCount);
        int attempt = ReadAttempt(r, o);
        bool data = shape.ContestData > 0 || JsonReading.Has(o, "data_a") || JsonReading.Has(o, "data_b");
        DecryptionReveal reveal = new(i, Elements(r, o, "a", shape.Options), Elements(r, o, "b", shape.Options),
            data ? Elements(r, o, "data_a", shape.ContestData) : [], data ? Elements(r, o, "data_b", shape.ContestData) : []) { Attempt = attempt };
        return RecordFormat.CheckCanonical(file, bytes, reveal, WriteReveal);
    }

    /// <summary>The canonical bytes of a response.</summary>
    public static byte[] WriteResponse(DecryptionResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", response.Index);
        WriteAttempt(w, response.Attempt);
        RecordFormat.WriteList(w, "v", response.V);
        if (response.DataV.Count > 0)
        {
            RecordFormat.WriteList(w, "data_v", response.DataV);
        }

        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads a response strictly.</summary>
    public static DecryptionResponse ReadResponse(string file, byte[] bytes, ElectionParameters parameters, DecryptionRoundShape shape)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(parameters);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "i", "attempt", "v", "data_v");
        int i = r.Int(o, "$", "i", 1, parameters.GuardianCount);
        int attempt = ReadAttempt(r, o);
        bool data = shape.ContestData > 0 || JsonReading.Has(o, "data_v");
        DecryptionResponse response = new(i, Scalars(r, o, "v", shape.Options), data ? Scalars(r, o, "data_v", shape.ContestData) : []) { Attempt = attempt };
        return RecordFormat.CheckCanonical(file, bytes, response, WriteResponse);
    }

    /// <summary>The canonical bytes of a contest-data request.</summary>
    public static byte[] WriteContestDataRequest(IReadOnlyList<RequestedContestData> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Name("ballots");
        w.StartArray();
        foreach (RequestedContestData ballot in request)
        {
            w.StartObject();
            w.PropertyHex("id", ballot.Ballot.Bytes);
            RecordFormat.WriteList(w, "contests", ballot.Contests);
            w.EndObject();
        }

        w.EndArray();
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>
    /// Reads a contest-data request strictly: at least one ballot, ids ascending and distinct, each with at least one
    /// contest index of the manifest, ascending and distinct. Whether each names a cast ballot's contest with contest
    /// data is the caller's check.
    /// </summary>
    public static IReadOnlyList<RequestedContestData> ReadContestDataRequest(string file, byte[] bytes, ElectionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(parameters);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "ballots");
        List<RequestedContestData> ballots = [];
        int n = 0;
        foreach (JsonElement e in r.Array(o, "$", "ballots", min: 1).EnumerateArray())
        {
            string p = $"$.ballots[{n++}]";
            JsonElement b = r.Object(e, p, "id", "contests");
            Hash256 id = r.Hash(b, p, "id");
            if (ballots.Count > 0 && string.CompareOrdinal(ballots[^1].Ballot.ToHex(), id.ToHex()) >= 0)
            {
                throw r.Error(p + ".id", "ballots must be listed once each, by ascending identifier");
            }

            List<int> contests = [];
            int j = 0;
            foreach (JsonElement c in r.Array(b, p, "contests", min: 1).EnumerateArray())
            {
                string cp = $"{p}.contests[{j++}]";
                int index = c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out int x) ? x : 0;
                if (index < 1 || index > parameters.Manifest.Contests.Count || (contests.Count > 0 && index <= contests[^1]))
                {
                    throw r.Error(cp, $"a contest index of the manifest (1..{parameters.Manifest.Contests.Count}), listed once, in ascending order, is required");
                }

                contests.Add(index);
            }

            ballots.Add(new RequestedContestData(id, contests));
        }

        return RecordFormat.CheckCanonical(file, bytes, (IReadOnlyList<RequestedContestData>)ballots, WriteContestDataRequest);
    }

    /// <summary>The largest attempt number a round or an abandonment may name.</summary>
    public const int MaxAttempt = 1000;

    /// <summary>The canonical bytes of an abandonment.</summary>
    public static byte[] WriteAbandonment(DecryptionAbandonment abandonment)
    {
        ArgumentNullException.ThrowIfNull(abandonment);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("attempt", abandonment.Attempt);
        w.Property("guardian", abandonment.Guardian);
        w.Property("step", abandonment.Step);
        w.Property("reason", abandonment.Reason);
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>
    /// Reads an abandonment strictly: attempt 1..<see cref="MaxAttempt"/>, a guardian index of the election, the step
    /// commit, reveal or response, and a reason of 1 to 500 characters without control characters.
    /// </summary>
    public static DecryptionAbandonment ReadAbandonment(string file, byte[] bytes, ElectionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(parameters);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "attempt", "guardian", "step", "reason");
        int attempt = r.Int(o, "$", "attempt", 1, MaxAttempt);
        int guardian = r.Int(o, "$", "guardian", 1, parameters.GuardianCount);
        string step = r.String(o, "$", "step");
        if (!DecryptionAbandonment.Steps.Contains(step))
        {
            throw r.Error("$.step", $"\"{step}\" is not a decryption step: commit, reveal or response");
        }

        string reason = r.String(o, "$", "reason");
        if (reason.Length is < 1 or > 500 || reason.Any(char.IsControl))
        {
            throw r.Error("$.reason", "a reason of 1 to 500 characters without control characters is required");
        }

        return RecordFormat.CheckCanonical(file, bytes, new DecryptionAbandonment(attempt, guardian, step, reason), WriteAbandonment);
    }

    private static void WriteAttempt(CanonicalJsonWriter w, int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        if (attempt > 1)
        {
            w.Property("attempt", attempt);
        }
    }

    /// <summary>The optional <c>attempt</c>: absent for attempt 1, which is never written (canonical form).</summary>
    private static int ReadAttempt(JsonReading r, JsonElement o) =>
        JsonReading.Has(o, "attempt") ? r.Int(o, "$", "attempt", 2, MaxAttempt) : 1;

    private static int[] Guardians(JsonReading r, JsonElement o, ElectionParameters parameters)
    {
        List<int> guardians = [];
        int n = 0;
        foreach (JsonElement e in r.Array(o, "$", "guardians", min: 1).EnumerateArray())
        {
            string p = $"$.guardians[{n++}]";
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int g) || g < 1 || g > parameters.GuardianCount)
            {
                throw r.Error(p, $"a guardian index 1..{parameters.GuardianCount} is required");
            }

            if (guardians.Count > 0 && g <= guardians[^1])
            {
                throw r.Error(p, "U lists each guardian once, in ascending order");
            }

            guardians.Add(g);
        }

        if (guardians.Count < parameters.Quorum)
        {
            throw r.Error("$.guardians", $"U = {{{string.Join(", ", guardians)}}} has {guardians.Count} guardian(s); decryption needs a quorum of k = {parameters.Quorum} of the n = {parameters.GuardianCount}");
        }

        return [.. guardians];
    }

    private static ElementModP[] Elements(JsonReading r, JsonElement o, string name, int count) =>
        [.. r.Array(o, "$", name, count).EnumerateArray().Select((e, n) => r.PValue(e, $"$.{name}[{n}]"))];

    private static ElementModQ[] Scalars(JsonReading r, JsonElement o, string name, int count) =>
        [.. r.Array(o, "$", name, count).EnumerateArray().Select((e, n) => r.QValue(e, $"$.{name}[{n}]"))];
}

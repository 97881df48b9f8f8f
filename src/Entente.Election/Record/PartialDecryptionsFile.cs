using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.KeyCeremony;

namespace Entente.Election.Record;

/// <summary>
/// <c>tally/partial_decryptions.json</c> (docs/record-format.md §4.12, revision 3 of format 1): for every option of
/// the decrypted tally, every guardian of U's part of the joint decryption (M_i, d_i, a_i, b_i, v_i). The joint proof
/// (c, v) of tally.json is the same whichever quorum decrypted (Σ_{i∈U} w_i z_i = s for every U), so it cannot show
/// who decrypted; these parts can: d_i hashes U (eq 88) and each part satisfies Note 3.7 only with its own guardian's
/// key share and U's Lagrange coefficients.
/// </summary>
public static class PartialDecryptionsFile
{
    /// <summary>The file's path in a record.</summary>
    public const string Path = "tally/partial_decryptions.json";

    /// <summary>Whether every option of <paramref name="tally"/> carries one part per guardian of U (what the file needs).</summary>
    public static bool HasShares(DecryptedTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        return tally.Contests.Count > 0 && tally.Contests.All(c => c.Options.All(o => o.Shares.Select(s => s.GuardianIndex).SequenceEqual(tally.Guardians)));
    }

    /// <summary>The file's canonical bytes: contests and options in tally order, parts in U's order.</summary>
    /// <exception cref="ArgumentException">An option does not carry one part per guardian of U.</exception>
    public static byte[] Write(DecryptedTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        if (!HasShares(tally))
        {
            throw new ArgumentException("every option needs one part per guardian of U, in U's order", nameof(tally));
        }

        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Name("contests");
        w.StartArray();
        foreach (DecryptedContest contest in tally.Contests)
        {
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Name("options");
            w.StartArray();
            foreach (DecryptedOption option in contest.Options)
            {
                w.StartObject();
                w.Property("index", option.OptionIndex);
                w.Name("shares");
                w.StartArray();
                foreach (PartialDecryptionShare share in option.Shares)
                {
                    w.StartObject();
                    w.Property("i", share.GuardianIndex);
                    w.PropertyHex("m", share.Share.Encode());
                    w.PropertyHex("d", share.Commitment.Bytes);
                    w.PropertyHex("a", share.A.Encode());
                    w.PropertyHex("b", share.B.Encode());
                    w.PropertyHex("v", share.Response.Encode());
                    w.EndObject();
                }

                w.EndArray();
                w.EndObject();
            }

            w.EndArray();
            w.EndObject();
        }

        w.EndArray();
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>
    /// Reads the file and returns <paramref name="tally"/> with each option's parts attached. Checks shape, ranges,
    /// group membership, canonical form and that the contests, options and guardians are the tally's; the equations are
    /// the verifier's (step 10).
    /// </summary>
    /// <exception cref="ElectionFormatException">The file is malformed or does not match the tally.</exception>
    public static DecryptedTally Read(string file, byte[] bytes, ElectionContext context, DecryptedTally tally)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tally);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        JsonElement o = r.Object(document.RootElement, "$", "contests");
        List<DecryptedContest> contests = [];
        int c = 0;
        foreach (JsonElement e in r.Array(o, "$", "contests", tally.Contests.Count).EnumerateArray())
        {
            DecryptedContest decrypted = tally.Contests[c];
            string path = $"$.contests[{c}]";
            JsonElement co = r.Object(e, path, "index", "options");
            r.Int(co, path, "index", decrypted.ContestIndex, decrypted.ContestIndex);
            List<DecryptedOption> options = [];
            int j = 0;
            foreach (JsonElement oe in r.Array(co, path, "options", decrypted.Options.Count).EnumerateArray())
            {
                DecryptedOption option = decrypted.Options[j];
                string op = $"{path}.options[{j}]";
                JsonElement oo = r.Object(oe, op, "index", "shares");
                r.Int(oo, op, "index", option.OptionIndex, option.OptionIndex);
                List<PartialDecryptionShare> shares = [];
                int g = 0;
                foreach (JsonElement se in r.Array(oo, op, "shares", tally.Guardians.Count).EnumerateArray())
                {
                    string sp = $"{op}.shares[{g}]";
                    JsonElement so = r.Object(se, sp, "i", "m", "d", "a", "b", "v");
                    int i = r.Int(so, sp, "i", tally.Guardians[g], tally.Guardians[g]);
                    shares.Add(new PartialDecryptionShare(i, r.P(so, sp, "m"), r.Hash(so, sp, "d"), r.P(so, sp, "a"), r.P(so, sp, "b"), r.Q(so, sp, "v")));
                    g++;
                }

                options.Add(option with { Shares = shares });
                j++;
            }

            contests.Add(new DecryptedContest(decrypted.ContestIndex, options));
            c++;
        }

        DecryptedTally result = tally with { Contests = contests };
        if (!Write(result).AsSpan().SequenceEqual(bytes))
        {
            throw new ElectionFormatException(file, "$", "the file is not in canonical form (docs/record-format.md §2)");
        }

        return result;
    }
}

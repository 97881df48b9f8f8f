using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Record;

namespace Entente.Election.PreEncryption;

/// <summary>
/// The record's pre-encryption additions (docs/record-format.md revision 4): the <c>pre_encryption</c> member of a cast
/// ballot (§4.7) and the file <c>uncast/&lt;id_B&gt;.json</c> of an uncast pre-encrypted ballot (§4.13), written
/// canonically and read strictly (a file whose rewrite differs, such as a label that is not the manifest's, is refused).
/// </summary>
public static class PreEncryptionFormat
{
    /// <summary>The record folder of uncast pre-encrypted ballots.</summary>
    public const string UncastFolder = "uncast";

    internal static void WriteCastPart(CanonicalJsonWriter w, PreEncryptionRecord pre)
    {
        w.Name("pre_encryption");
        w.StartObject();
        w.Property("short_code_format", pre.ShortCodes.Name);
        w.Property("s_device", pre.DeviceInformation);
        w.PropertyHex("h_di", pre.DeviceHash.Bytes);
        w.Name("contests");
        w.StartArray();
        foreach (PreEncryptedCastContest contest in pre.Contests)
        {
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Name("selection_hashes");
            w.StartArray();
            foreach (Hash256 hash in contest.SelectionHashes)
            {
                w.Hex(hash.Bytes);
            }

            w.EndArray();
            w.Name("selected");
            w.StartArray();
            foreach (PreEncryptedSelectedVector selected in contest.Selected)
            {
                w.StartObject();
                w.Property("short_code", selected.ShortCode);
                w.Name("vector");
                w.StartArray();
                foreach (ElGamalCiphertext e in selected.Vector)
                {
                    w.StartObject();
                    w.PropertyHex("alpha", e.Alpha.Encode());
                    w.PropertyHex("beta", e.Beta.Encode());
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
    }

    internal static PreEncryptionRecord ReadCastPart(JsonReading r, JsonElement ballot, ElectionManifest manifest, IReadOnlyList<int> contestIndices)
    {
        const string path = "$.pre_encryption";
        JsonElement o = r.Object(r.Member(ballot, "$", "pre_encryption"), path, "short_code_format", "s_device", "h_di", "contests");
        string format = r.String(o, path, "short_code_format");
        if (!ShortCodeFormat.TryParse(format, out ShortCodeFormat? shortCodes))
        {
            throw r.Error(path + ".short_code_format", $"\"{format}\" is not a known hash-trimming function Ω");
        }

        List<PreEncryptedCastContest> contests = [];
        int c = 0;
        foreach (JsonElement e in r.Array(o, path, "contests", contestIndices.Count).EnumerateArray())
        {
            string cp = $"{path}.contests[{c}]";
            JsonElement co = r.Object(e, cp, "index", "selection_hashes", "selected");
            int index = r.Int(co, cp, "index", contestIndices[c], contestIndices[c]);
            Contest definition = manifest.Contests[index - 1];
            int m = definition.Options.Count;
            List<Hash256> hashes = [.. r.Array(co, cp, "selection_hashes", m + definition.SelectionLimit).EnumerateArray().Select((h, j) => r.HashValue(h, $"{cp}.selection_hashes[{j}]"))];
            List<PreEncryptedSelectedVector> selected = [];
            int s = 0;
            foreach (JsonElement se in r.Array(co, cp, "selected", definition.SelectionLimit).EnumerateArray())
            {
                string sp = $"{cp}.selected[{s++}]";
                JsonElement so = r.Object(se, sp, "short_code", "vector");
                List<ElGamalCiphertext> vector = [];
                int k = 0;
                foreach (JsonElement ve in r.Array(so, sp, "vector", m).EnumerateArray())
                {
                    string vp = $"{sp}.vector[{k++}]";
                    JsonElement vo = r.Object(ve, vp, "alpha", "beta");
                    vector.Add(new ElGamalCiphertext(r.P(vo, vp, "alpha"), r.P(vo, vp, "beta")));
                }

                selected.Add(new PreEncryptedSelectedVector(r.String(so, sp, "short_code"), vector));
            }

            contests.Add(new PreEncryptedCastContest(index, hashes, selected));
            c++;
        }

        return new PreEncryptionRecord(shortCodes, r.String(o, path, "s_device"), r.Hash(o, path, "h_di"), contests);
    }

    /// <summary>
    /// A printable pre-encrypted ballot (docs/record-format.md §5.3, not a record file): id_B, H_I, style, tool, Ω, the
    /// encrypted ballot nonce, per contest each vector's index, option label (absent for null vectors), short code and ψ,
    /// χ, B_C and H_C. The vectors are not written: the recording tool rebuilds them from ξ_B.
    /// </summary>
    public static byte[] WritePrinted(PreEncryptedBallot ballot, ElectionManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(ballot);
        ArgumentNullException.ThrowIfNull(manifest);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.PropertyHex("id", ballot.Id.Bytes);
        w.PropertyHex("h_i", ballot.IdentifierHash.Bytes);
        w.Property("style", ballot.StyleIndex);
        w.Property("device", ballot.Device);
        w.Property("s_device", ballot.DeviceInformation);
        w.Property("short_code_format", ballot.ShortCodes.Name);
        w.Name("ballot_nonce");
        w.StartObject();
        w.PropertyHex("c0", ballot.BallotNonce.C0.Encode());
        w.PropertyHex("c1", ballot.BallotNonce.C1);
        w.PropertyHex("c", ballot.BallotNonce.C2.Challenge.Encode());
        w.PropertyHex("v", ballot.BallotNonce.C2.Response.Encode());
        w.EndObject();
        w.Name("contests");
        w.StartArray();
        foreach (PreEncryptedContest contest in ballot.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Property("label", definition.Label);
            w.Name("selections");
            w.StartArray();
            foreach (PreEncryptedSelection selection in contest.Selections)
            {
                w.StartObject();
                w.Property("index", selection.SelectionIndex);
                if (selection.OptionIndex is int option)
                {
                    w.Property("label", definition.Options[option - 1].Label);
                }

                w.Property("short_code", selection.ShortCode);
                w.PropertyHex("selection_hash", selection.SelectionHash.Bytes);
                w.EndObject();
            }

            w.EndArray();
            w.PropertyHex("contest_hash", contest.ContestHash.Bytes);
            w.EndObject();
        }

        w.EndArray();
        w.PropertyHex("chaining_field", ballot.ChainingField);
        w.PropertyHex("confirmation_code", ballot.ConfirmationCode.Bytes);
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads a printable ballot strictly (its vectors are empty: the recorder rebuilds them from ξ_B and compares).</summary>
    public static PreEncryptedBallot ReadPrinted(string file, byte[] bytes, ElectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        ElectionManifest manifest = context.Parameters.Manifest;
        JsonElement o = r.Object(document.RootElement, "$", "id", "h_i", "style", "device", "s_device", "short_code_format", "ballot_nonce", "contests", "chaining_field", "confirmation_code");
        int style = r.Int(o, "$", "style", 1, manifest.BallotStyles.Count);
        int[] contestIndices = [.. manifest.BallotStyles[style - 1].ContestIndices.Order()];
        string format = r.String(o, "$", "short_code_format");
        if (!ShortCodeFormat.TryParse(format, out ShortCodeFormat? shortCodes))
        {
            throw r.Error("$.short_code_format", $"\"{format}\" is not a known hash-trimming function Ω");
        }

        JsonElement n = r.Object(r.Member(o, "$", "ballot_nonce"), "$.ballot_nonce", "c0", "c1", "c", "v");
        HashedElGamalCiphertext nonce = new(r.P(n, "$.ballot_nonce", "c0"), r.Bytes(n, "$.ballot_nonce", "c1", 32), new SchnorrProof(r.Q(n, "$.ballot_nonce", "c"), r.Q(n, "$.ballot_nonce", "v")));
        List<PreEncryptedContest> contests = [];
        int c = 0;
        foreach (JsonElement e in r.Array(o, "$", "contests", contestIndices.Length).EnumerateArray())
        {
            string cp = $"$.contests[{c}]";
            JsonElement co = r.Object(e, cp, "index", "label", "selections", "contest_hash");
            int index = r.Int(co, cp, "index", contestIndices[c], contestIndices[c]);
            Contest definition = manifest.Contests[index - 1];
            int m = definition.Options.Count;
            List<PreEncryptedSelection> selections = [];
            int j = 0;
            foreach (JsonElement se in r.Array(co, cp, "selections", m + definition.SelectionLimit).EnumerateArray())
            {
                string sp = $"{cp}.selections[{j}]";
                JsonElement so = r.Object(se, sp, "index", "label", "short_code", "selection_hash");
                r.Int(so, sp, "index", j + 1, j + 1);
                selections.Add(new PreEncryptedSelection(j + 1, j < m ? j + 1 : null, [], r.Hash(so, sp, "selection_hash"), r.String(so, sp, "short_code")));
                j++;
            }

            contests.Add(new PreEncryptedContest(index, selections, r.Hash(co, cp, "contest_hash")));
            c++;
        }

        PreEncryptedBallot ballot = new(r.Hash(o, "$", "id"), r.Hash(o, "$", "h_i"), style, r.String(o, "$", "device"), r.String(o, "$", "s_device"), shortCodes, nonce,
            contests, r.Bytes(o, "$", "chaining_field", ConfirmationCodes.ChainingFieldBytes), r.Hash(o, "$", "confirmation_code"));
        return RecordFormat.CheckCanonical(file, bytes, ballot, x => WritePrinted(x, manifest));
    }

    /// <summary>uncast/&lt;id_B&gt;.json (§4.13): an opened uncast pre-encrypted ballot.</summary>
    public static byte[] WriteUncast(UncastBallot ballot, ElectionManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(ballot);
        ArgumentNullException.ThrowIfNull(manifest);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.PropertyHex("id", ballot.Id.Bytes);
        w.PropertyHex("h_i", ballot.IdentifierHash.Bytes);
        w.Property("style", ballot.StyleIndex);
        w.Property("device", ballot.Device);
        w.Property("s_device", ballot.DeviceInformation);
        w.PropertyHex("h_di", ballot.DeviceHash.Bytes);
        w.Property("short_code_format", ballot.ShortCodes.Name);
        w.Name("contests");
        w.StartArray();
        foreach (OpenedPreEncryptedContest contest in ballot.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Property("label", definition.Label);
            w.Name("selections");
            w.StartArray();
            foreach (OpenedPreEncryptedSelection selection in contest.Selections)
            {
                w.StartObject();
                w.Property("index", selection.SelectionIndex);
                if (selection.OptionIndex is int option)
                {
                    w.Property("label", definition.Options[option - 1].Label);
                }

                w.Property("short_code", selection.ShortCode);
                w.PropertyHex("selection_hash", selection.SelectionHash.Bytes);
                RecordFormat.WriteList(w, "nonces", selection.Nonces);
                w.EndObject();
            }

            w.EndArray();
            w.PropertyHex("contest_hash", contest.ContestHash.Bytes);
            w.EndObject();
        }

        w.EndArray();
        w.PropertyHex("chaining_field", ballot.ChainingField);
        w.PropertyHex("confirmation_code", ballot.ConfirmationCode.Bytes);
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads an uncast ballot strictly against <paramref name="context"/>; nothing is checked but shape, ranges and canonical form (<see cref="PreEncryptionCheck.CheckUncast"/> checks the rest).</summary>
    /// <exception cref="ElectionFormatException">The file is malformed, names a contest or option the style does not have, or is not canonical.</exception>
    public static UncastBallot ReadUncast(string file, byte[] bytes, ElectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        ElectionManifest manifest = context.Parameters.Manifest;
        JsonElement o = r.Object(document.RootElement, "$", "id", "h_i", "style", "device", "s_device", "h_di", "short_code_format", "contests", "chaining_field", "confirmation_code");
        int style = r.Int(o, "$", "style", 1, manifest.BallotStyles.Count);
        int[] contestIndices = [.. manifest.BallotStyles[style - 1].ContestIndices.Order()];
        string format = r.String(o, "$", "short_code_format");
        if (!ShortCodeFormat.TryParse(format, out ShortCodeFormat? shortCodes))
        {
            throw r.Error("$.short_code_format", $"\"{format}\" is not a known hash-trimming function Ω");
        }

        List<OpenedPreEncryptedContest> contests = [];
        int c = 0;
        foreach (JsonElement e in r.Array(o, "$", "contests", contestIndices.Length).EnumerateArray())
        {
            string cp = $"$.contests[{c}]";
            JsonElement co = r.Object(e, cp, "index", "label", "selections", "contest_hash");
            int index = r.Int(co, cp, "index", contestIndices[c], contestIndices[c]);
            Contest definition = manifest.Contests[index - 1];
            int m = definition.Options.Count;
            List<OpenedPreEncryptedSelection> selections = [];
            int j = 0;
            foreach (JsonElement se in r.Array(co, cp, "selections", m + definition.SelectionLimit).EnumerateArray())
            {
                string sp = $"{cp}.selections[{j}]";
                JsonElement so = r.Object(se, sp, "index", "label", "short_code", "selection_hash", "nonces");
                r.Int(so, sp, "index", j + 1, j + 1);
                List<ElementModQ> nonces = [.. r.Array(so, sp, "nonces", m).EnumerateArray().Select((n, k) => r.QValue(n, $"{sp}.nonces[{k}]"))];
                selections.Add(new OpenedPreEncryptedSelection(j + 1, j < m ? j + 1 : null, r.String(so, sp, "short_code"), r.Hash(so, sp, "selection_hash"), nonces));
                j++;
            }

            contests.Add(new OpenedPreEncryptedContest(index, selections, r.Hash(co, cp, "contest_hash")));
            c++;
        }

        UncastBallot ballot = new(r.Hash(o, "$", "id"), r.Hash(o, "$", "h_i"), style, r.String(o, "$", "device"), r.String(o, "$", "s_device"), r.Hash(o, "$", "h_di"),
            shortCodes, contests, r.Bytes(o, "$", "chaining_field", ConfirmationCodes.ChainingFieldBytes), r.Hash(o, "$", "confirmation_code"));
        return RecordFormat.CheckCanonical(file, bytes, ballot, x => WriteUncast(x, manifest));
    }
}

using System.Globalization;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Tally;

namespace Entente.Election.Record;

/// <summary>
/// The election record format (docs/record-format.md), public so that any tool can read and write it:
/// the canonical JSON of every record file (§4) and ceremony message (§5), and the strict readers. A
/// reader writes what it read again and refuses the file unless the bytes are identical, so only the one
/// canonical form is accepted and reading then writing round-trips byte for byte. Every reader throws
/// <see cref="ElectionFormatException"/> naming the file and the JSON path of the problem; none checks
/// proofs (that is <see cref="RecordSelfCheck"/>'s and the verifier's work).
/// </summary>
public static class RecordFormat
{
    /// <summary>The format identifier of this record format (docs/record-format.md §1); readers refuse any other.</summary>
    public const string Format = "entente-eg-record/1";
    /// <summary>The ElectionGuard specification version the record follows.</summary>
    public const string SpecVersion = "2.1.0";

    // ------------------------------------------------------------------ parameters.json
    /// <summary>parameters.json (§4.3): the canonical bytes of <paramref name="parameters"/>.</summary>
    public static byte[] WriteParameters(ElectionParameters parameters)
    {
        CanonicalJsonWriter w = new();
        Group group = parameters.Group;
        w.StartObject();
        w.Property("spec_version", SpecVersion);
        w.Property("group", group.Name);
        w.PropertyHex("p", Fixed(group.P, group.PByteLength));
        w.PropertyHex("q", Fixed(group.Q, group.QByteLength));
        w.PropertyHex("g", Fixed(group.G, group.PByteLength));
        w.Property("n", parameters.GuardianCount);
        w.Property("k", parameters.Quorum);
        w.PropertyHex("h_p", parameters.ParameterBaseHash.Bytes);
        w.PropertyHex("h_b", parameters.ElectionBaseHash.Bytes);
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads parameters.json strictly against <paramref name="manifest"/> (H_B must match); throws <see cref="ElectionFormatException"/> naming <paramref name="file"/> and the field.</summary>
    public static ElectionParameters ReadParameters(string file, byte[] bytes, ElectionManifest manifest)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, null);
        JsonElement o = r.Object(document.RootElement, "$", "spec_version", "group", "p", "q", "g", "n", "k", "h_p", "h_b");
        if (r.String(o, "$", "spec_version") != SpecVersion)
        {
            throw r.Error("$.spec_version", $"only \"{SpecVersion}\" is supported (Verification 1.A)");
        }

        string name = r.String(o, "$", "group");
        if (!Group.TryGetByName(name, out Group? group) || group.Name != name)
        {
            throw r.Error("$.group", $"unknown group \"{name}\"");
        }

        ElectionParameters parameters;
        try
        {
            parameters = ElectionParameters.Create(group, manifest, r.Int(o, "$", "n", 1, ElectionParameters.MaxGuardians), r.Int(o, "$", "k", 1, ElectionParameters.MaxGuardians));
        }
        catch (ElectionFormatException ex)
        {
            throw r.Error("$." + ex.Location, ex.Problem);
        }

        foreach ((string member, byte[] expected) in new[] { ("p", Fixed(group.P, group.PByteLength)), ("q", Fixed(group.Q, group.QByteLength)), ("g", Fixed(group.G, group.PByteLength)) })
        {
            if (!r.Bytes(o, "$", member, expected.Length).AsSpan().SequenceEqual(expected))
            {
                throw r.Error("$." + member, $"{member} is not the {group.Name} group's (Verification 1.B–1.D)");
            }
        }

        if (!r.Hash(o, "$", "h_p").Equals(parameters.ParameterBaseHash))
        {
            throw r.Error("$.h_p", "H_P does not match p, q, g, n, k (Verification 1.E)");
        }

        if (!r.Hash(o, "$", "h_b").Equals(parameters.ElectionBaseHash))
        {
            throw r.Error("$.h_b", "H_B does not match the manifest (Verification 1.F); the files come from different elections");
        }

        return CheckCanonical(file, bytes, parameters, WriteParameters);
    }

    // ------------------------------------------------------------------ guardians/guardian-<i>.json
    /// <summary>guardians/guardian-&lt;i&gt;.json (§4.4): a guardian's public keys and proofs.</summary>
    public static byte[] WriteGuardian(GuardianPublicKey guardian)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", guardian.Index);
        w.Property("name", guardian.Name);
        WriteList(w, "vote_commitments", guardian.VoteCommitments);
        WriteList(w, "data_commitments", guardian.DataCommitments);
        w.PropertyHex("communication_key", guardian.CommunicationKey.Encode());
        WriteKeyProof(w, "vote_proof", guardian.VoteProof);
        WriteKeyProof(w, "data_proof", guardian.DataProof);
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads a guardian's public key file strictly; the proofs are parsed, not checked (Verification 2 checks them).</summary>
    public static GuardianPublicKey ReadGuardian(string file, byte[] bytes, ElectionParameters parameters)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "i", "name", "vote_commitments", "data_commitments", "communication_key", "vote_proof", "data_proof");
        int k = parameters.Quorum;
        int index = r.Int(o, "$", "i", 1, parameters.GuardianCount);
        GuardianPublicKey key = new(
            index,
            r.String(o, "$", "name"),
            [.. r.Array(o, "$", "vote_commitments", k).EnumerateArray().Select((e, j) => r.PValue(e, $"$.vote_commitments[{j}]"))],
            [.. r.Array(o, "$", "data_commitments", k).EnumerateArray().Select((e, j) => r.PValue(e, $"$.data_commitments[{j}]"))],
            r.P(o, "$", "communication_key"),
            ReadKeyProof(r, o, "vote_proof", k),
            ReadKeyProof(r, o, "data_proof", k));
        return CheckCanonical(file, bytes, key, WriteGuardian);
    }

    private static void WriteKeyProof(CanonicalJsonWriter w, string name, GuardianKeyProof proof)
    {
        w.Name(name);
        w.StartObject();
        w.PropertyHex("c", proof.Challenge.Encode());
        WriteList(w, "v", proof.Responses);
        w.EndObject();
    }

    private static GuardianKeyProof ReadKeyProof(JsonReading r, JsonElement o, string name, int k)
    {
        string path = "$." + name;
        JsonElement proof = r.Object(r.Member(o, "$", name), path, "c", "v");
        return new GuardianKeyProof(r.Q(proof, path, "c"), [.. r.Array(proof, path, "v", k + 1).EnumerateArray().Select((e, j) => r.QValue(e, $"{path}.v[{j}]"))]);
    }

    // ------------------------------------------------------------------ election.json
    /// <summary>election.json (§4.5): the joint keys K and K̂, H_G and H_E.</summary>
    public static byte[] WriteElection(ElectionContext context)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.PropertyHex("k_vote", context.VoteKey.Key.Encode());
        w.PropertyHex("k_data", context.DataKey.Key.Encode());
        w.PropertyHex("h_g", context.GuardianRecordHash.Bytes);
        w.PropertyHex("h_e", context.ExtendedBaseHash.Bytes);
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Checks that <paramref name="bytes"/> are exactly the election.json of <paramref name="context"/>; throws <see cref="ElectionFormatException"/> naming the first difference.</summary>
    public static void CheckElection(string file, byte[] bytes, ElectionContext context)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        JsonElement o = r.Object(document.RootElement, "$", "k_vote", "k_data", "h_g", "h_e");
        if (!r.P(o, "$", "k_vote").Equals(context.VoteKey.Key))
        {
            throw r.Error("$.k_vote", "K is not the product of the guardians' K_i (Verification 3.A)");
        }

        if (!r.P(o, "$", "k_data").Equals(context.DataKey.Key))
        {
            throw r.Error("$.k_data", "K̂ is not the product of the guardians' K̂_i (Verification 3.B)");
        }

        if (!r.Hash(o, "$", "h_g").Equals(context.GuardianRecordHash))
        {
            throw r.Error("$.h_g", "H_G does not match the guardians' keys (eq 27)");
        }

        if (!r.Hash(o, "$", "h_e").Equals(context.ExtendedBaseHash))
        {
            throw r.Error("$.h_e", "H_E does not match (Verification 4.A)");
        }

        CheckCanonical(file, bytes, context, WriteElection);
    }

    // ------------------------------------------------------------------ devices/<device>.json
    /// <summary>devices/&lt;device&gt;.json (§4.6): a device's ballots in order and its closing hash.</summary>
    public static byte[] WriteDevice(DeviceRecord device)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("device", device.Device);
        w.Property("s_device", device.DeviceInformation);
        w.PropertyHex("h_di", device.DeviceHash.Bytes);
        w.Property("chaining_mode", device.ChainingMode == ChainingMode.None ? "none" : "simple");
        w.Name("ballots");
        w.StartArray();
        foreach (Hash256 id in device.Ballots)
        {
            w.Hex(id.Bytes);
        }

        w.EndArray();
        if (device.ClosingHash is { } closing)
        {
            w.PropertyHex("closing_hash", closing.Bytes);
        }

        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads a device record strictly.</summary>
    public static DeviceRecord ReadDevice(string file, byte[] bytes)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, null);
        JsonElement o = r.Object(document.RootElement, "$", "device", "s_device", "h_di", "chaining_mode", "ballots", "closing_hash");
        string mode = r.String(o, "$", "chaining_mode");
        ChainingMode chaining = mode switch
        {
            "none" => ChainingMode.None,
            "simple" => ChainingMode.Simple,
            _ => throw r.Error("$.chaining_mode", $"unknown chaining mode \"{mode}\""),
        };
        DeviceRecord device = new(
            r.String(o, "$", "device"),
            r.String(o, "$", "s_device"),
            r.Hash(o, "$", "h_di"),
            chaining,
            [.. r.Array(o, "$", "ballots").EnumerateArray().Select((e, j) => r.HashValue(e, $"$.ballots[{j}]"))],
            JsonReading.Has(o, "closing_hash") ? r.Hash(o, "$", "closing_hash") : null);
        return CheckCanonical(file, bytes, device, WriteDevice);
    }

    // ------------------------------------------------------------------ ballots/<id>.json
    /// <summary>ballots/&lt;id&gt;.json (§4.7): an encrypted ballot with its proofs and confirmation code.</summary>
    public static byte[] WriteBallot(EncryptedBallot ballot)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.PropertyHex("id", ballot.Id.Bytes);
        w.PropertyHex("h_i", ballot.IdentifierHash.Bytes);
        w.Property("style", ballot.StyleIndex);
        w.Property("device", ballot.Device);
        w.Property("timestamp", ballot.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        if (ballot.Weight != 1)
        {
            w.Property("weight", ballot.Weight);
        }

        w.Property("state", ballot.State == BallotState.Cast ? "cast" : "challenged");
        WriteHashed(w, "ballot_nonce", ballot.BallotNonce);
        w.Name("contests");
        w.StartArray();
        foreach (EncryptedContest contest in ballot.Contests)
        {
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Name("selections");
            w.StartArray();
            foreach (EncryptedSelection selection in contest.Selections)
            {
                w.StartObject();
                w.PropertyHex("alpha", selection.Ciphertext.Alpha.Encode());
                w.PropertyHex("beta", selection.Ciphertext.Beta.Encode());
                WriteRangeProof(w, "proof", selection.Proof);
                w.EndObject();
            }

            w.EndArray();
            WriteRangeProof(w, "limit_proof", contest.LimitProof);
            if (contest.ContestData is { } data)
            {
                WriteHashed(w, "contest_data", data);
            }

            w.PropertyHex("contest_hash", contest.ContestHash.Bytes);
            w.EndObject();
        }

        w.EndArray();
        w.PropertyHex("chaining_field", ballot.ChainingField);
        w.PropertyHex("confirmation_code", ballot.ConfirmationCode.Bytes);
        if (ballot.PreEncryption is { } pre)
        {
            PreEncryption.PreEncryptionFormat.WriteCastPart(w, pre);
        }

        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads an encrypted ballot strictly against <paramref name="context"/> (sizes, ranges, canonical form); proofs are parsed, not checked (<see cref="RecordSelfCheck.CheckBallot"/> checks them).</summary>
    public static EncryptedBallot ReadBallot(string file, byte[] bytes, ElectionContext context)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        r.CheckElementsTogether(document.RootElement);
        ElectionManifest manifest = context.Parameters.Manifest;
        JsonElement o = r.Object(document.RootElement, "$", "id", "h_i", "style", "device", "timestamp", "weight", "state", "ballot_nonce", "contests", "chaining_field", "confirmation_code", "pre_encryption");
        int style = r.Int(o, "$", "style", 1, manifest.BallotStyles.Count);
        int[] contestIndices = [.. manifest.BallotStyles[style - 1].ContestIndices.Order()];
        bool preEncrypted = JsonReading.Has(o, "pre_encryption");
        JsonElement contestsArray = r.Array(o, "$", "contests", contestIndices.Length);
        List<EncryptedContest> contests = [];
        int position = 0;
        foreach (JsonElement element in contestsArray.EnumerateArray())
        {
            string path = $"$.contests[{position}]";
            JsonElement c = r.Object(element, path, "index", "selections", "limit_proof", "contest_data", "contest_hash");
            int index = r.Int(c, path, "index", 1, manifest.Contests.Count);
            if (index != contestIndices[position])
            {
                throw r.Error(path + ".index", $"contest {index} is not expected here; ballot style {style} lists contests {string.Join(", ", contestIndices)} in increasing order");
            }

            Contest definition = manifest.Contests[index - 1];
            List<EncryptedSelection> selections = [];
            int j = 0;
            foreach (JsonElement s in r.Array(c, path, "selections", definition.Options.Count).EnumerateArray())
            {
                string sp = $"{path}.selections[{j}]";
                JsonElement so = r.Object(s, sp, "alpha", "beta", "proof");
                ElGamalCiphertext ciphertext = new(r.P(so, sp, "alpha"), r.P(so, sp, "beta"));
                selections.Add(new EncryptedSelection(j + 1, ciphertext, ReadRangeProof(r, so, sp, "proof", definition.Options[j].SelectionLimit)));
                j++;
            }

            RangeProof limit = ReadRangeProof(r, c, path, "limit_proof", definition.SelectionLimit);
            HashedElGamalCiphertext? data = null;
            if (definition.ContestDataBlocks > 0 && !preEncrypted)
            {
                data = ReadHashed(r, c, path, "contest_data", 32 * definition.ContestDataBlocks);
            }
            else if (JsonReading.Has(c, "contest_data"))
            {
                throw r.Error(path + ".contest_data", preEncrypted
                    ? "a ballot recorded from a pre-encrypted ballot has no contest data (spec 2.1 §4.5)"
                    : $"contest {index} has no contest data in the manifest");
            }

            contests.Add(new EncryptedContest(index, selections, limit, data, r.Hash(c, path, "contest_hash")));
            position++;
        }

        string timestamp = r.String(o, "$", "timestamp");
        if (!DateTimeOffset.TryParseExact(timestamp, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time))
        {
            throw r.Error("$.timestamp", "a time YYYY-MM-DDThh:mm:ssZ is required");
        }

        string state = r.String(o, "$", "state");
        EncryptedBallot ballot = new(
            r.Hash(o, "$", "id"),
            r.Hash(o, "$", "h_i"),
            style,
            r.String(o, "$", "device"),
            time,
            JsonReading.Has(o, "weight") ? r.Int(o, "$", "weight", 1, manifest.MaxBallotWeight) : 1,
            state switch
            {
                "cast" => BallotState.Cast,
                "challenged" => BallotState.Challenged,
                _ => throw r.Error("$.state", "\"cast\" or \"challenged\" is required"),
            },
            ReadHashed(r, o, "$", "ballot_nonce", 32),
            contests,
            r.Bytes(o, "$", "chaining_field", ConfirmationCodes.ChainingFieldBytes),
            r.Hash(o, "$", "confirmation_code"))
        {
            PreEncryption = preEncrypted ? PreEncryption.PreEncryptionFormat.ReadCastPart(r, o, manifest, contestIndices) : null,
        };
        if (ballot.PreEncryption is not null && (ballot.State != BallotState.Cast || ballot.Weight != 1))
        {
            throw r.Error("$.state", "a ballot recorded from a pre-encrypted ballot is cast with weight 1; an uncast one is published in uncast/ (§4.13)");
        }

        if (!ElectionHashes.SelectionIdentifierHash(context.Group, context.ExtendedBaseHash, ballot.Id).Equals(ballot.IdentifierHash))
        {
            throw r.Error("$.h_i", "H_I is not H(H_E; 0x20, id_B) for this election: the ballot belongs to another election or was altered (Verification 5.B)");
        }

        return CheckCanonical(file, bytes, ballot, WriteBallot);
    }

    private static void WriteHashed(CanonicalJsonWriter w, string name, HashedElGamalCiphertext ciphertext)
    {
        w.Name(name);
        w.StartObject();
        w.PropertyHex("c0", ciphertext.C0.Encode());
        w.PropertyHex("c1", ciphertext.C1);
        w.PropertyHex("c", ciphertext.C2.Challenge.Encode());
        w.PropertyHex("v", ciphertext.C2.Response.Encode());
        w.EndObject();
    }

    private static HashedElGamalCiphertext ReadHashed(JsonReading r, JsonElement parent, string parentPath, string name, int length)
    {
        string path = $"{parentPath}.{name}";
        JsonElement o = r.Object(r.Member(parent, parentPath, name), path, "c0", "c1", "c", "v");
        return new HashedElGamalCiphertext(r.P(o, path, "c0"), r.Bytes(o, path, "c1", length), new SchnorrProof(r.Q(o, path, "c"), r.Q(o, path, "v")));
    }

    private static void WriteRangeProof(CanonicalJsonWriter w, string name, RangeProof proof)
    {
        w.Name(name);
        w.StartArray();
        for (int j = 0; j < proof.Challenges.Count; j++)
        {
            w.StartObject();
            w.PropertyHex("c", proof.Challenges[j].Encode());
            w.PropertyHex("v", proof.Responses[j].Encode());
            w.EndObject();
        }

        w.EndArray();
    }

    private static RangeProof ReadRangeProof(JsonReading r, JsonElement parent, string parentPath, string name, int limit)
    {
        string path = $"{parentPath}.{name}";
        List<ElementModQ> c = [];
        List<ElementModQ> v = [];
        int j = 0;
        foreach (JsonElement e in r.Array(parent, parentPath, name, limit + 1).EnumerateArray())
        {
            string p = $"{path}[{j++}]";
            JsonElement o = r.Object(e, p, "c", "v");
            c.Add(r.Q(o, p, "c"));
            v.Add(r.Q(o, p, "v"));
        }

        return new RangeProof(c, v);
    }

    // ------------------------------------------------------------------ tally/encrypted_tally.json
    /// <summary>tally/encrypted_tally.json (§4.8): the homomorphic aggregate of the cast ballots.</summary>
    public static byte[] WriteEncryptedTally(EncryptedTally tally)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Name("contests");
        w.StartArray();
        foreach (EncryptedContestTally contest in tally.Contests)
        {
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Name("options");
            w.StartArray();
            foreach (EncryptedOptionTally option in contest.Options)
            {
                w.StartObject();
                w.Property("index", option.OptionIndex);
                w.PropertyHex("alpha", option.Ciphertext.Alpha.Encode());
                w.PropertyHex("beta", option.Ciphertext.Beta.Encode());
                w.EndObject();
            }

            w.EndArray();
            w.EndObject();
        }

        w.EndArray();
        if (tally.Ballots is { } ballots)
        {
            w.Name("ballots");
            w.StartArray();
            foreach (Hash256 id in ballots)
            {
                w.Hex(id.Bytes);
            }

            w.EndArray();
        }
        else
        {
            // Revision 8: past EncryptedTally.MaxListedBallots, the number of the ballots and the SHA-256 of their list.
            w.Property("ballot_count", tally.BallotCount);
            w.PropertyHex("ballots_sha256", tally.BallotsSha256.Bytes);
        }

        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads the encrypted tally strictly; <paramref name="totalWeight"/> is the cast ballots' total weight it must state.</summary>
    public static EncryptedTally ReadEncryptedTally(string file, byte[] bytes, ElectionContext context, long totalWeight)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        r.CheckElementsTogether(document.RootElement);
        ElectionManifest manifest = context.Parameters.Manifest;
        JsonElement o = r.Object(document.RootElement, "$", "contests", "ballots", "ballot_count", "ballots_sha256");
        List<EncryptedContestTally> contests = [];
        int c = 0;
        foreach (JsonElement e in r.Array(o, "$", "contests", manifest.Contests.Count).EnumerateArray())
        {
            string path = $"$.contests[{c}]";
            JsonElement co = r.Object(e, path, "index", "options");
            r.Int(co, path, "index", c + 1, c + 1);
            List<EncryptedOptionTally> options = [];
            int j = 0;
            foreach (JsonElement oe in r.Array(co, path, "options", manifest.Contests[c].Options.Count).EnumerateArray())
            {
                string op = $"{path}.options[{j}]";
                JsonElement oo = r.Object(oe, op, "index", "alpha", "beta");
                r.Int(oo, op, "index", j + 1, j + 1);
                options.Add(new EncryptedOptionTally(j + 1, new ElGamalCiphertext(r.P(oo, op, "alpha"), r.P(oo, op, "beta"))));
                j++;
            }

            contests.Add(new EncryptedContestTally(c + 1, options));
            c++;
        }

        // The ballots aggregated: listed, or (revision 8) their number and the SHA-256 of the sorted list; never both.
        bool committed = JsonReading.Has(o, "ballot_count") || JsonReading.Has(o, "ballots_sha256");
        if (committed && JsonReading.Has(o, "ballots"))
        {
            throw r.Error("$", "\"ballots\" is present beside \"ballot_count\" or \"ballots_sha256\": a tally lists its ballots or commits to them, not both");
        }

        EncryptedTally tally = committed
            ? EncryptedTally.Committed(contests, r.Long(o, "$", "ballot_count", long.MaxValue), r.Hash(o, "$", "ballots_sha256"), totalWeight)
            : EncryptedTally.Listed(contests, [.. r.Array(o, "$", "ballots").EnumerateArray().Select((e, j) => r.HashValue(e, $"$.ballots[{j}]"))], totalWeight);

        return CheckCanonical(file, bytes, tally, WriteEncryptedTally);
    }

    // ------------------------------------------------------------------ tally/tally.json
    /// <summary>tally/tally.json (§4.9): the decrypted tally with its proofs, labels from <paramref name="manifest"/>.</summary>
    public static byte[] WriteTally(DecryptedTally tally, ElectionManifest manifest)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Name("guardians");
        w.StartArray();
        foreach (int i in tally.Guardians)
        {
            w.Number(i);
        }

        w.EndArray();
        w.Name("contests");
        w.StartArray();
        foreach (DecryptedContest contest in tally.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Property("label", definition.Label);
            w.Name("options");
            w.StartArray();
            foreach (DecryptedOption option in contest.Options)
            {
                w.StartObject();
                w.Property("index", option.OptionIndex);
                w.Property("label", definition.Options[option.OptionIndex - 1].Label);
                w.Property("value", option.Value);
                w.Name("proof");
                w.StartObject();
                w.PropertyHex("c", option.Challenge.Encode());
                w.PropertyHex("v", option.Response.Encode());
                w.EndObject();
                w.EndObject();
            }

            w.EndArray();
            w.EndObject();
        }

        w.EndArray();
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads the decrypted tally strictly; proofs are parsed, not checked (Verification 10 checks them).</summary>
    public static DecryptedTally ReadTally(string file, byte[] bytes, ElectionContext context)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        r.CheckElementsTogether(document.RootElement);
        ElectionManifest manifest = context.Parameters.Manifest;
        JsonElement o = r.Object(document.RootElement, "$", "guardians", "contests");
        int[] guardians = [.. r.Array(o, "$", "guardians", min: context.Parameters.Quorum).EnumerateArray().Select((e, j) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) && i >= 1 && i <= context.Parameters.GuardianCount
                ? i : throw r.Error($"$.guardians[{j}]", $"a guardian index 1..{context.Parameters.GuardianCount} is required"))];
        List<DecryptedContest> contests = [];
        int c = 0;
        foreach (JsonElement e in r.Array(o, "$", "contests", manifest.Contests.Count).EnumerateArray())
        {
            string path = $"$.contests[{c}]";
            JsonElement co = r.Object(e, path, "index", "label", "options");
            r.Int(co, path, "index", c + 1, c + 1);
            List<DecryptedOption> options = [];
            int j = 0;
            foreach (JsonElement oe in r.Array(co, path, "options", manifest.Contests[c].Options.Count).EnumerateArray())
            {
                string op = $"{path}.options[{j}]";
                JsonElement oo = r.Object(oe, op, "index", "label", "value", "proof");
                r.Int(oo, op, "index", j + 1, j + 1);
                JsonElement proof = r.Object(r.Member(oo, op, "proof"), op + ".proof", "c", "v");
                options.Add(new DecryptedOption(j + 1, r.Long(oo, op, "value", (1L << 53) - 1), r.Q(proof, op + ".proof", "c"), r.Q(proof, op + ".proof", "v")));
                j++;
            }

            contests.Add(new DecryptedContest(c + 1, options));
            c++;
        }

        return CheckCanonical(file, bytes, new DecryptedTally(guardians, contests), t => WriteTally(t, manifest));
    }

    // ------------------------------------------------------------------ challenged/<id>.json
    /// <summary>challenged/&lt;id&gt;.json (§4.10): the opening of a challenged ballot.</summary>
    public static byte[] WriteOpened(OpenedBallot opened, ElectionManifest manifest)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.PropertyHex("id", opened.Id.Bytes);
        w.Name("contests");
        w.StartArray();
        foreach (OpenedContest contest in opened.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Property("label", definition.Label);
            w.Name("selections");
            w.StartArray();
            foreach (OpenedSelection selection in contest.Selections)
            {
                w.StartObject();
                w.Property("index", selection.OptionIndex);
                w.Property("label", definition.Options[selection.OptionIndex - 1].Label);
                w.Property("value", selection.Value);
                w.PropertyHex("nonce", selection.Nonce.Encode());
                w.EndObject();
            }

            w.EndArray();
            if (contest.ContestData is { } data)
            {
                w.Name("contest_data");
                w.StartObject();
                w.PropertyHex("nonce", data.Nonce.Encode());
                w.PropertyHex("data", data.Data);
                w.EndObject();
            }

            w.EndObject();
        }

        w.EndArray();
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads the opening of <paramref name="ballot"/> strictly; proofs are parsed, not checked (Verification 13).</summary>
    public static OpenedBallot ReadOpened(string file, byte[] bytes, ElectionContext context, EncryptedBallot ballot)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        r.CheckElementsTogether(document.RootElement);
        ElectionManifest manifest = context.Parameters.Manifest;
        JsonElement o = r.Object(document.RootElement, "$", "id", "contests");
        Hash256 id = r.Hash(o, "$", "id");
        List<OpenedContest> contests = [];
        int c = 0;
        foreach (JsonElement e in r.Array(o, "$", "contests", ballot.Contests.Count).EnumerateArray())
        {
            string path = $"$.contests[{c}]";
            JsonElement co = r.Object(e, path, "index", "label", "selections", "contest_data");
            int index = r.Int(co, path, "index", ballot.Contests[c].ContestIndex, ballot.Contests[c].ContestIndex);
            Contest definition = manifest.Contests[index - 1];
            List<OpenedSelection> selections = [];
            int j = 0;
            foreach (JsonElement se in r.Array(co, path, "selections", definition.Options.Count).EnumerateArray())
            {
                string sp = $"{path}.selections[{j}]";
                JsonElement so = r.Object(se, sp, "index", "label", "value", "nonce");
                r.Int(so, sp, "index", j + 1, j + 1);
                selections.Add(new OpenedSelection(j + 1, r.Int(so, sp, "value", 0, definition.Options[j].SelectionLimit), r.Q(so, sp, "nonce")));
                j++;
            }

            OpenedContestData? data = null;
            if (definition.ContestDataBlocks > 0)
            {
                string dp = path + ".contest_data";
                JsonElement d = r.Object(r.Member(co, path, "contest_data"), dp, "nonce", "data");
                data = new OpenedContestData(r.Q(d, dp, "nonce"), r.Bytes(d, dp, "data", 32 * definition.ContestDataBlocks));
            }

            contests.Add(new OpenedContest(index, selections, data));
            c++;
        }

        return CheckCanonical(file, bytes, new OpenedBallot(id, contests), x => WriteOpened(x, manifest));
    }

    // ------------------------------------------------------------------ contest_data/<id>.json
    /// <summary>contest_data/&lt;id&gt;.json (§4.11): decrypted contest data of a cast ballot.</summary>
    public static byte[] WriteContestData(DecryptedBallotContestData decrypted, ElectionManifest manifest)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.PropertyHex("id", decrypted.BallotId.Bytes);
        WriteList(w, "guardians", decrypted.Guardians);
        w.Name("contests");
        w.StartArray();
        foreach (DecryptedContestData contest in decrypted.Contests)
        {
            w.StartObject();
            w.Property("index", contest.ContestIndex);
            w.Property("label", manifest.Contests[contest.ContestIndex - 1].Label);
            w.PropertyHex("beta", contest.Beta.Encode());
            w.PropertyHex("data", contest.Data);
            if (ContestDataDecryption.TextOf(contest.Data) is { } text)
            {
                w.Property("text", text);
            }

            w.Name("proof");
            w.StartObject();
            w.PropertyHex("c", contest.Challenge.Encode());
            w.PropertyHex("v", contest.Response.Encode());
            w.EndObject();
            w.EndObject();
        }

        w.EndArray();
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>
    /// Reads <c>contest_data/&lt;id&gt;.json</c> for the cast ballot <paramref name="ballot"/>: U a quorum, contests in
    /// increasing index, each a contest of the ballot with contest data, D of 32·b_Λ bytes, <c>text</c> exactly as
    /// derived from D. The proof is not checked here (V12: <see cref="RecordSelfCheck"/>, the verifier).
    /// </summary>
    public static DecryptedBallotContestData ReadContestData(string file, byte[] bytes, ElectionContext context, EncryptedBallot ballot)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, context.Group);
        r.CheckElementsTogether(document.RootElement);
        ElectionManifest manifest = context.Parameters.Manifest;
        JsonElement o = r.Object(document.RootElement, "$", "id", "guardians", "contests");
        Hash256 id = r.Hash(o, "$", "id");
        if (!id.Equals(ballot.Id))
        {
            throw r.Error("$.id", $"the file is for ballot {id}, not {ballot.Id}");
        }

        int[] guardians = [.. r.Array(o, "$", "guardians", min: context.Parameters.Quorum).EnumerateArray().Select((e, j) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) && i >= 1 && i <= context.Parameters.GuardianCount
                ? i : throw r.Error($"$.guardians[{j}]", $"a guardian index 1..{context.Parameters.GuardianCount} is required"))];
        if (!guardians.SequenceEqual(guardians.Distinct().Order()))
        {
            throw r.Error("$.guardians", "U must list distinct guardian indices in ascending order");
        }

        List<DecryptedContestData> contests = [];
        int c = 0;
        int previous = 0;
        foreach (JsonElement e in r.Array(o, "$", "contests", min: 1).EnumerateArray())
        {
            string path = $"$.contests[{c++}]";
            JsonElement co = r.Object(e, path, "index", "label", "beta", "data", "text", "proof");
            int index = r.Int(co, path, "index", previous + 1, manifest.Contests.Count);
            previous = index;
            EncryptedContest? encrypted = ballot.Contests.FirstOrDefault(x => x.ContestIndex == index);
            if (encrypted?.ContestData is null)
            {
                throw r.Error(path + ".index", $"ballot {ballot.Id} has no contest data in contest {index}");
            }

            string pp = path + ".proof";
            JsonElement proof = r.Object(r.Member(co, path, "proof"), pp, "c", "v");
            contests.Add(new DecryptedContestData(
                ballot.Id,
                index,
                r.P(co, path, "beta"),
                r.Bytes(co, path, "data", encrypted.ContestData.C1.Length),
                r.Q(proof, pp, "c"),
                r.Q(proof, pp, "v")));
        }

        return CheckCanonical(file, bytes, new DecryptedBallotContestData(id, guardians, contests), x => WriteContestData(x, manifest));
    }

    // ------------------------------------------------------------------ shares/share-<i>-to-<l>.json
    /// <summary>An encrypted share from guardian i to guardian l (§5, a ceremony message; not part of the record).</summary>
    public static byte[] WriteShare(EncryptedShare share)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("from", share.From);
        w.Property("to", share.To);
        w.PropertyHex("c0", share.Ciphertext.C0.Encode());
        w.PropertyHex("c1", share.Ciphertext.C1);
        w.PropertyHex("c", share.Ciphertext.C2.Challenge.Encode());
        w.PropertyHex("v", share.Ciphertext.C2.Response.Encode());
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads an encrypted share strictly.</summary>
    public static EncryptedShare ReadShare(string file, byte[] bytes, ElectionParameters parameters)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "from", "to", "c0", "c1", "c", "v");
        EncryptedShare share = new(
            r.Int(o, "$", "from", 1, parameters.GuardianCount),
            r.Int(o, "$", "to", 1, parameters.GuardianCount),
            new HashedElGamalCiphertext(r.P(o, "$", "c0"), r.Bytes(o, "$", "c1", EncryptedShare.PayloadBytes), new SchnorrProof(r.Q(o, "$", "c"), r.Q(o, "$", "v"))));
        return CheckCanonical(file, bytes, share, WriteShare);
    }

    // ------------------------------------------------------------------ approvals/guardian-<l>.json
    /// <summary>A guardian's approval or complaints (§5, a ceremony message).</summary>
    public static byte[] WriteApproval(Approval approval)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", approval.Index);
        w.PropertyHex("h_g", approval.GuardianRecordHash.Bytes);
        w.Property("verdict", approval.Complaints.Count == 0 ? "approve" : "complain");
        if (approval.Complaints.Count > 0)
        {
            w.Name("complaints");
            w.StartArray();
            foreach ((int from, string reason) in approval.Complaints)
            {
                w.StartObject();
                w.Property("from", from);
                w.Property("reason", reason);
                w.EndObject();
            }

            w.EndArray();
        }

        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads an approval strictly.</summary>
    public static Approval ReadApproval(string file, byte[] bytes, ElectionParameters parameters)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, parameters.Group);
        JsonElement o = r.Object(document.RootElement, "$", "i", "h_g", "verdict", "complaints");
        string verdict = r.String(o, "$", "verdict");
        List<(int, string)> complaints = [];
        if (verdict == "complain")
        {
            int n = 0;
            foreach (JsonElement e in r.Array(o, "$", "complaints", min: 1).EnumerateArray())
            {
                string path = $"$.complaints[{n++}]";
                JsonElement c = r.Object(e, path, "from", "reason");
                complaints.Add((r.Int(c, path, "from", 1, parameters.GuardianCount), r.String(c, path, "reason")));
            }
        }
        else if (verdict != "approve")
        {
            throw r.Error("$.verdict", "\"approve\" or \"complain\" is required");
        }

        Approval approval = new(r.Int(o, "$", "i", 1, parameters.GuardianCount), r.Hash(o, "$", "h_g"), complaints);
        return CheckCanonical(file, bytes, approval, WriteApproval);
    }

    // ------------------------------------------------------------------ helpers
    internal static void WriteList(CanonicalJsonWriter w, string name, IEnumerable<ElementModP> values)
    {
        w.Name(name);
        w.StartArray();
        foreach (ElementModP value in values)
        {
            w.Hex(value.Encode());
        }

        w.EndArray();
    }

    internal static void WriteList(CanonicalJsonWriter w, string name, IEnumerable<int> values)
    {
        w.Name(name);
        w.StartArray();
        foreach (int value in values)
        {
            w.Number(value);
        }

        w.EndArray();
    }

    internal static void WriteList(CanonicalJsonWriter w, string name, IEnumerable<ElementModQ> values)
    {
        w.Name(name);
        w.StartArray();
        foreach (ElementModQ value in values)
        {
            w.Hex(value.Encode());
        }

        w.EndArray();
    }

    internal static byte[] Fixed(System.Numerics.BigInteger value, int length)
    {
        byte[] raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        byte[] result = new byte[length];
        raw.CopyTo(result, length - raw.Length);
        return result;
    }

    internal static T CheckCanonical<T>(string file, byte[] bytes, T value, Func<T, byte[]> write)
    {
        byte[] canonical = write(value);
        if (!canonical.AsSpan().SequenceEqual(bytes))
        {
            int at = 0;
            while (at < canonical.Length && at < bytes.Length && canonical[at] == bytes[at])
            {
                at++;
            }

            throw new ElectionFormatException(file, $"byte {at}", "the file is not in canonical form (docs/record-format.md §2): whitespace, member order, hex case or an optional member with its default");
        }

        return value;
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Entente.Cryptography;

namespace Entente.Verifier.Tests;

/// <summary>
/// Builds variants of the egk sample that exercise what the sample lacks: chained confirmation
/// codes (ballot_chain.json) and a challenged ballot with its decryption. Hashes are computed here
/// with HMAC-SHA-256 directly (not with the verifier's code); the decryption proofs use the sample's
/// published test-election secrets (the trustees' constant coefficients a_i,0, s = Σ a_i,0 mod q).
/// </summary>
public static class SyntheticRecords
{
    /// <summary>The chain order used: ballot files in this order on the device.</summary>
    public static IReadOnlyList<string> ChainOrder { get; } = [.. Enumerable.Range(1, 11).Select(i => $"id-{i}")];

    private static Group Group => Group.Standard;

    /// <summary>
    /// Turns the copy into a chained record: config chains codes, every ballot's B_aux and code are
    /// recomputed along the chain, ballot_chain.json closes it. <paramref name="specFirstBaux"/>
    /// uses 2.0 eq 60 for the first ballot (H_0 ∥ B_aux,0) instead of egk's H_0.
    /// </summary>
    public static void MakeChained(TempRecord record, bool specFirstBaux = false, IReadOnlyList<string>? order = null)
    {
        order ??= ChainOrder;
        JsonNode config = record.Read("election_config.json");
        config["chain_confirmation_codes"] = true;
        record.Write("election_config.json", config);
        byte[] baux0 = [.. config["baux0"]!.AsArray().Select(n => (byte)n!.GetValue<int>())];
        byte[] he = Convert.FromHexString(record.Read("election_initialized.json")["extended_base_hash"]!.GetValue<string>());

        byte[] h0 = EgkSample.H(he, [0x24], baux0);
        byte[] previous = h0;
        bool first = true;
        foreach (string id in order)
        {
            string file = EgkSample.Ballot(id);
            JsonNode ballot = record.Read(file);
            byte[] baux = first && !specFirstBaux ? h0 : [.. previous, .. baux0];
            first = false;
            ballot["code_baux"] = Convert.ToHexString(baux);
            byte[] code = ConfirmationCode(he, ballot, baux);
            ballot["confirmation_code"] = Convert.ToHexString(code);
            record.Write(file, ballot);
            previous = code;
        }

        JsonObject chain = new()
        {
            ["encrypting_device"] = EgkSample.Device,
            ["baux0"] = Convert.ToHexString(h0),
            ["ballot_ids"] = new JsonArray([.. order.Select(id => (JsonNode)JsonValue.Create(id))]),
            ["last_confirmation_code"] = Convert.ToHexString(previous),
            ["chaining"] = true,
            ["closing_hash"] = Convert.ToHexString(EgkSample.H(he, [0x24], previous, baux0, Encoding.UTF8.GetBytes("CLOSE"))),
            ["metadata"] = new JsonObject(),
        };
        record.Write($"encrypted_ballots/{EgkSample.Device}/ballot_chain.json", chain);
    }

    /// <summary>H(B) = H(H_E; 0x24, χ_1, …, χ_m, B_aux) from the ballot's published contest hashes.</summary>
    public static byte[] ConfirmationCode(byte[] he, JsonNode ballot, byte[] baux)
    {
        List<byte[]> parts = [[0x24]];
        parts.AddRange(ballot["contests"]!.AsArray().Select(c => Convert.FromHexString(c!["contest_hash"]!.GetValue<string>())));
        parts.Add(baux);
        return EgkSample.H(he, [.. parts]);
    }

    /// <summary>
    /// Adds ballot "id-99", a challenged ("SPOILED") copy of id-11 placed last in a chained record
    /// (so its confirmation code differs), and its decryption challenged_ballots/dballot-id-99.json with
    /// Chaum–Pedersen proofs and one decrypted contest data field.
    /// </summary>
    public static void AddChallengedBallot(TempRecord record)
    {
        File.Copy(record.PathOf(EgkSample.Ballot("id-11")), record.PathOf(EgkSample.Ballot("id-99")));
        record.Edit(EgkSample.Ballot("id-99"), ballot =>
        {
            ballot["ballot_id"] = "id-99";
            ballot["state"] = "SPOILED";
        });
        MakeChained(record, order: [.. ChainOrder, "id-99"]);

        JsonNode encrypted = record.Read(EgkSample.Ballot("id-99"));
        byte[] he = Convert.FromHexString(encrypted["election_id"]!.GetValue<string>());
        ElementModQ s = JointSecret();
        ElementModP k = ElementModP.DecodeHex(Group, record.Read("election_initialized.json")["joint_public_key"]!.GetValue<string>(), "K");
        if (Group.GPow(s) != k)
        {
            throw new InvalidOperationException("The trustees' secrets do not give the sample's joint key.");
        }

        JsonArray contests = [];
        bool first = true;
        foreach (JsonNode? contest in encrypted["contests"]!.AsArray())
        {
            JsonArray selections = [];
            foreach (JsonNode? selection in contest!["selections"]!.AsArray())
            {
                ElementModP alpha = ElementModP.DecodeHex(Group, selection!["encrypted_vote"]!["pad"]!.GetValue<string>(), "pad");
                ElementModP beta = ElementModP.DecodeHex(Group, selection["encrypted_vote"]!["data"]!.GetValue<string>(), "data");
                ElementModP m = alpha.Pow(s);
                ElementModP t = beta / m;
                int sigma = t.IsOne ? 0 : t == k ? 1 : throw new InvalidOperationException("selection is neither 0 nor 1");
                (string c, string v) = ProveDecryption(he, 0x30, s, [k.Encode(), alpha.Encode(), beta.Encode()], alpha, m, extra: null);
                selections.Add(new JsonObject
                {
                    ["selection_id"] = selection["selection_id"]!.GetValue<string>(),
                    ["tally"] = sigma,
                    ["b_over_m"] = t.ToHex(),
                    ["encrypted_vote"] = selection["encrypted_vote"]!.DeepClone(),
                    ["proof"] = new JsonObject { ["challenge"] = c, ["response"] = v },
                });
            }

            JsonObject decryptedContest = new()
            {
                ["contest_id"] = contest["contest_id"]!.GetValue<string>(),
                ["selections"] = selections,
                ["decrypted_contest_data"] = null,
            };
            if (first)
            {
                // Contest data of the first contest: β = C0^s and the egk challenge over C1 as hex text.
                JsonNode data = contest["encrypted_contest_data"]!;
                ElementModP c0 = ElementModP.DecodeHex(Group, data["c0"]!.GetValue<string>(), "c0");
                ElementModP betaData = c0.Pow(s);
                byte[] c1Hex = Encoding.UTF8.GetBytes(data["c1"]!.GetValue<string>().ToUpperInvariant());
                byte[] c2 = Convert.FromHexString(data["c2"]!.GetValue<string>());
                (string c, string v) = ProveDecryption(he, 0x31, s, [k.Encode(), c0.Encode(), c1Hex, c2], c0, betaData, extra: betaData);
                decryptedContest["decrypted_contest_data"] = new JsonObject
                {
                    ["contest_data"] = new JsonObject { ["over_votes"] = new JsonArray(), ["write_ins"] = new JsonArray(), ["status"] = "normal" },
                    ["encrypted_contest_data"] = data.DeepClone(),
                    ["proof"] = new JsonObject { ["challenge"] = c, ["response"] = v },
                    ["beta"] = betaData.ToHex(),
                };
                first = false;
            }

            contests.Add(decryptedContest);
        }

        Directory.CreateDirectory(record.PathOf("challenged_ballots"));
        record.Write("challenged_ballots/dballot-id-99.json", new JsonObject
        {
            ["id"] = "id-99",
            ["contests"] = contests,
            ["election_id"] = Convert.ToHexString(he),
        });
    }

    /// <summary>
    /// A Chaum–Pedersen proof that m = base^s with K = g^s, challenge as egk publishes it (mod q):
    /// a = g^u, b = base^u, c = H(H_E; tag, prefix…, a, b, M or β), v = u − c·s.
    /// </summary>
    private static (string Challenge, string Response) ProveDecryption(byte[] he, byte tag, ElementModQ s, byte[][] prefix, ElementModP baseValue, ElementModP m, ElementModP? extra)
    {
        ElementModQ u = Group.RandomModQ();
        ElementModP a = Group.GPow(u);
        ElementModP b = baseValue.Pow(u);
        List<byte[]> parts = [[tag], .. prefix, a.Encode(), b.Encode(), (extra ?? m).Encode()];
        byte[] hash = EgkSample.H(he, [.. parts]);
        ElementModQ c = ElementModQ.FromBytesReduced(Group, hash);
        ElementModQ v = u - (c * s);
        return (c.ToHex(), v.ToHex());
    }

    /// <summary>s = Σ a_i,0 mod q over the sample's five trustees.</summary>
    private static ElementModQ JointSecret()
    {
        ElementModQ sum = Group.ZeroModQ;
        foreach (string file in Directory.GetFiles(EgkSample.Trustees, "decryptingTrustee-*.json"))
        {
            JsonNode trustee = JsonNode.Parse(File.ReadAllText(file))!;
            sum += ElementModQ.DecodeHex(Group, trustee["polynomial_coefficients"]![0]!.GetValue<string>(), "a_i,0");
        }

        return sum;
    }
}

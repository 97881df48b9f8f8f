using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Entente.Testing.Properties;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Xunit.Abstractions;

namespace Entente.Transparency.Tests.Properties;

/// <summary>
/// Trust policies and the charter under random and mutated input. Neither format is canonical (comments, white space,
/// member order), so an accepted input must mean the same as its normal form; otherwise it is refused with
/// <see cref="NoteFormatException"/> (policy) or <see cref="FormatException"/> (charter).
/// </summary>
public sealed class PolicyAndCharterParserProperties(ITestOutputHelper output)
{
    private static readonly string[] Roles = [Charter.SubmitterRole, Charter.PartyRole, Charter.GuardianRole, Charter.DeviceRole, Charter.WitnessRole];

    [Fact]
    public void Trust_policies_parse_to_the_policy_of_their_normal_form_or_are_refused_with_NoteFormatException()
    {
        PropertyRunner.Check(output, Mutations.Of(Policies), input =>
        {
            string text = input.Text;
            TrustPolicy? policy = Outcome.Of<TrustPolicy, NoteFormatException>(() => TrustPolicy.Parse(text));
            if (policy is null)
            {
                return;
            }

            TrustPolicy normal = TrustPolicy.Parse(Normalize(text));
            Assert.Equal(policy.Logs.Select(l => (l.Name, l.KeyId)), normal.Logs.Select(l => (l.Name, l.KeyId)));
            Assert.Equal(policy.Witnesses.Select(w => (w.Key, w.Value.Name, w.Value.KeyId)), normal.Witnesses.Select(w => (w.Key, w.Value.Name, w.Value.KeyId)));
            Assert.Equal(policy.Urls.OrderBy(u => u.Key, StringComparer.Ordinal), normal.Urls.OrderBy(u => u.Key, StringComparer.Ordinal));
            string[] names = [.. policy.Witnesses.Keys.Take(8)];
            for (int subset = 0; subset < 1 << names.Length; subset++)
            {
                HashSet<string> cosigned = [.. names.Where((_, i) => (subset & (1 << i)) != 0)];
                Assert.Equal(policy.QuorumMet(cosigned), normal.QuorumMet(cosigned));
            }
        }, fixedSeed: 1431, iterations: 1500);
    }

    [Fact]
    public void Charters_parse_to_the_charter_of_their_normal_form_or_are_refused_with_FormatException()
    {
        PropertyRunner.Check(output, JsonMutations.Of(Charters), input =>
        {
            string json = input.Text;
            Charter? charter = Outcome.Of<Charter, FormatException>(() => Charter.Parse(json));
            if (charter is null)
            {
                return;
            }

            Assert.Equal(Encoding.UTF8.GetBytes(json), charter.Bytes);
            Charter normal = Charter.Parse(Write(charter.Members));
            Assert.Equal(Describe(charter), Describe(normal));
            foreach (CharterMember member in charter.Members)
            {
                Assert.Equal(member.Name, member.Key.Name);
                Assert.Same(member, charter.Find(member.Name));
            }
        }, fixedSeed: 1432, iterations: 1500);
    }

    private static Gen<byte[]> Policies { get; } = Gen.Select(
        Gen.Int[0, 2].Array[1, 2], Gen.Int[0, 4].Array[1, 4], Gen.Int[0, 3], Gen.Bool, Gen.Bool,
        (logs, witnesses, style, comments, urls) =>
        {
            StringBuilder sb = new();
            string sep = style == 3 ? "\t" : style == 2 ? "  " : " ";
            if (comments)
            {
                sb.Append("# trust policy\n\n");
            }

            foreach (int l in logs.Distinct())
            {
                Ed25519NoteSigner key = TransparencyGen.Signers[l];
                sb.Append("log").Append(sep).Append(style == 1 ? Convert.ToHexStringLower(key.PublicKey) : key.VerifierKey);
                sb.Append(urls ? sep + "https://log.example/" : "").Append('\n');
            }

            List<string> names = [];
            foreach (int w in witnesses.Distinct())
            {
                Ed25519NoteSigner key = TransparencyGen.Signers[w];
                string name = "w" + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                string vkey = style switch { 0 => key.CosignerVerifierKey, 1 => Convert.ToHexStringLower(key.PublicKey), _ => key.VerifierKey };
                sb.Append("witness").Append(sep).Append(name).Append(sep).Append(vkey).Append(urls ? sep + "https://w.example/" : "").Append('\n');
                names.Add(name);
            }

            sb.Append("group").Append(sep).Append('g').Append(sep).Append(style switch { 0 => "any", 1 => "all", _ => "1" });
            sb.Append(string.Concat(names.Select(n => sep + n))).Append('\n');
            sb.Append("quorum").Append(sep).Append('g').Append('\n');
            return Encoding.UTF8.GetBytes(sb.ToString());
        });

    private static Gen<byte[]> Charters { get; } = Gen.Select(
        Gen.Shuffle(Enumerable.Range(0, TransparencyGen.Parties.Length).ToArray(), 1, TransparencyGen.Parties.Length),
        Gen.Int[0, (1 << Roles.Length) - 1].Array[TransparencyGen.Parties.Length, TransparencyGen.Parties.Length], Gen.Int[1, 9].Array[0, 4], Gen.Bool, Gen.Guid,
        (parties, roles, guardians, identity, uuid) =>
        {
            JsonArray list = [];
            int next = 0;
            for (int i = 0; i < parties.Length; i++)
            {
                Ed25519NoteSigner key = TransparencyGen.Parties[parties[i]];
                JsonObject party = new()
                {
                    ["name"] = key.Name,
                    ["key"] = key.VerifierKey,
                    ["roles"] = new JsonArray([.. Roles.Where((_, r) => (roles[i] & (1 << r)) != 0).Select(r => (JsonNode)r)]),
                };
                if ((roles[i] & 4) != 0)
                {
                    party["guardians"] = new JsonArray([.. guardians.Distinct().Skip(next).Take(2).Select(g => (JsonNode)g)]);
                    next += 2;
                }

                if (identity)
                {
                    party["identity"] = "identity--" + uuid.ToString("D");
                }

                list.Add(party);
            }

            return Encoding.UTF8.GetBytes(new JsonObject { ["parties"] = list }.ToJsonString());
        });

    private static string Normalize(string policy) => string.Concat(policy.Split('\n')
        .Select(line => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        .Where(f => f.Length > 0 && !f[0].StartsWith('#'))
        .Select(f => string.Join(' ', f) + "\n"));

    private static string Write(IEnumerable<CharterMember> members) => new JsonObject
    {
        ["parties"] = new JsonArray([.. members.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m =>
        {
            JsonObject o = new()
            {
                ["name"] = m.Name,
                ["key"] = m.Key.VerifierKey,
                ["roles"] = new JsonArray([.. m.Roles.Order(StringComparer.Ordinal).Select(r => (JsonNode)r)]),
                ["guardians"] = new JsonArray([.. m.Guardians.Select(g => (JsonNode)g)]),
            };
            if (m.Identity is not null)
            {
                o["identity"] = m.Identity;
            }

            return (JsonNode)o;
        })]),
    }.ToJsonString();

    private static string Describe(Charter charter) => string.Join("\n", charter.Members.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m =>
        $"{m.Name} {m.Key.VerifierKey} [{string.Join(",", m.Roles.Order(StringComparer.Ordinal))}] [{string.Join(",", m.Guardians)}] {m.Identity}"));
}

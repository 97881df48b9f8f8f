using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Policy;

/// <summary>
/// A C2SP tlog-policy: the logs trusted, the witnesses known, and the quorum rule (witnesses and nested
/// groups with thresholds) that decides whether a checkpoint's cosignatures are strong enough.
/// For Entente: one group per party and a quorum group <c>all</c> of them ("a quorum of witnesses per party").
/// Keys are vkeys; a bare 64-hex Ed25519 key (the sigsum form) is accepted too.
/// </summary>
public sealed class TrustPolicy
{
    private readonly Dictionary<string, Node> _names = new(StringComparer.Ordinal);

    private TrustPolicy()
    {
    }

    /// <summary>The trusted log keys.</summary>
    public IReadOnlyList<INoteVerifier> Logs => _logs;

    private readonly List<INoteVerifier> _logs = [];

    /// <summary>The known witnesses by policy name.</summary>
    public IReadOnlyDictionary<string, CosignatureV1Verifier> Witnesses => _witnesses;

    private readonly Dictionary<string, CosignatureV1Verifier> _witnesses = new(StringComparer.Ordinal);

    /// <summary>URLs given for logs and witnesses, by key name or witness name.</summary>
    public IReadOnlyDictionary<string, string> Urls => _urls;

    private readonly Dictionary<string, string> _urls = new(StringComparer.Ordinal);

    private Node? _quorum;

    private abstract record Node;

    private sealed record WitnessNode(string Name) : Node;

    private sealed record GroupNode(int Threshold, Node[] Members) : Node;

    private sealed record NoneNode : Node;

    /// <summary>Parses a policy or throws <see cref="NoteFormatException"/> naming the line.</summary>
    public static TrustPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        TrustPolicy policy = new();
        policy._names["none"] = new NoneNode();
        HashSet<string> keys = new(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int number = i + 1;
            string line = lines[i];
            foreach (char c in line)
            {
                if (c < 0x20 && c != '\t' || c == 0x7F)
                {
                    throw new NoteFormatException($"Policy line {number}: control character U+{(int)c:X4}.");
                }
            }

            string[] f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || f[0].StartsWith('#'))
            {
                continue;
            }

            switch (f[0])
            {
                case "log" when f.Length is 2 or 3:
                    INoteVerifier log = ParseLogKey(f[1], number);
                    if (!keys.Add(KeyMaterial(f[1])))
                    {
                        throw new NoteFormatException($"Policy line {number}: duplicate key.");
                    }

                    policy._logs.Add(log);
                    if (f.Length == 3)
                    {
                        policy._urls[log.Name] = f[2];
                    }

                    break;
                case "witness" when f.Length is 3 or 4:
                    string name = f[1];
                    policy.Define(name, new WitnessNode(name), number);
                    CosignatureV1Verifier w = ParseWitnessKey(name, f[2], number);
                    if (!keys.Add(KeyMaterial(f[2])))
                    {
                        throw new NoteFormatException($"Policy line {number}: duplicate key.");
                    }

                    policy._witnesses[name] = w;
                    if (f.Length == 4)
                    {
                        policy._urls[name] = f[3];
                    }

                    break;
                case "group" when f.Length >= 4:
                    string[] memberNames = f[3..];
                    if (memberNames.Distinct(StringComparer.Ordinal).Count() != memberNames.Length)
                    {
                        throw new NoteFormatException($"Policy line {number}: a group member is listed twice.");
                    }

                    Node[] members = memberNames.Select(m => m == "none" || !policy._names.TryGetValue(m, out Node? node)
                        ? throw new NoteFormatException($"Policy line {number}: \"{m}\" is not defined on an earlier line.")
                        : node).ToArray();
                    int k = f[2] switch
                    {
                        "all" => members.Length,
                        "any" => 1,
                        _ when f[2].All(char.IsAsciiDigit) && f[2].Length is >= 1 and <= 4 && f[2][0] != '0' => int.Parse(f[2], CultureInfo.InvariantCulture),
                        _ => throw new NoteFormatException($"Policy line {number}: threshold \"{f[2]}\" is not all, any or a number."),
                    };
                    if (k < 1 || k > members.Length)
                    {
                        throw new NoteFormatException($"Policy line {number}: threshold {k} is not between 1 and {members.Length}.");
                    }

                    policy.Define(f[1], new GroupNode(k, members), number);
                    break;
                case "quorum" when f.Length == 2:
                    if (policy._quorum is not null)
                    {
                        throw new NoteFormatException($"Policy line {number}: a second quorum line.");
                    }

                    policy._quorum = policy._names.TryGetValue(f[1], out Node? q) ? q
                        : throw new NoteFormatException($"Policy line {number}: quorum \"{f[1]}\" is not defined on an earlier line.");
                    break;
                default:
                    throw new NoteFormatException($"Policy line {number}: expected log, witness, group or quorum with the right number of fields.");
            }
        }

        if (policy._quorum is null)
        {
            throw new NoteFormatException("The policy has no quorum line.");
        }

        return policy;
    }

    /// <summary>True when the witnesses named in <paramref name="cosigned"/> satisfy the quorum.</summary>
    public bool QuorumMet(IReadOnlySet<string> cosigned)
    {
        ArgumentNullException.ThrowIfNull(cosigned);
        return Satisfied(_quorum!, cosigned);

        static bool Satisfied(Node node, IReadOnlySet<string> set) => node switch
        {
            NoneNode => true,
            WitnessNode w => set.Contains(w.Name),
            GroupNode g => g.Members.Count(m => Satisfied(m, set)) >= g.Threshold,
            _ => false,
        };
    }

    /// <summary>
    /// Checks a signed checkpoint against the policy: signed by a listed log (when any are listed), and valid
    /// cosignatures from witnesses meeting the quorum. A cosignature from a known witness that does not verify
    /// fails the check. Returns the policy names of the witnesses whose cosignatures verified.
    /// </summary>
    public PolicyResult Check(SignedNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        bool logOk = _logs.Count == 0 || _logs.Any(l => NoteVerification.HasValidSignature(note, l));
        byte[] text = Encoding.UTF8.GetBytes(note.Text);
        HashSet<string> cosigned = new(StringComparer.Ordinal);
        List<string> invalid = [];
        foreach ((string name, CosignatureV1Verifier w) in _witnesses)
        {
            foreach (NoteSignature s in note.Signatures.Where(s => s.Name == w.Name && s.KeyId == w.KeyId))
            {
                if (w.Verify(text, s.Signature))
                {
                    cosigned.Add(name);
                }
                else
                {
                    invalid.Add(name);
                }
            }
        }

        return new PolicyResult(logOk, cosigned, invalid, invalid.Count == 0 && QuorumMet(cosigned));
    }

    private void Define(string name, Node node, int number)
    {
        if (!_names.TryAdd(name, node))
        {
            throw new NoteFormatException($"Policy line {number}: the name \"{name}\" is already defined.");
        }
    }

    private static string KeyMaterial(string key)
    {
        if (IsHexKey(key))
        {
            return key;
        }

        (_, _, _, byte[] material) = VerifierKeys.Split(key);
        return Convert.ToHexStringLower(material);
    }

    private static bool IsHexKey(string key) => key.Length == 64 && key.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static INoteVerifier ParseLogKey(string key, int number)
    {
        try
        {
            if (IsHexKey(key))
            {
                // Sigsum form: the origin (and key name) is sigsum.org/v1/tree/<hex SHA-256(key)>.
                byte[] raw = Convert.FromHexString(key);
                return new Ed25519NoteVerifier("sigsum.org/v1/tree/" + Convert.ToHexStringLower(SHA256.HashData(raw)), raw);
            }

            return VerifierKeys.Parse(key);
        }
        catch (NoteFormatException e)
        {
            throw new NoteFormatException($"Policy line {number}: {e.Message}", e);
        }
    }

    private static CosignatureV1Verifier ParseWitnessKey(string name, string key, int number)
    {
        try
        {
            return IsHexKey(key) ? new CosignatureV1Verifier(name, Convert.FromHexString(key)) : VerifierKeys.ParseCosigner(key);
        }
        catch (NoteFormatException e)
        {
            throw new NoteFormatException($"Policy line {number}: {e.Message}", e);
        }
    }
}

/// <summary>The result of checking a checkpoint against a <see cref="TrustPolicy"/>.</summary>
/// <param name="LogSignatureValid">A listed log signed it (or no logs are listed).</param>
/// <param name="Cosigned">Policy names of witnesses with a valid cosignature.</param>
/// <param name="InvalidCosignatures">Policy names of witnesses whose cosignature did not verify.</param>
/// <param name="QuorumMet">The quorum is met and no known witness's cosignature failed.</param>
public sealed record PolicyResult(bool LogSignatureValid, IReadOnlySet<string> Cosigned, IReadOnlyList<string> InvalidCosignatures, bool QuorumMet)
{
    /// <summary>Both the log signature and the quorum hold.</summary>
    public bool Valid => LogSignatureValid && QuorumMet;
}

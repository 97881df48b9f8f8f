using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Client.Http;

// HTTP Message Signatures, RFC 9421, with Ed25519 (§3.3.6: the signature base is signed as is, no prehash;
// the signature is the 64-byte R || S). Content digests per RFC 9530 (sha-256, sha-512). Only what the
// board needs of RFC 8941 structured fields is parsed: dictionaries whose members are inner lists of
// strings (Signature-Input) or byte sequences (Signature, Content-Digest), with integer, string and
// token parameters.

/// <summary>
/// The parameters of one signature (RFC 9421 §2.3): the covered component identifiers in order, then the
/// signature parameters in the order they were given (<c>created</c>, <c>expires</c>, <c>nonce</c>,
/// <c>keyid</c>, <c>alg</c>, <c>tag</c>). Components with their own parameters (<c>;sf</c>, <c>;req</c>…)
/// are not supported and refused by the parser.
/// </summary>
public sealed class SignatureParameters
{
    private readonly List<KeyValuePair<string, object>> _parameters;

    /// <summary>Creates parameters; values are <see cref="long"/> (integers) or <see cref="string"/> (strings).</summary>
    public SignatureParameters(IReadOnlyList<string> components, IEnumerable<KeyValuePair<string, object>> parameters)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(parameters);
        Components = [.. components];
        _parameters = [.. parameters];
        foreach (KeyValuePair<string, object> p in _parameters)
        {
            if (p.Value is not (long or string))
            {
                throw new ArgumentException($"Signature parameter {p.Key} must be an integer or a string.", nameof(parameters));
            }
        }
    }

    /// <summary>Covered component identifiers, lowercase, in order (e.g. <c>@method</c>, <c>content-digest</c>).</summary>
    public IReadOnlyList<string> Components { get; }

    /// <summary>The parameters in order.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Parameters => _parameters;

    /// <summary><c>created</c> (Unix seconds) or null.</summary>
    public long? Created => Integer("created");

    /// <summary><c>expires</c> (Unix seconds) or null.</summary>
    public long? Expires => Integer("expires");

    /// <summary><c>nonce</c> or null.</summary>
    public string? Nonce => Text("nonce");

    /// <summary><c>keyid</c> or null.</summary>
    public string? KeyId => Text("keyid");

    /// <summary><c>alg</c> or null.</summary>
    public string? Algorithm => Text("alg");

    /// <summary>
    /// The serialization used as the value of <c>@signature-params</c> and of the Signature-Input member
    /// (RFC 9421 §2.3, RFC 8941 §4.1.1.1): <c>("c1" "c2");created=1;keyid="k"</c>.
    /// </summary>
    public string Serialize()
    {
        StringBuilder sb = new();
        sb.Append('(');
        for (int i = 0; i < Components.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            StructuredFields.AppendString(sb, Components[i]);
        }

        sb.Append(')');
        foreach (KeyValuePair<string, object> p in _parameters)
        {
            sb.Append(';').Append(p.Key).Append('=');
            if (p.Value is long n)
            {
                sb.Append(n.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                StructuredFields.AppendString(sb, (string)p.Value);
            }
        }

        return sb.ToString();
    }

    private long? Integer(string key) => _parameters.FirstOrDefault(p => p.Key == key).Value as long?;

    private string? Text(string key) => _parameters.FirstOrDefault(p => p.Key == key).Value as string;
}

/// <summary>RFC 9421 signature bases, Ed25519 signing and verification, and RFC 9530 content digests.</summary>
public static class HttpMessageSignatures
{
    /// <summary>The <c>alg</c> value of Ed25519 (RFC 9421 §6.2.2).</summary>
    public const string Ed25519 = "ed25519";

    /// <summary>
    /// The signature base (RFC 9421 §2.5): one line <c>"name": value</c> per covered component, in order, each
    /// ending with a newline, then <c>"@signature-params": </c> and the serialized parameters, without a final
    /// newline. <paramref name="resolve"/> gives a component's value (derived components start with '@', fields
    /// are lowercase names) or null when the message has none, which makes the base impossible
    /// (<see cref="FormatException"/> naming the component).
    /// </summary>
    public static byte[] SignatureBase(SignatureParameters parameters, Func<string, string?> resolve)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(resolve);
        StringBuilder sb = new();
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (string component in parameters.Components)
        {
            if (!seen.Add(component))
            {
                throw new FormatException($"Signature-Input covers \"{component}\" twice (RFC 9421 §2.5).");
            }

            if (component == "@signature-params")
            {
                throw new FormatException("Signature-Input may not cover \"@signature-params\" (RFC 9421 §2.3).");
            }

            string value = resolve(component) ?? throw new FormatException($"The request has no value for the covered component \"{component}\".");
            if (value.Any(c => c is '\n' or '\r'))
            {
                throw new FormatException($"The value of \"{component}\" contains a line break.");
            }

            sb.Append('"').Append(component).Append("\": ").Append(value).Append('\n');
        }

        sb.Append("\"@signature-params\": ").Append(parameters.Serialize());
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The value of an HTTP field as a component (RFC 9421 §2.1): values trimmed and joined with ", ".</summary>
    public static string? FieldValue(IEnumerable<string>? values)
    {
        if (values is null)
        {
            return null;
        }

        string[] trimmed = [.. values.Select(v => v.Trim(' ', '\t'))];
        return trimmed.Length == 0 ? null : string.Join(", ", trimmed);
    }

    /// <summary>The <c>Content-Digest</c> value for <paramref name="body"/> with SHA-256 (RFC 9530 §2): <c>sha-256=:base64:</c>.</summary>
    public static string ContentDigest(ReadOnlySpan<byte> body) => "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":";

    /// <summary>
    /// Checks a <c>Content-Digest</c> header against <paramref name="body"/>: at least one member with a
    /// known algorithm (sha-256, sha-512) must be present, and every known one must match. Unknown algorithms
    /// are ignored (RFC 9530 §2). Returns null when it matches, else what is wrong.
    /// </summary>
    public static string? CheckContentDigest(string? header, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "the request has no Content-Digest header";
        }

        if (!StructuredFields.TryParseByteDictionary(header, out Dictionary<string, byte[]>? digests))
        {
            return "Content-Digest is not a structured dictionary of byte sequences (RFC 9530 §2)";
        }

        bool any = false;
        foreach ((string algorithm, byte[] digest) in digests)
        {
            byte[]? expected = algorithm switch
            {
                "sha-256" => SHA256.HashData(body),
                "sha-512" => SHA512.HashData(body),
                _ => null,
            };
            if (expected is null)
            {
                continue;
            }

            any = true;
            if (!CryptographicOperations.FixedTimeEquals(expected, digest))
            {
                return $"the {algorithm} Content-Digest does not match the body";
            }
        }

        return any ? null : "Content-Digest has no sha-256 or sha-512 member";
    }

    /// <summary>The Signature-Input member value (<c>label=...</c>) and Signature member value (<c>label=:base64:</c>).</summary>
    public static (string SignatureInput, string Signature) Headers(string label, SignatureParameters parameters, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ($"{label}={parameters.Serialize()}", $"{label}=:{Convert.ToBase64String(signature)}:");
    }
}

/// <summary>The subset of RFC 8941 structured fields that signatures and digests use.</summary>
public static class StructuredFields
{
    /// <summary>Appends an sf-string (RFC 8941 §4.1.6): quotes, with '"' and '\' escaped; only printable ASCII.</summary>
    public static void AppendString(StringBuilder sb, string value)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(value);
        sb.Append('"');
        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException("An sf-string holds printable ASCII only.", nameof(value));
            }

            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        sb.Append('"');
    }

    /// <summary>Parses a Signature-Input dictionary: label → parameters. False when malformed or unsupported.</summary>
    public static bool TryParseSignatureInput(string header, out Dictionary<string, SignatureParameters> result, out string? problem)
    {
        result = new(StringComparer.Ordinal);
        problem = null;
        Reader r = new(header ?? "");
        r.SkipSpaces();
        while (!r.End)
        {
            string? label = r.Key();
            if (label is null || !r.Take('=') || !r.Take('('))
            {
                problem = "each member is label=(\"component\" ...);param=value";
                return false;
            }

            List<string> components = [];
            while (true)
            {
                r.SkipSpaces();
                if (r.Take(')'))
                {
                    break;
                }

                string? component = r.String();
                if (component is null)
                {
                    problem = "covered components are quoted strings";
                    return false;
                }

                if (r.Peek == ';')
                {
                    problem = $"component parameters (\"{component}\";...) are not supported";
                    return false;
                }

                if (r.Peek is not (' ' or ')'))
                {
                    problem = "covered components are separated by spaces";
                    return false;
                }

                components.Add(component);
            }

            List<KeyValuePair<string, object>> parameters = [];
            while (r.Take(';'))
            {
                string? key = r.Key();
                if (key is null || !r.Take('='))
                {
                    problem = "signature parameters are key=value";
                    return false;
                }

                object? value = r.Peek == '"' ? r.String() : r.Integer();
                if (value is null || parameters.Any(p => p.Key == key))
                {
                    problem = $"parameter {key} is malformed or repeated";
                    return false;
                }

                parameters.Add(new(key, value));
            }

            if (!result.TryAdd(label, new SignatureParameters(components, parameters)))
            {
                problem = $"label {label} appears twice";
                return false;
            }

            if (!r.NextMember())
            {
                problem = "members are separated by commas";
                return false;
            }
        }

        if (result.Count == 0)
        {
            problem = "no signature is listed";
            return false;
        }

        return true;
    }

    /// <summary>Parses a dictionary whose members are byte sequences (<c>a=:base64:, b=:base64:</c>). False when malformed.</summary>
    public static bool TryParseByteDictionary(string header, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Dictionary<string, byte[]>? result)
    {
        Dictionary<string, byte[]> members = new(StringComparer.Ordinal);
        result = null;
        Reader r = new(header ?? "");
        r.SkipSpaces();
        while (!r.End)
        {
            string? key = r.Key();
            if (key is null || !r.Take('=') || r.Bytes() is not byte[] value || !members.TryAdd(key, value) || !r.NextMember())
            {
                return false;
            }
        }

        if (members.Count == 0)
        {
            return false;
        }

        result = members;
        return true;
    }

    private sealed class Reader(string text)
    {
        private int _at;

        public bool End => _at >= text.Length;

        public char Peek => End ? '\0' : text[_at];

        public bool Take(char c)
        {
            if (Peek != c || End)
            {
                return false;
            }

            _at++;
            return true;
        }

        public void SkipSpaces()
        {
            while (Peek == ' ')
            {
                _at++;
            }
        }

        public bool NextMember()
        {
            // OWS "," OWS between members; nothing after the last one.
            while (Peek is ' ' or '\t')
            {
                _at++;
            }

            if (End)
            {
                return true;
            }

            if (!Take(','))
            {
                return false;
            }

            while (Peek is ' ' or '\t')
            {
                _at++;
            }

            return !End;
        }

        public string? Key()
        {
            int start = _at;
            if (!(char.IsAsciiLetterLower(Peek) || Peek == '*'))
            {
                return null;
            }

            while (!End && (char.IsAsciiLetterLower(Peek) || char.IsAsciiDigit(Peek) || Peek is '_' or '-' or '.' or '*'))
            {
                _at++;
            }

            return text[start.._at];
        }

        public string? String()
        {
            if (!Take('"'))
            {
                return null;
            }

            StringBuilder sb = new();
            while (!End)
            {
                char c = text[_at++];
                if (c == '\\')
                {
                    if (End || text[_at] is not ('"' or '\\'))
                    {
                        return null;
                    }

                    sb.Append(text[_at++]);
                }
                else if (c == '"')
                {
                    return sb.ToString();
                }
                else if (c is < ' ' or > '~')
                {
                    return null;
                }
                else
                {
                    sb.Append(c);
                }
            }

            return null;
        }

        public long? Integer()
        {
            int start = _at;
            Take('-');
            while (!End && char.IsAsciiDigit(Peek))
            {
                _at++;
            }

            int digits = _at - start - (start < text.Length && text[start] == '-' ? 1 : 0);
            return digits is >= 1 and <= 15 && long.TryParse(text.AsSpan(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : null;
        }

        public byte[]? Bytes()
        {
            if (!Take(':'))
            {
                return null;
            }

            int start = _at;
            while (!End && Peek != ':')
            {
                _at++;
            }

            if (!Take(':'))
            {
                return null;
            }

            // RFC 8941 §4.2.7: a character outside the base64 alphabet fails parsing (.NET's decoder would skip white space).
            string encoded = text[start..(_at - 1)];
            if (!encoded.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                return null;
            }

            try
            {
                return Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Entente.Client.Http;
using Entente.Testing.Properties;
using Xunit.Abstractions;

namespace Entente.Client.Tests.Properties;

/// <summary>
/// The RFC 9421 / RFC 8941 / RFC 9530 header parsers under random and mutated headers. They answer false (or a
/// problem) and never throw; what they accept serialises to a header that parses to the same value, and byte
/// sequences hold only base64 characters (RFC 8941 §4.2.7: anything else fails parsing).
/// </summary>
public sealed partial class HttpSignatureHeaderProperties(ITestOutputHelper output)
{
    private static readonly Gen<string> Components = Gen.OneOf(
        Gen.OneOf("@method", "@authority", "@path", "@target-uri", "@query", "content-digest", "content-type", "content-length", "x-a\"b", "x\\y"),
        Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz-@"], 1, 12]);

    private static readonly Gen<KeyValuePair<string, object>> Parameter = Gen.OneOf(
        Gen.Long[-99999999999999, 999999999999999].Select(n => new KeyValuePair<string, object>("created", n)),
        Gen.Long[0, 999999999999999].Select(n => new KeyValuePair<string, object>("expires", n)),
        Gen.String[Gen.Char[' ', '~'], 0, 24].Select(s => new KeyValuePair<string, object>("nonce", s)),
        Gen.String[Gen.Char[' ', '~'], 0, 24].Select(s => new KeyValuePair<string, object>("keyid", s)),
        Gen.Const(new KeyValuePair<string, object>("alg", "ed25519")),
        Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_-.*"], 1, 8].Select(k => new KeyValuePair<string, object>("t" + k, "v")));

    private static readonly Gen<SignatureParameters> Parameters = Gen.Select(Components.Array[0, 6], Parameter.Array[0, 6],
        (components, parameters) => new SignatureParameters(components, parameters.DistinctBy(p => p.Key)));

    private static readonly Gen<string> Label = Gen.OneOf(Gen.Const("sig"), Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_-.*"], 1, 8].Select(s => "s" + s));

    [Fact]
    public void Signature_input_headers_parse_to_values_that_serialise_and_parse_back_or_are_refused()
    {
        Gen<byte[]> headers = Gen.Select(Label, Parameters).Array[1, 3].Select(members =>
            Encoding.UTF8.GetBytes(string.Join(", ", members.DistinctBy(m => m.Item1).Select(m => m.Item1 + "=" + m.Item2.Serialize()))));
        PropertyRunner.Check(output, Mutations.Of(headers), input =>
        {
            string header = input.Text;
            if (!StructuredFields.TryParseSignatureInput(header, out Dictionary<string, SignatureParameters> parsed, out string? problem))
            {
                Assert.False(string.IsNullOrWhiteSpace(problem), "a refused Signature-Input says why");
                return;
            }

            string written = string.Join(", ", parsed.Select(p => p.Key + "=" + p.Value.Serialize()));
            Assert.True(StructuredFields.TryParseSignatureInput(written, out Dictionary<string, SignatureParameters> again, out _), written);
            Assert.Equal(written, string.Join(", ", again.Select(p => p.Key + "=" + p.Value.Serialize())));
            foreach (SignatureParameters parameters in parsed.Values)
            {
                // The signature base is built or refused naming the component; never another exception.
                Outcome.Of<byte[], FormatException>(() => HttpMessageSignatures.SignatureBase(parameters, c => c == "@method" ? "POST" : c.Length % 2 == 0 ? "v" : null));
            }
        }, fixedSeed: 1501, iterations: 3000);
    }

    [Fact]
    public void Byte_dictionaries_parse_to_values_that_serialise_and_parse_back_or_are_refused()
    {
        Gen<byte[]> headers = Gen.Select(Label, Gen.Byte.Array[0, 70]).Array[1, 3].Select(members =>
            Encoding.UTF8.GetBytes(string.Join(", ", members.DistinctBy(m => m.Item1).Select(m => $"{m.Item1}=:{Convert.ToBase64String(m.Item2)}:"))));
        PropertyRunner.Check(output, Mutations.Of(headers), input =>
        {
            string header = input.Text;
            if (!StructuredFields.TryParseByteDictionary(header, out Dictionary<string, byte[]>? parsed))
            {
                return;
            }

            foreach (Match member in ByteSequence().Matches(header))
            {
                Assert.Matches("^[A-Za-z0-9+/=]*$", member.Groups[1].Value);
            }

            string written = string.Join(", ", parsed.Select(p => $"{p.Key}=:{Convert.ToBase64String(p.Value)}:"));
            Assert.True(StructuredFields.TryParseByteDictionary(written, out Dictionary<string, byte[]>? again), written);
            Assert.Equal(parsed, again);
        }, fixedSeed: 1502, iterations: 3000);
    }

    [Fact]
    public void Content_digest_checks_accept_only_a_matching_digest_and_never_throw()
    {
        byte[] body = "{\"entry\":1}"u8.ToArray();
        Gen<byte[]> headers = Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, (sha512, unknown, other) =>
        {
            List<string> members = [HttpMessageSignatures.ContentDigest(other ? "other"u8 : body)];
            if (sha512)
            {
                members.Add("sha-512=:" + Convert.ToBase64String(SHA512.HashData(body)) + ":");
            }

            if (unknown)
            {
                members.Insert(0, "md5=:AAAA:");
            }

            return Encoding.UTF8.GetBytes(string.Join(", ", members));
        });
        PropertyRunner.Check(output, Mutations.Of(headers), input =>
        {
            string header = input.Text;
            string? problem = HttpMessageSignatures.CheckContentDigest(header, body);
            if (problem is not null)
            {
                Assert.False(string.IsNullOrWhiteSpace(problem));
                return;
            }

            Assert.True(StructuredFields.TryParseByteDictionary(header, out Dictionary<string, byte[]>? digests));
            Assert.True(digests.TryGetValue("sha-256", out byte[]? d256) || digests.ContainsKey("sha-512"));
            if (d256 is not null)
            {
                Assert.Equal(SHA256.HashData(body), d256);
            }

            if (digests.TryGetValue("sha-512", out byte[]? d512))
            {
                Assert.Equal(SHA512.HashData(body), d512);
            }
        }, fixedSeed: 1503, iterations: 3000);
    }

    [GeneratedRegex("=:([^:]*):")]
    private static partial Regex ByteSequence();
}

using System.Text;
using System.Text.Json;
using Entente.Client.Http;
using Entente.Server.Auth;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Http;

namespace Entente.Server.Tests.Kat;

/// <summary>RFC 9421 Appendix B.2.6 (Ed25519) reproduced byte for byte (tests/vectors/http-signatures/README.md).</summary>
public sealed class HttpSignatureVectorTests
{
    private static JsonElement Vector()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "vectors", "http-signatures", "rfc9421-b26-ed25519.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    [Fact]
    public void Rfc9421_b26_signature_base_and_ed25519_signature_are_reproduced_exactly()
    {
        JsonElement v = Vector();
        JsonElement request = v.GetProperty("request");
        string input = v.GetProperty("signature_input").GetString()!;
        Assert.True(StructuredFields.TryParseSignatureInput(input, out Dictionary<string, SignatureParameters> inputs, out string? problem), problem);
        SignatureParameters parameters = inputs["sig-b26"];
        Assert.Equal(1618884473, parameters.Created);
        Assert.Equal("test-key-ed25519", parameters.KeyId);
        Assert.Equal(input, "sig-b26=" + parameters.Serialize());

        string target = request.GetProperty("target").GetString()!;
        byte[] signatureBase = HttpMessageSignatures.SignatureBase(parameters, component => component switch
        {
            "@method" => request.GetProperty("method").GetString(),
            "@path" => target.Split('?')[0],
            "@authority" => request.GetProperty("authority").GetString(),
            _ => request.GetProperty("fields").TryGetProperty(component, out JsonElement f) ? f.GetString() : null,
        });
        Assert.Equal(v.GetProperty("signature_base").GetString(), Encoding.UTF8.GetString(signatureBase));

        using Ed25519NoteSigner key = Ed25519NoteSigner.FromSeed("test-key-ed25519", Convert.FromHexString(v.GetProperty("private_key_seed_hex").GetString()!));
        Assert.Equal(Convert.FromHexString(v.GetProperty("public_key_hex").GetString()!), key.PublicKey);
        Assert.True(StructuredFields.TryParseByteDictionary(v.GetProperty("signature").GetString()!, out Dictionary<string, byte[]>? signatures));
        Assert.Equal(signatures["sig-b26"], key.SignRaw(signatureBase));
        Assert.True(key.Verifier.Verify(signatureBase, signatures["sig-b26"]));
        signatureBase[^1] ^= 1;
        Assert.False(key.Verifier.Verify(signatureBase, signatures["sig-b26"]));
    }

    [Fact]
    public void The_server_derives_the_same_base_from_the_b2_request_as_received()
    {
        JsonElement v = Vector();
        JsonElement request = v.GetProperty("request");
        DefaultHttpContext context = new();
        context.Request.Method = "POST";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("example.com");
        context.Request.Path = "/foo";
        context.Request.QueryString = new QueryString("?param=Value&Pet=dog");
        foreach (JsonProperty field in request.GetProperty("fields").EnumerateObject())
        {
            context.Request.Headers[field.Name] = field.Value.GetString();
        }

        Assert.True(StructuredFields.TryParseSignatureInput(v.GetProperty("signature_input").GetString()!, out Dictionary<string, SignatureParameters> inputs, out _));
        byte[] signatureBase = HttpMessageSignatures.SignatureBase(inputs["sig-b26"], c => RequestAuthenticator.Component(context.Request, c));
        Assert.Equal(v.GetProperty("signature_base").GetString(), Encoding.UTF8.GetString(signatureBase));
        Assert.Equal("?param=Value&Pet=dog", RequestAuthenticator.Component(context.Request, "@query"));
        Assert.Equal("https://example.com/foo?param=Value&Pet=dog", RequestAuthenticator.Component(context.Request, "@target-uri"));
    }

    [Fact]
    public void The_b2_content_digest_matches_its_body_and_a_changed_body_does_not()
    {
        JsonElement request = Vector().GetProperty("request");
        string digest = request.GetProperty("fields").GetProperty("content-digest").GetString()!;
        byte[] body = Encoding.UTF8.GetBytes(request.GetProperty("body").GetString()!);
        Assert.Null(HttpMessageSignatures.CheckContentDigest(digest, body));
        body[0] ^= 1;
        Assert.NotNull(HttpMessageSignatures.CheckContentDigest(digest, body));
        Assert.NotNull(HttpMessageSignatures.CheckContentDigest("md5=:AAAA:", body));
        Assert.NotNull(HttpMessageSignatures.CheckContentDigest("sha-256=not-bytes", body));
        Assert.Null(HttpMessageSignatures.CheckContentDigest(HttpMessageSignatures.ContentDigest(body), body));
    }

    [Fact]
    public async Task The_worked_example_of_docs_http_api_is_what_the_client_handler_sends()
    {
        // docs/http-api.md, "Authentication": key seed 0x42 × 32, POST http://127.0.0.1:5080/blob with "hello, board".
        using Ed25519NoteSigner blue = Ed25519NoteSigner.FromSeed("Blue", Enumerable.Repeat((byte)0x42, 32).ToArray());
        using HttpRequestMessage request = new(HttpMethod.Post, "http://127.0.0.1:5080/blob") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("hello, board")) };
        await HttpSignatureHandler.SignAsync(request, blue, DateTimeOffset.FromUnixTimeSeconds(1764288000), "8J3k2mQx9vZ1pL0aYw7sTg");
        Assert.Equal("IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=", Convert.ToBase64String(blue.PublicKey));
        Assert.Equal("sha-256=:j0aUwfBlJb5gmdCNFJW4aYqBDSxgys+TT8fJ8Ibvz4c=:", request.Headers.GetValues("Content-Digest").Single());
        Assert.Equal("sig1=(\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\");created=1764288000;nonce=\"8J3k2mQx9vZ1pL0aYw7sTg\";keyid=\"Blue\";alg=\"ed25519\"", request.Headers.GetValues("Signature-Input").Single());
        Assert.Equal("sig1=:nK0sirSVOYRrypuO2+Rzx9pgFer6mvY+IY0ul0EmeEgQZ1VCoYHZJXiusf/Y0kN2/7vg+2Pw/ZKGrdKd0FDlDA==:", request.Headers.GetValues("Signature").Single());
    }

    [Theory]
    [InlineData("sig1=(\"@method\" \"@path\");created=1;keyid=\"k\";nonce=\"n\"", true)]
    [InlineData("sig1=(\"@method\";req \"@path\");created=1", false)]
    [InlineData("sig1=(\"@method\" \"@path\");created=1;created=2", false)]
    [InlineData("sig1=(\"@method\" \"@path\");created=x", false)]
    [InlineData("sig1=(\"@method\" \"@path\", sig1=(\"@path\")", false)]
    [InlineData("sig1=(\"@method\" \"@path\") trailing", false)]
    [InlineData("", false)]
    public void Signature_input_parsing_is_strict(string header, bool valid)
    {
        Assert.Equal(valid, StructuredFields.TryParseSignatureInput(header, out _, out _));
    }
}

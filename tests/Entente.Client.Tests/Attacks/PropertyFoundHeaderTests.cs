using System.Security.Cryptography;
using Entente.Client.Http;

namespace Entente.Client.Tests.Attacks;

/// <summary>Inputs the header properties found (docs/threat-model.md, "Found by the parser properties"), kept as regressions.</summary>
public sealed class PropertyFoundHeaderTests
{
    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void A_byte_sequence_with_white_space_inside_its_base64_is_refused(string space)
    {
        byte[] body = "{}"u8.ToArray();
        string digest = Convert.ToBase64String(SHA256.HashData(body));
        string spaced = $"sha-256=:{digest[..10]}{space}{digest[10..]}:";
        Assert.True(StructuredFields.TryParseByteDictionary($"sha-256=:{digest}:", out _));
        Assert.False(StructuredFields.TryParseByteDictionary(spaced, out _));
        Assert.Null(HttpMessageSignatures.CheckContentDigest($"sha-256=:{digest}:", body));
        Assert.Contains("not a structured dictionary of byte sequences", HttpMessageSignatures.CheckContentDigest(spaced, body), StringComparison.Ordinal);
    }
}

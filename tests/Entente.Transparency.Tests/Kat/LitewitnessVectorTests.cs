using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Transparency.Tests.Kat;

/// <summary>
/// tlog-witness add-checkpoint against litewitness's own integration test (a txtar archive: a script that registers a
/// sigsum log by its raw Ed25519 key and starts a witness from an OpenSSH key, and a hurl file of requests with the
/// expected statuses and bodies). The archive is parsed as published; requests are played in order against one witness.
/// </summary>
public sealed partial class LitewitnessVectorTests
{
    private const string Archive = "witness-protocol/litewitness-sigsum-hurl.txtar";

    private sealed record HurlRequest(string Body, int Status, string? BodyContains, string? BodyEquals);

    private static Dictionary<string, string> ReadArchive(out string script)
    {
        string text = File.ReadAllText(Vectors.PathOf(Archive)).ReplaceLineEndings("\n");
        Dictionary<string, string> files = new(StringComparer.Ordinal);
        string[] parts = FileMarker().Split(text);
        script = parts[0];
        for (int i = 1; i + 1 < parts.Length; i += 2)
        {
            files[parts[i]] = parts[i + 1];
        }

        return files;
    }

    private static List<HurlRequest> ReadRequests(string hurl)
    {
        List<HurlRequest> requests = [];
        foreach (string block in hurl.Split("POST http://localhost:7380/add-checkpoint\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.IsNullOrWhiteSpace(block))
            {
                continue;
            }

            int open = block.IndexOf("```\n", StringComparison.Ordinal) + 4;
            int close = block.IndexOf("\n```", open, StringComparison.Ordinal);
            string body = block[open..close] + "\n";
            int status = int.Parse(StatusLine().Match(block).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Match contains = ContainsAssert().Match(block);
            Match equals = EqualsAssert().Match(block);
            requests.Add(new HurlRequest(body, status, contains.Success ? contains.Groups[1].Value : null,
                equals.Success ? equals.Groups[1].Value.Replace("\\n", "\n", StringComparison.Ordinal) : null));
        }

        return requests;
    }

    /// <summary>The Ed25519 seed and public key in an unencrypted OpenSSH private key (PROTOCOL.key).</summary>
    private static (byte[] Seed, byte[] PublicKey) ReadOpenSshEd25519(string pem)
    {
        string b64 = string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));
        ReadOnlySpan<byte> b = Convert.FromBase64String(b64);
        ReadOnlySpan<byte> magic = "openssh-key-v1\0"u8;
        Assert.True(b.StartsWith(magic));
        int o = magic.Length;
        Assert.Equal("none", Encoding.ASCII.GetString(Next(b, ref o)));
        Assert.Equal("none", Encoding.ASCII.GetString(Next(b, ref o)));
        _ = Next(b, ref o);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(b[o..]));
        o += 4;
        _ = Next(b, ref o);
        ReadOnlySpan<byte> priv = Next(b, ref o);
        int p = 8; // two check integers
        Assert.Equal("ssh-ed25519", Encoding.ASCII.GetString(Next(priv, ref p)));
        byte[] publicKey = Next(priv, ref p).ToArray();
        byte[] secret = Next(priv, ref p).ToArray();
        Assert.Equal(64, secret.Length);
        Assert.Equal(publicKey, secret[32..]);
        return (secret[..32], publicKey);

        static ReadOnlySpan<byte> Next(ReadOnlySpan<byte> data, ref int offset)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[offset..]));
            ReadOnlySpan<byte> value = data.Slice(offset + 4, length);
            offset += 4 + length;
            return value;
        }
    }

    [Fact]
    public void The_archive_names_the_sigsum_log_and_witness_keys_consistently()
    {
        Dictionary<string, string> files = ReadArchive(out string script);
        byte[] logKey = Convert.FromHexString(LogKeyArg().Match(script).Groups[1].Value);
        string origin = "sigsum.org/v1/tree/" + Convert.ToHexStringLower(SHA256.HashData(logKey));
        Assert.Contains(origin, files["add-checkpoint.hurl"], StringComparison.Ordinal);

        // litewitness selects its key in the agent by the SHA-256 of the raw public key.
        (byte[] _, byte[] witnessPublic) = ReadOpenSshEd25519(files["witness_key.pem"]);
        Assert.Equal(WitnessKeyArg().Match(script).Groups[1].Value, Convert.ToHexStringLower(SHA256.HashData(witnessPublic)));
    }

    [Fact]
    public async Task The_litewitness_request_sequence_gets_the_expected_statuses_and_bodies()
    {
        Dictionary<string, string> files = ReadArchive(out string script);
        byte[] logKey = Convert.FromHexString(LogKeyArg().Match(script).Groups[1].Value);
        string origin = "sigsum.org/v1/tree/" + Convert.ToHexStringLower(SHA256.HashData(logKey));
        string witnessName = WitnessNameArg().Match(script).Groups[1].Value;
        (byte[] seed, byte[] witnessPublic) = ReadOpenSshEd25519(files["witness_key.pem"]);
        using Ed25519NoteSigner key = Ed25519NoteSigner.FromSeed(witnessName, seed);
        Assert.Equal(witnessPublic, key.Verifier.PublicKeyBytes);

        WitnessProtocolTests.MemoryWitnessStore store = new();
        Witness.Witness witness = new(key, [new WitnessedLog(origin, [new Ed25519NoteVerifier(origin, logKey)])], store,
            new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));
        CosignatureV1Verifier cosigner = VerifierKeys.ParseCosigner(key.CosignerVerifierKey);

        List<HurlRequest> requests = ReadRequests(files["add-checkpoint.hurl"]);
        Assert.Equal(9, requests.Count);
        foreach (HurlRequest r in requests)
        {
            bool unknownLog = r.BodyContains == "unknown log";
            WitnessState? before = await store.GetAsync(origin);
            WitnessResponse response = await witness.AddCheckpointAsync(Encoding.UTF8.GetBytes(r.Body));

            // litewitness answers 403 for an unknown origin; tlog-witness says "404 Not Found" (the spec wins).
            Assert.Equal(unknownLog ? 404 : r.Status, response.Status);
            if (r.BodyEquals is not null)
            {
                Assert.Equal(r.BodyEquals, response.Body);
            }
            else if (!unknownLog)
            {
                Assert.Contains(r.BodyContains!, response.Body, StringComparison.Ordinal);
            }

            WitnessState? after = await store.GetAsync(origin);
            if (response.Status == 200)
            {
                // The body is the cosignature line; it verifies over the checkpoint the request carried.
                string checkpointText = r.Body[(r.Body.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
                SignedNote cosigned = SignedNote.Parse(checkpointText.TrimEnd('\n') + "\n" + response.Body, Witness.Witness.MaxBodyBytes);
                Assert.True(NoteVerification.HasValidSignature(cosigned, cosigner));
                Assert.Equal(cosigned.Text, Checkpoint.Parse(cosigned.Text, requireEmptyRoot: false).ToText());
            }
            else
            {
                Assert.Equal(before?.Note, after?.Note);
            }
        }

        // witnessctl list-logs: the log is at size 5.
        Assert.Equal(5, (await store.GetAsync(origin))!.Size);
    }

    [GeneratedRegex(@"^-- (.+) --\n", RegexOptions.Multiline)]
    private static partial Regex FileMarker();

    [GeneratedRegex(@"^HTTP (\d{3})$", RegexOptions.Multiline)]
    private static partial Regex StatusLine();

    [GeneratedRegex("^body contains \"(.*)\"$", RegexOptions.Multiline)]
    private static partial Regex ContainsAssert();

    [GeneratedRegex("^body == \"(.*)\"$", RegexOptions.Multiline)]
    private static partial Regex EqualsAssert();

    [GeneratedRegex(@"add-sigsum-log -key=([0-9a-f]{64})")]
    private static partial Regex LogKeyArg();

    [GeneratedRegex(@"litewitness .*-key=([0-9a-f]{64})")]
    private static partial Regex WitnessKeyArg();

    [GeneratedRegex(@"litewitness .*-name=(\S+)")]
    private static partial Regex WitnessNameArg();
}

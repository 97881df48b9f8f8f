using System.Globalization;
using Entente.Exchange.Sealing;

namespace Entente.Exchange.Tests.Kat;

/// <summary>
/// RFC 9180 Appendix A.1.1 (AES-128-GCM) and A.2.1 (ChaCha20-Poly1305), base mode, DHKEM(X25519, HKDF-SHA256),
/// HKDF-SHA256: every value of the RFC's vectors, transcribed in tests/vectors/hpke.
/// </summary>
public sealed class HpkeVectorTests
{
    public static TheoryData<string> Suites => new()
    {
        "rfc9180-A.1.1-base-x25519-sha256-aes128gcm.txt",
        "rfc9180-A.2.1-base-x25519-sha256-chacha20poly1305.txt",
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Derive_key_pair_gives_the_rfc_ephemeral_and_recipient_keys(string file)
    {
        HpkeVector v = HpkeVector.Load(file);
        byte[] skE = Hpke.DeriveKeyPairSecret(v.Bytes("ikmE"));
        byte[] skR = Hpke.DeriveKeyPairSecret(v.Bytes("ikmR"));
        using EncryptionKey e = EncryptionKey.Import(skE);
        using EncryptionKey r = EncryptionKey.Import(skR);

        Assert.Equal(v.Hex("skEm"), Convert.ToHexStringLower(skE));
        Assert.Equal(v.Hex("pkEm"), Convert.ToHexStringLower(e.PublicKey));
        Assert.Equal(v.Hex("skRm"), Convert.ToHexStringLower(skR));
        Assert.Equal(v.Hex("pkRm"), Convert.ToHexStringLower(r.PublicKey));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Sender_setup_gives_the_rfc_enc_shared_secret_and_key_schedule(string file)
    {
        HpkeVector v = HpkeVector.Load(file);
        byte[] sharedSecret = Hpke.Encap(v.Bytes("pkRm"), v.Bytes("ikmE"), out byte[] enc);
        using HpkeContext context = Hpke.SetupBaseS(v.Aead, v.Bytes("pkRm"), v.Bytes("info"), v.Bytes("ikmE"), out byte[] enc2);

        Assert.Equal(0, v.Int("mode"));
        Assert.Equal(Hpke.KemId, v.Int("kem_id"));
        Assert.Equal(Hpke.KdfId, v.Int("kdf_id"));
        Assert.Equal(v.Hex("enc"), Convert.ToHexStringLower(enc));
        Assert.Equal(v.Hex("enc"), Convert.ToHexStringLower(enc2));
        Assert.Equal(v.Hex("shared_secret"), Convert.ToHexStringLower(sharedSecret));
        Assert.Equal(v.Hex("key"), Convert.ToHexStringLower(context.Key));
        Assert.Equal(v.Hex("base_nonce"), Convert.ToHexStringLower(context.BaseNonce));
        Assert.Equal(v.Hex("exporter_secret"), Convert.ToHexStringLower(context.ExporterSecret));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Every_rfc_encryption_is_reproduced_by_the_sender_and_opened_by_the_recipient(string file)
    {
        HpkeVector v = HpkeVector.Load(file);
        using EncryptionKey recipient = EncryptionKey.Import(v.Bytes("skRm"));
        using HpkeContext sender = Hpke.SetupBaseS(v.Aead, v.Bytes("pkRm"), v.Bytes("info"), v.Bytes("ikmE"), out byte[] enc);
        using HpkeContext receiver = Hpke.SetupBaseR(v.Aead, recipient, enc, v.Bytes("info"))!;

        Assert.Equal(6, v.Encryptions.Count);
        foreach (Dictionary<string, string> e in v.Encryptions)
        {
            ulong sequence = ulong.Parse(e["sequence number"], CultureInfo.InvariantCulture);
            sender.Sequence = sequence;
            receiver.Sequence = sequence;
            byte[] ct = sender.Seal(Convert.FromHexString(e["aad"]), Convert.FromHexString(e["pt"]));
            Assert.Equal(e["ct"], Convert.ToHexStringLower(ct));
            Assert.True(receiver.TryOpen(Convert.FromHexString(e["aad"]), ct, out byte[]? pt));
            Assert.Equal(e["pt"], Convert.ToHexStringLower(pt));
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Single_shot_open_decrypts_the_rfc_first_message(string file)
    {
        HpkeVector v = HpkeVector.Load(file);
        Dictionary<string, string> first = v.Encryptions[0];
        using EncryptionKey recipient = EncryptionKey.Import(v.Bytes("skRm"));

        Assert.Equal("0", first["sequence number"]);
        Assert.True(Hpke.TryOpen(v.Aead, recipient, v.Bytes("enc"), v.Bytes("info"), Convert.FromHexString(first["aad"]), Convert.FromHexString(first["ct"]), out byte[]? pt));
        Assert.Equal(first["pt"], Convert.ToHexStringLower(pt));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Exported_values_match_the_rfc(string file)
    {
        HpkeVector v = HpkeVector.Load(file);
        using HpkeContext context = Hpke.SetupBaseS(v.Aead, v.Bytes("pkRm"), v.Bytes("info"), v.Bytes("ikmE"), out _);

        Assert.Equal(3, v.Exports.Count);
        foreach (Dictionary<string, string> x in v.Exports)
        {
            byte[] value = context.Export(Convert.FromHexString(x["exporter_context"]), int.Parse(x["L"], CultureInfo.InvariantCulture));
            Assert.Equal(x["exported_value"], Convert.ToHexStringLower(value));
        }
    }

    /// <summary>One transcribed Appendix A section: the setup values, the encryptions and the exports, in order.</summary>
    private sealed class HpkeVector
    {
        private readonly Dictionary<string, string> _setup = new(StringComparer.Ordinal);

        public List<Dictionary<string, string>> Encryptions { get; } = [];

        public List<Dictionary<string, string>> Exports { get; } = [];

        public HpkeAead Aead => (HpkeAead)Int("aead_id");

        public string Hex(string name) => _setup[name];

        public byte[] Bytes(string name) => Convert.FromHexString(_setup[name]);

        public int Int(string name) => int.Parse(_setup[name], CultureInfo.InvariantCulture);

        public static HpkeVector Load(string file)
        {
            HpkeVector vector = new();
            Dictionary<string, string> current = vector._setup;
            string? last = null;
            foreach (string raw in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "vectors", "hpke", file)))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    // A hex value the RFC wrapped onto the next line.
                    current[last!] += line;
                    continue;
                }

                string name = line[..colon];
                string value = line[(colon + 1)..].Trim();
                if (name == "sequence number")
                {
                    current = [];
                    vector.Encryptions.Add(current);
                }
                else if (name == "exporter_context")
                {
                    current = [];
                    vector.Exports.Add(current);
                }

                current[name] = value;
                last = name;
            }

            return vector;
        }
    }
}

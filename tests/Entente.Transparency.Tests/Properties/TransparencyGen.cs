using System.Text;
using CsCheck;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Tests.Properties;

/// <summary>Generators of valid log encodings (notes, entries, checkpoints, proofs) that the parser properties mutate.</summary>
internal static class TransparencyGen
{
    /// <summary>Fixed keys (seeds 1..5) so that every run signs the same way; names with and without unicode.</summary>
    public static readonly Ed25519NoteSigner[] Signers =
    [
        Ed25519NoteSigner.FromSeed("log.example/board", Seed(1)),
        Ed25519NoteSigner.FromSeed("blue.example", Seed(2)),
        Ed25519NoteSigner.FromSeed("red.example", Seed(3)),
        Ed25519NoteSigner.FromSeed("witness.blue.example", Seed(4)),
        Ed25519NoteSigner.FromSeed("t\u00e9moin-\u00e9", Seed(5)),
    ];

    /// <summary>The signers whose names are printable ASCII (valid parties of a log entry).</summary>
    public static readonly Ed25519NoteSigner[] Parties = [.. Signers.Where(s => s.Name.All(c => c is > ' ' and <= '~'))];

    private static readonly string[] TextTokens =
    [
        "a", "Z", "0", "9", " ", "-", "+", "/", "=", ".", "\u00e9", "\U0001F600", "\u2014", "x.y", "entente.org/entry/v1", "type", "sha256",
        "party", "log.example/board", "tile", "\u00a0",
    ];

    /// <summary>A line of note text (no newline).</summary>
    public static Gen<string> TextLine { get; } = Gen.OneOf(TextTokens).Array[1, 8].Select(string.Concat);

    /// <summary>Note text: one to five lines, each ending in a newline.</summary>
    public static Gen<string> NoteText { get; } = TextLine.Array[1, 5].Select(lines => string.Concat(lines.Select(l => l + "\n")));

    /// <summary>A signature line that no known key made: a random name, key ID and signature.</summary>
    public static Gen<NoteSignature> JunkSignature { get; } = Gen.Select(
        Gen.OneOf("x", "junk", "blue.example", "log.example/board", "\u00e9"), Gen.UInt, Gen.Byte.Array[1, 80],
        (name, id, sig) => new NoteSignature(name, id, sig));

    /// <summary>Signatures of <paramref name="text"/> by one to three known keys, and up to two junk ones.</summary>
    public static Gen<IReadOnlyList<NoteSignature>> Signatures(string text) => Gen.Select(
        Gen.Int[0, Signers.Length - 1].Array[1, 3], JunkSignature.Array[0, 2],
        (keys, junk) => (IReadOnlyList<NoteSignature>)[.. keys.Select(k => Signers[k].Sign(Encoding.UTF8.GetBytes(text))), .. junk]);

    /// <summary>Valid signed notes.</summary>
    public static Gen<byte[]> Note { get; } = NoteText.SelectMany(text => Signatures(text).Select(s => new SignedNote(text, s).ToBytes()));

    /// <summary>A printable-ASCII field value without spaces.</summary>
    public static Gen<string> Value { get; } = Gen.String[Gen.Char['!', '~'], 1, 40];

    /// <summary>Valid signed log entries, sometimes with further signature lines (other keys, junk, the party's twice).</summary>
    public static Gen<byte[]> Entry { get; } = Gen.Select(
            Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789.-"], 1, 24], Gen.Byte.Array[32, 32], Gen.Int[0, Parties.Length - 1],
            Value.Null(0.5), Value.Null(0.5), JunkSignature.Array[0, 2], Gen.Int[0, 3])
        .Select(t =>
        {
            (string type, byte[] sha, int party, string? ballot, string? code, NoteSignature[] junk, int extra) = t;
            Ed25519NoteSigner key = Parties[party];
            LogEntry entry = new(type, Hash256.FromBytes(sha), key.Name, ballot, code);
            SignedNote note = SignedNote.Parse(entry.Sign(key));
            List<NoteSignature> signatures = [.. note.Signatures, .. junk];
            if (extra == 1)
            {
                signatures.Add(Signers[0].Sign(note.TextBytes));
            }

            return new SignedNote(note.Text, signatures).ToBytes();
        });

    /// <summary>Checkpoint bodies: origin, size (0 with the empty root), root, sometimes extension lines.</summary>
    public static Gen<Checkpoint> Checkpoint { get; } = Gen.Select(
        Gen.OneOf(Gen.Const("log.example/board"), TextLine), Gen.OneOf(Gen.Long[0, 1000], Gen.Long[0, long.MaxValue]), Gen.Byte.Array[32, 32],
        TextLine.Array[0, 2],
        (origin, size, root, extensions) => new Checkpoint(origin, size, size == 0 ? Hash256.Empty : Hash256.FromBytes(root), extensions));

    /// <summary>Signed checkpoints: the log's signature and up to two cosignatures (timestamps anywhere in 0..2^63).</summary>
    public static Gen<byte[]> SignedCheckpoint { get; } = Gen.Select(Checkpoint, Gen.Int[0, 2], Gen.Long[0, long.MaxValue], (c, cosigners, time) =>
    {
        byte[] text = Encoding.UTF8.GetBytes(c.ToText());
        List<NoteSignature> signatures = [Signers[0].Sign(text)];
        for (int i = 0; i < cosigners; i++)
        {
            signatures.Add(Signers[3 + i].Cosign(text, (ulong)time));
        }

        return new SignedNote(c.ToText(), signatures).ToBytes();
    });

    private static byte[] Seed(byte b)
    {
        byte[] seed = new byte[32];
        seed[0] = b;
        return seed;
    }
}

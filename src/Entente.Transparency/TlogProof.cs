using System.Globalization;
using System.Text;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Transparency;

/// <summary>
/// C2SP tlog-proof (<c>c2sp.org/tlog-proof@v1</c>): an offline-verifiable receipt — optional extra data, the
/// entry index, the inclusion proof and the (cosigned) checkpoint. File extension <c>.tlog-proof</c>.
/// </summary>
/// <param name="Extra">Opaque, unauthenticated extra data, or null.</param>
/// <param name="Index">The entry's index.</param>
/// <param name="Proof">The inclusion proof, leaf sibling first.</param>
/// <param name="Checkpoint">The signed checkpoint, verbatim.</param>
public sealed record TlogProof(byte[]? Extra, long Index, IReadOnlyList<Hash256> Proof, SignedCheckpoint Checkpoint)
{
    private const string Header = "c2sp.org/tlog-proof@v1";

    /// <summary>The proof's text.</summary>
    public override string ToString()
    {
        StringBuilder sb = new();
        sb.Append(Header).Append('\n');
        if (Extra is not null)
        {
            sb.Append("extra ").Append(Convert.ToBase64String(Extra)).Append('\n');
        }

        sb.Append("index ").Append(Index.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (Hash256 h in Proof)
        {
            sb.Append(h.ToBase64()).Append('\n');
        }

        sb.Append('\n').Append(Checkpoint.Note.ToString());
        return sb.ToString();
    }

    /// <summary>Parses a proof or throws <see cref="NoteFormatException"/>.</summary>
    public static TlogProof Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 1 << 16)
        {
            throw new NoteFormatException("The tlog-proof is larger than 64 KiB.");
        }

        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            throw new NoteFormatException("The tlog-proof has no blank line before the checkpoint.");
        }

        string[] lines = text[..blank].Split('\n');
        if (lines[0] != Header)
        {
            throw new NoteFormatException($"The tlog-proof does not start with {Header}.");
        }

        int i = 1;
        byte[]? extra = null;
        if (i < lines.Length && lines[i].StartsWith("extra ", StringComparison.Ordinal))
        {
            try
            {
                extra = Convert.FromBase64String(lines[i][6..]);
            }
            catch (FormatException e)
            {
                throw new NoteFormatException("The tlog-proof extra line is not base64.", e);
            }

            // .NET's decoder skips white space and ignores padding bits: one receipt, one spelling.
            if (!string.Equals(Convert.ToBase64String(extra), lines[i][6..], StringComparison.Ordinal))
            {
                throw new NoteFormatException("The tlog-proof extra line is not canonical base64 (white space or non-zero padding bits).");
            }

            i++;
        }

        if (i >= lines.Length || !lines[i].StartsWith("index ", StringComparison.Ordinal))
        {
            throw new NoteFormatException("The tlog-proof has no index line.");
        }

        string idx = lines[i][6..];
        if (idx.Length == 0 || idx.Length > 19 || !idx.All(char.IsAsciiDigit) || (idx.Length > 1 && idx[0] == '0')
            || !long.TryParse(idx, NumberStyles.None, CultureInfo.InvariantCulture, out long index))
        {
            throw new NoteFormatException("The tlog-proof index is not a decimal number without leading zeros.");
        }

        List<Hash256> proof = [];
        for (i++; i < lines.Length; i++)
        {
            if (!Hash256.TryFromBase64(lines[i], out Hash256 h))
            {
                throw new NoteFormatException($"The tlog-proof hash on line {i + 1} is not the base64 of 32 bytes.");
            }

            proof.Add(h);
        }

        SignedCheckpoint checkpoint = SignedCheckpoint.Parse(Encoding.UTF8.GetBytes(text[(blank + 2)..]));
        return new TlogProof(extra, index, proof, checkpoint);
    }

    /// <summary>
    /// Verifies the receipt for an entry: the checkpoint is valid under <paramref name="policy"/> (log signature
    /// and witness quorum) and the inclusion proof binds <paramref name="entry"/> at <see cref="Index"/> to its root.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> entry, TrustPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.Check(Checkpoint.Note).Valid)
        {
            return false;
        }

        Checkpoint c = Checkpoint.Checkpoint;
        return MerkleMath.VerifyInclusion(Index, c.Size, Rfc6962.LeafHash(entry), Proof, c.Root);
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Cryptography;

/// <summary>
/// The key derivations of ElectionGuard 2.1.0: NIST SP 800-108r1 in counter mode with HMAC-SHA-256,
/// each block HMAC(k, counter ∥ Label ∥ 0x00 ∥ Context ∥ L) with the widths each equation prints:
/// <list type="bullet">
/// <item>share encryption (eqs 17–18): 1-byte counter 0x01, 0x02; Label "share_enc_keys";
/// Context "share_encrypt" ∥ b(i, 4) ∥ b(ℓ, 4); L = 0x0200 (512 bits, 2 bytes);</item>
/// <item>ballot-nonce encryption (eq 36): 1-byte counter 0x01; Label "ballot_nonce";
/// Context "ballot_nonce_encrypt"; L = 0x0100 (256 bits, 2 bytes);</item>
/// <item>contest data (eqs 66, 104): 4-byte counter b(i, 4) for 1 ≤ i ≤ b_Λ; Label "data_enc_keys";
/// Context "contest_data" ∥ b(ind_c, 4); L = b(b_Λ·256, 4).</item>
/// </list>
/// The labels contain underscores (the PDF's typewriter font; text extractions show spaces).
/// </summary>
public static class Kdf
{
    /// <summary>Label of eqs 17–18.</summary>
    public const string ShareEncryptionLabel = "share_enc_keys";

    /// <summary>Context prefix of eqs 17–18.</summary>
    public const string ShareEncryptionContext = "share_encrypt";

    /// <summary>Label of eq 36.</summary>
    public const string BallotNonceLabel = "ballot_nonce";

    /// <summary>Context of eq 36.</summary>
    public const string BallotNonceContext = "ballot_nonce_encrypt";

    /// <summary>Label of eqs 66 and 104.</summary>
    public const string ContestDataLabel = "data_enc_keys";

    /// <summary>Context prefix of eqs 66 and 104.</summary>
    public const string ContestDataContext = "contest_data";

    /// <summary>
    /// k_{i,ℓ,1} ∥ k_{i,ℓ,2} of eqs 17–18 (64 bytes) from the share-encryption key k_{i,ℓ} (eq 16),
    /// for sender i and recipient ℓ. The caller wipes <paramref name="destination"/> after use.
    /// </summary>
    public static void DeriveShareEncryptionKeys(Hash256 key, int senderIndex, int recipientIndex, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(senderIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(recipientIndex);
        if (destination.Length != 64)
        {
            throw new ArgumentException("The destination must be 64 bytes.", nameof(destination));
        }

        Span<byte> context = stackalloc byte[ShareEncryptionContext.Length + 8];
        Encoding.UTF8.GetBytes(ShareEncryptionContext, context);
        BinaryPrimitives.WriteInt32BigEndian(context[ShareEncryptionContext.Length..], senderIndex);
        BinaryPrimitives.WriteInt32BigEndian(context[(ShareEncryptionContext.Length + 4)..], recipientIndex);
        Span<byte> length = [0x02, 0x00];
        for (int block = 1; block <= 2; block++)
        {
            Span<byte> counter = [(byte)block];
            Block(key.Bytes, counter, ShareEncryptionLabel, context, length, destination.Slice((block - 1) * 32, 32));
        }
    }

    /// <summary>k1 of eq 36 (32 bytes) from the ballot-nonce encryption key h (eq 35).</summary>
    public static void DeriveBallotNonceKey(Hash256 key, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (destination.Length != 32)
        {
            throw new ArgumentException("The destination must be 32 bytes.", nameof(destination));
        }

        Span<byte> context = stackalloc byte[BallotNonceContext.Length];
        Encoding.UTF8.GetBytes(BallotNonceContext, context);
        Block(key.Bytes, [0x01], BallotNonceLabel, context, [0x01, 0x00], destination);
    }

    /// <summary>
    /// k_1 ∥ … ∥ k_{b_Λ} of eq 66 (32·b_Λ bytes) from the contest-data key h (eq 65) for contest
    /// index ind_c. <paramref name="destination"/> must be 32·b_Λ bytes with 1 ≤ b_Λ &lt; 2^24.
    /// </summary>
    public static void DeriveContestDataKeys(Hash256 key, int contestIndex, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(contestIndex);
        if (destination.IsEmpty || destination.Length % 32 != 0 || destination.Length / 32 >= (1 << 24))
        {
            throw new ArgumentException("The destination must be 32·b_Λ bytes with 1 ≤ b_Λ < 2^24.", nameof(destination));
        }

        int blocks = destination.Length / 32;
        Span<byte> context = stackalloc byte[ContestDataContext.Length + 4];
        Encoding.UTF8.GetBytes(ContestDataContext, context);
        BinaryPrimitives.WriteInt32BigEndian(context[ContestDataContext.Length..], contestIndex);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)blocks * 256);
        Span<byte> counter = stackalloc byte[4];
        for (int i = 1; i <= blocks; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(counter, i);
            Block(key.Bytes, counter, ContestDataLabel, context, length, destination.Slice((i - 1) * 32, 32));
        }
    }

    /// <summary>One SP 800-108 block: HMAC-SHA-256(key, counter ∥ label ∥ 0x00 ∥ context ∥ length).</summary>
    internal static void Block(ReadOnlySpan<byte> key, ReadOnlySpan<byte> counter, string label, ReadOnlySpan<byte> context, ReadOnlySpan<byte> length, Span<byte> destination)
    {
        int labelLength = Encoding.UTF8.GetByteCount(label);
        int total = counter.Length + labelLength + 1 + context.Length + length.Length;
        Span<byte> message = total <= 256 ? stackalloc byte[total] : new byte[total];
        counter.CopyTo(message);
        int offset = counter.Length;
        offset += Encoding.UTF8.GetBytes(label, message[offset..]);
        message[offset++] = 0x00;
        context.CopyTo(message[offset..]);
        offset += context.Length;
        length.CopyTo(message[offset..]);
        HMACSHA256.HashData(key, message, destination);
        CryptographicOperations.ZeroMemory(message);
    }
}

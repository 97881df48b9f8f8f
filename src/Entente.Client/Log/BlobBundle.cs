using System.Buffers.Binary;
using Entente.Transparency;

namespace Entente.Client.Log;

/// <summary>One artifact of a <c>GET /blobs</c> answer: the SHA-256 the board put before it, and its bytes (not yet re-hashed).</summary>
/// <param name="Sha256">The SHA-256 the answer names: the board's word, which the reader checks by hashing <paramref name="Bytes"/>.</param>
/// <param name="Bytes">The artifact's bytes as served.</param>
public readonly record struct BundledBlob(Hash256 Sha256, byte[] Bytes);

/// <summary>
/// The board's bulk read of artifacts, <c>GET /blobs?sha256=HEX,HEX,…</c> (docs/http-api.md): up to
/// <see cref="MaxPerRequest"/> asked at once; the answer (<c>application/octet-stream</c>) holds, for each one the board
/// holds and serves publicly, in the order asked, its 32-byte SHA-256, its length (4 bytes, big-endian) and its bytes.
/// One absent, withheld, damaged or past the answer's 8 MiB is left out (ask <c>GET /blob/{sha256}</c> for it). Read by a
/// mirror (<see cref="Mirror.LogArtifactSource.GetManyAsync"/>) and by the election board's bulk read
/// (<c>Election.HttpElectionBoard.ReadManyAsync</c>); each re-hashes every artifact before it uses it.
/// </summary>
public static class BlobBundle
{
    /// <summary>Most artifacts asked in one request (the board's limit).</summary>
    public const int MaxPerRequest = 64;

    /// <summary>
    /// The largest answer a reader accepts: the board stops adding artifacts past 8 MiB, but always holds the first one it
    /// holds, which may be as large as a blob can be.
    /// </summary>
    public const int MaxAnswerBytes = LogClient.MaxBlobBytes + (8 << 20) + 64;

    /// <summary>The request's path and query for <paramref name="sha256"/> (1 to <see cref="MaxPerRequest"/>), relative to the board's root.</summary>
    public static string Path(IReadOnlyCollection<Hash256> sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.Count is 0 or > MaxPerRequest)
        {
            throw new ArgumentOutOfRangeException(nameof(sha256), $"Ask for 1 to {MaxPerRequest} blobs per request, not {sha256.Count}.");
        }

        return "blobs?sha256=" + string.Join(',', sha256.Select(h => h.ToHex()));
    }

    /// <summary>
    /// The artifacts of an answer, in its order, as served (none re-hashed here). An answer cut short ends with the last
    /// artifact that was whole.
    /// </summary>
    public static IReadOnlyList<BundledBlob> Parse(ReadOnlySpan<byte> body)
    {
        List<BundledBlob> served = [];
        int offset = 0;
        while (body.Length - offset >= Hash256.Size + 4)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(body.Slice(offset + Hash256.Size, 4));
            if (length > body.Length - offset - Hash256.Size - 4)
            {
                break;
            }

            served.Add(new BundledBlob(Hash256.FromBytes(body.Slice(offset, Hash256.Size)), body.Slice(offset + Hash256.Size + 4, (int)length).ToArray()));
            offset += Hash256.Size + 4 + (int)length;
        }

        return served;
    }
}

using System.Buffers.Binary;
using System.Net;
using Entente.Client.Http;
using Entente.Transparency;

namespace Entente.Client.Log;

/// <summary>One artifact of a <c>GET /blobs</c> answer: the SHA-256 the board put before it, and its bytes (not yet re-hashed).</summary>
/// <param name="Sha256">The SHA-256 the answer names: the board's word, which the reader checks by hashing <paramref name="Bytes"/>.</param>
/// <param name="Bytes">The artifact's bytes as served.</param>
public readonly record struct BundledBlob(Hash256 Sha256, byte[] Bytes);

/// <summary>How one <c>GET /blobs</c> request ended (<see cref="BlobBundle.FetchAsync"/>).</summary>
public enum BlobFetchOutcome
{
    /// <summary>The board answered: <see cref="BlobFetch.Served"/> holds what it served (those left out are read alone).</summary>
    Served,

    /// <summary>The board has no such route (404, 405): read each alone, and do not ask this board again.</summary>
    RouteAbsent,

    /// <summary>
    /// The board refused this request for a reason retrying will not change, or answered with more than
    /// <see cref="BlobBundle.MaxAnswerBytes"/>: read each alone (whose answer says why one is not served).
    /// </summary>
    Refused,

    /// <summary>
    /// The board could not be reached or did not answer usefully within the retry policy (<see cref="BlobFetch.Failure"/>
    /// says why): the caller reports it in its own terms.
    /// </summary>
    Unavailable,
}

/// <summary>The outcome of one <c>GET /blobs</c> request.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Served">The artifacts served, in the answer's order, none re-hashed (empty unless <see cref="BlobFetchOutcome.Served"/>).</param>
/// <param name="Failure">
/// Why none were served (<see cref="BlobFetchOutcome.Refused"/>, <see cref="BlobFetchOutcome.Unavailable"/>): a
/// <see cref="RequestRefusedException"/>, a <see cref="ServiceUnavailableException"/>, an <see cref="HttpRequestException"/>
/// or, for an answer too large, a <see cref="FormatException"/>; else null.
/// </param>
public readonly record struct BlobFetch(BlobFetchOutcome Outcome, IReadOnlyList<BundledBlob> Served, Exception? Failure);

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
    /// Asks the board at <paramref name="http"/>'s base address for <paramref name="sha256"/> (up to
    /// <see cref="MaxPerRequest"/>; none: nothing asked, none served) with one <c>GET /blobs</c>, and says how it ended:
    /// the artifacts served (as served, none re-hashed here); the route absent (404, 405: the caller remembers it and reads
    /// one by one from then on); refused (a non-transient refusal, or an answer larger than <see cref="MaxAnswerBytes"/>,
    /// which no honest board sends: the caller reads each alone, whose answer says why); or unavailable (a transient
    /// status, the retry policy spent, no connection: the caller reports <see cref="BlobFetch.Failure"/> as its own error).
    /// Cancellation is thrown, not reported.
    /// </summary>
    public static async Task<BlobFetch> FetchAsync(HttpClient http, IReadOnlyList<Hash256> sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.Count == 0)
        {
            return new BlobFetch(BlobFetchOutcome.Served, [], null);
        }

        string path = Path(sha256);
        try
        {
            byte[]? body = await ClientResponses.GetBytesOrNullAsync(http, path, MaxAnswerBytes, cancellationToken).ConfigureAwait(false);
            return body is null ? new BlobFetch(BlobFetchOutcome.RouteAbsent, [], null) : new BlobFetch(BlobFetchOutcome.Served, Parse(body), null);
        }
        catch (RequestRefusedException e) when (e.Status == HttpStatusCode.MethodNotAllowed)
        {
            return new BlobFetch(BlobFetchOutcome.RouteAbsent, [], null);
        }
        catch (Exception e) when (e is FormatException || (e is RequestRefusedException refused && !RetryHandler.IsTransient(refused.Status)))
        {
            return new BlobFetch(BlobFetchOutcome.Refused, [], e);
        }
        catch (Exception e) when (e is RequestRefusedException or ServiceUnavailableException or HttpRequestException)
        {
            return new BlobFetch(BlobFetchOutcome.Unavailable, [], e);
        }
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

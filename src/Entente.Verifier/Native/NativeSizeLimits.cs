using System.Text;

namespace Entente.Verifier.Native;

/// <summary>
/// Upper bounds on the size of the per-ballot files of a valid record (docs/record-format.md §2), computed from the
/// manifest and the group before any such file is read. Every file is canonical JSON of a fixed shape, so the
/// largest valid ballot (opening, file of decrypted contest data) is the one of the manifest's largest ballot style
/// with every value at its full width, every label escaped at worst (6 bytes per byte) and every integer at its
/// most digits; a file larger than that bound cannot be valid and is refused by its size alone, before a byte of it
/// is read (a 50 MB "ballot" costs one look at the file system). Bounds are generous (a few hundred bytes per
/// object more than the exact size) and never above <see cref="NativeJson.MaxFileBytes"/>.
/// </summary>
internal static class NativeSizeLimits
{
    private const long Cap = NativeJson.MaxFileBytes;

    /// <summary>Room for member names, punctuation, small integers and short strings of one file.</summary>
    private const long FileOverhead = 4096;

    /// <summary>The largest valid <c>ballots/&lt;id&gt;.json</c> (§4.7).</summary>
    public static long Ballot(NativeManifest manifest, int pBytes, int qBytes)
    {
        long zp = (2L * pBytes) + 2;
        long zq = (2L * qBytes) + 2;
        long pair = (2 * zq) + 16;

        // id, h_i, chaining field, confirmation code, ballot nonce (C0, 32 bytes, c, v), style, device (≤ 64 characters), timestamp, weight, state.
        long fixedPart = FileOverhead + (4 * 66) + zp + 66 + (2 * zq) + (6 * 64);
        return Largest(manifest, contest =>
        {
            long size = 128 + 66 + Times(contest.Limit + 1, pair);
            foreach (NativeManifestOption option in contest.Options)
            {
                size = Add(size, 64 + (2 * zp) + Times(option.Limit + 1, pair));
            }

            size = contest.DataBlocks > 0 ? Add(size, 64 + zp + (64L * contest.DataBlocks) + 2 + (2 * zq)) : size;

            // A ballot recorded from a pre-encrypted ballot (§4.7.1): m + L selection hashes and L selected vectors of m
            // ciphertexts, each with a short code (at most 16 characters), plus the member's own strings.
            long m = contest.Options.Count;
            long vector = Add(64 + 48, Times(m, (2 * zp) + 24));
            return Add(Add(size, 512 + Times(m + contest.Limit, 67)), Times(contest.Limit, vector));
        }, fixedPart + 1024);
    }

    /// <summary>The largest valid <c>uncast/&lt;id&gt;.json</c> (§4.13): per contest m + L vectors, each with its label, short code, hash and m nonces.</summary>
    public static long Uncast(NativeManifest manifest, int qBytes)
    {
        long zq = (2L * qBytes) + 2;
        long longestLabel = 0;
        return Largest(manifest, contest =>
        {
            longestLabel = contest.Options.Select(o => Escaped(o.Label)).DefaultIfEmpty(0).Max();
            long perVector = Add(160 + longestLabel + 66, Times(contest.Options.Count, zq));
            return Add(256 + Escaped(contest.Label), Times(contest.Options.Count + contest.Limit, perVector));
        }, FileOverhead + 1024);
    }

    /// <summary>The largest valid <c>challenged/&lt;id&gt;.json</c> (§4.10).</summary>
    public static long Opening(NativeManifest manifest, int qBytes)
    {
        long zq = (2L * qBytes) + 2;
        return Largest(manifest, contest =>
        {
            long size = 128 + Escaped(contest.Label);
            foreach (NativeManifestOption option in contest.Options)
            {
                size = Add(size, 96 + Escaped(option.Label) + zq);
            }

            return contest.DataBlocks > 0 ? Add(size, 64 + zq + (64L * contest.DataBlocks) + 2) : size;
        }, FileOverhead);
    }

    /// <summary>The largest valid <c>contest_data/&lt;id&gt;.json</c> (§4.11): every contest with contest data of a style decrypted.</summary>
    public static long ContestData(NativeManifest manifest, int pBytes, int qBytes, int guardians)
    {
        long zp = (2L * pBytes) + 2;
        long zq = (2L * qBytes) + 2;
        long pair = (2 * zq) + 16;
        long fixedPart = Add(FileOverhead, 12L * Math.Max(guardians, 0));
        return Largest(manifest, contest => contest.DataBlocks == 0
            ? 0
            : 128 + Escaped(contest.Label) + zp + (64L * contest.DataBlocks) + 2 + (6L * 32 * contest.DataBlocks) + 2 + pair, fixedPart);
    }

    /// <summary>fixedPart + the largest, over the manifest's ballot styles, of the sum of <paramref name="contestSize"/> over the style's contests.</summary>
    private static long Largest(NativeManifest manifest, Func<NativeManifestContest, long> contestSize, long fixedPart)
    {
        long[] sizes = [.. manifest.Contests.Select(contestSize)];
        long largest = 0;
        foreach (NativeBallotStyle style in manifest.Styles)
        {
            long total = 0;
            foreach (int index in style.Contests.Where(i => i >= 1 && i <= sizes.Length))
            {
                total = Add(total, sizes[index - 1] + 1);
            }

            largest = Math.Max(largest, total);
        }

        return Add(fixedPart, largest);
    }

    /// <summary>A JSON string at its worst escaping: 6 bytes (\u00XX) per UTF-8 byte, and the quotes.</summary>
    private static long Escaped(string text) => (6L * Encoding.UTF8.GetByteCount(text)) + 2;

    private static long Add(long a, long b) => a >= Cap || b >= Cap || a + b >= Cap ? Cap : a + b;

    private static long Times(long count, long size) => count <= 0 ? 0 : count >= Cap / Math.Max(size, 1) ? Cap : count * size;
}

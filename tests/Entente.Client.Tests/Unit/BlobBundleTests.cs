using System.Buffers.Binary;
using System.Text;
using Entente.Client.Log;
using Entente.Transparency;

namespace Entente.Client.Tests.Unit;

/// <summary>The <c>GET /blobs</c> answer format (docs/http-api.md) as the mirror and the election board read it.</summary>
public sealed class BlobBundleTests
{
    private static byte[] Answer(params (Hash256 Named, byte[] Bytes)[] items)
    {
        using MemoryStream answer = new();
        byte[] length = new byte[4];
        foreach ((Hash256 named, byte[] bytes) in items)
        {
            answer.Write(named.Span);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
            answer.Write(length);
            answer.Write(bytes);
        }

        return answer.ToArray();
    }

    [Fact]
    public void An_answer_is_read_in_its_order_with_the_sha256_it_names_which_is_not_checked_here()
    {
        byte[] a = Encoding.UTF8.GetBytes("{\"a\":1}");
        byte[] empty = [];
        byte[] b = Encoding.UTF8.GetBytes("{\"b\":2}");
        Hash256 misnamed = Hash256.Compute(a); // b served under a's name: the reader re-hashes, the parser only reads
        IReadOnlyList<BundledBlob> served = BlobBundle.Parse(Answer((Hash256.Compute(a), a), (Hash256.Compute(empty), empty), (misnamed, b)));

        Assert.Equal(3, served.Count);
        Assert.Equal([Hash256.Compute(a), Hash256.Compute(empty), misnamed], served.Select(s => s.Sha256));
        Assert.Equal([a, empty, b], served.Select(s => s.Bytes));
        Assert.Empty(BlobBundle.Parse([]));
    }

    [Fact]
    public void An_answer_cut_short_ends_with_the_last_whole_artifact()
    {
        byte[] a = Encoding.UTF8.GetBytes("first artifact");
        byte[] b = Encoding.UTF8.GetBytes("second artifact");
        byte[] whole = Answer((Hash256.Compute(a), a), (Hash256.Compute(b), b));
        int firstEnd = 36 + a.Length;
        foreach (int cut in new[] { firstEnd, firstEnd + 1, firstEnd + 35, firstEnd + 36, whole.Length - 1 })
        {
            IReadOnlyList<BundledBlob> served = BlobBundle.Parse(whole.AsSpan(0, cut));
            Assert.Equal([a], served.Select(s => s.Bytes));
        }

        Assert.Equal(2, BlobBundle.Parse(whole).Count);
        Assert.Empty(BlobBundle.Parse(whole.AsSpan(0, firstEnd - 1)));
    }

    [Fact]
    public void A_request_asks_for_1_to_64_artifacts_by_their_lowercase_hex()
    {
        Hash256[] hashes = [.. Enumerable.Range(0, 65).Select(i => Hash256.Compute([(byte)i]))];
        Assert.Equal($"blobs?sha256={hashes[0].ToHex()},{hashes[1].ToHex()}", BlobBundle.Path(hashes[..2]));
        Assert.StartsWith("blobs?sha256=", BlobBundle.Path(hashes[..64]), StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobBundle.Path(hashes));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobBundle.Path([]));
    }
}

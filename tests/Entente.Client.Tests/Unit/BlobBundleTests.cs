using System.Buffers.Binary;
using System.Net;
using System.Text;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Client.Mirror;
using Entente.Client.Tests.Support;
using Entente.Transparency;
using Entente.Transparency.Mirror;
using Microsoft.AspNetCore.Http;

namespace Entente.Client.Tests.Unit;

/// <summary>
/// The <c>GET /blobs</c> answer format (docs/http-api.md) as the mirror and the election board read it, and the one fetch
/// both make (<see cref="BlobBundle.FetchAsync"/>) against a loopback server answering as told (<see cref="StaticSite.Answer"/>).
/// </summary>
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

    [Fact]
    public async Task A_fetch_says_served_route_absent_for_404_and_405_refused_for_400_403_and_an_answer_too_large_and_unavailable_for_503()
    {
        byte[] a = Encoding.UTF8.GetBytes("{\"a\":1}");
        byte[] b = Encoding.UTF8.GetBytes("{\"b\":2}");
        Hash256[] asked = [Hash256.Compute(a), Hash256.Compute(b)];
        await using StaticSite server = await StaticSite.StartAsync([]);
        using HttpClient http = new(new RetryHandler(RetryPolicy.None)) { BaseAddress = server.Address };

        string? query = null;
        server.Answer = context =>
        {
            query = Uri.UnescapeDataString(context.Request.QueryString.Value!);
            return Results.Bytes(Answer((asked[1], b)), "application/octet-stream");
        };
        BlobFetch served = await BlobBundle.FetchAsync(http, asked, CancellationToken.None);
        Assert.Equal(BlobFetchOutcome.Served, served.Outcome);
        Assert.Equal([b], served.Served.Select(s => s.Bytes));
        Assert.Null(served.Failure);
        Assert.Equal(["blobs"], server.Requests);
        Assert.Equal($"?sha256={asked[0].ToHex()},{asked[1].ToHex()}", query);

        foreach (int status in new[] { 404, 405 })
        {
            server.Answer = _ => Results.StatusCode(status);
            BlobFetch absent = await BlobBundle.FetchAsync(http, asked, CancellationToken.None);
            Assert.Equal(BlobFetchOutcome.RouteAbsent, absent.Outcome);
            Assert.Empty(absent.Served);
        }

        foreach (int status in new[] { 400, 403 })
        {
            server.Answer = _ => Results.Problem(statusCode: status, title: "No", detail: "not for you");
            BlobFetch refused = await BlobBundle.FetchAsync(http, asked, CancellationToken.None);
            Assert.Equal(BlobFetchOutcome.Refused, refused.Outcome);
            Assert.Empty(refused.Served);
            Assert.Equal((HttpStatusCode)status, Assert.IsType<RequestRefusedException>(refused.Failure).Status);
        }

        server.Answer = _ => new TooLarge();
        BlobFetch large = await BlobBundle.FetchAsync(http, asked, CancellationToken.None);
        Assert.Equal(BlobFetchOutcome.Refused, large.Outcome);
        Assert.IsType<FormatException>(large.Failure);

        server.Answer = _ => Results.Problem(statusCode: 503, title: "Busy", detail: "try later");
        BlobFetch busy = await BlobBundle.FetchAsync(http, asked, CancellationToken.None);
        Assert.Equal(BlobFetchOutcome.Unavailable, busy.Outcome);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, Assert.IsType<RequestRefusedException>(busy.Failure).Status);

        int before = server.Requests.Count;
        Assert.Equal(BlobFetchOutcome.Served, (await BlobBundle.FetchAsync(http, [], CancellationToken.None)).Outcome);
        Assert.Equal(before, server.Requests.Count); // none asked: no request
    }

    [Fact]
    public async Task A_board_nobody_answers_is_unavailable()
    {
        Uri closed;
        await using (StaticSite server = await StaticSite.StartAsync([]))
        {
            closed = server.Address;
        }

        using HttpClient http = new(new RetryHandler(RetryPolicy.None)) { BaseAddress = closed };
        BlobFetch fetch = await BlobBundle.FetchAsync(http, [Hash256.Compute([1])], CancellationToken.None);
        Assert.Equal(BlobFetchOutcome.Unavailable, fetch.Outcome);
        Assert.IsType<ServiceUnavailableException>(fetch.Failure);
    }

    [Fact]
    public async Task The_mirror_source_serves_none_on_a_refusal_remembers_an_absent_route_and_reports_a_board_unavailable_as_HttpRequestException()
    {
        byte[] a = Encoding.UTF8.GetBytes("artifact");
        Hash256[] asked = [Hash256.Compute(a)];
        await using StaticSite server = await StaticSite.StartAsync([]);
        using LogArtifactSource source = new(server.Address, RetryPolicy.None);

        server.Answer = _ => Results.Bytes(Answer((asked[0], a)), "application/octet-stream");
        Assert.Equal([a], await source.GetManyAsync(asked, CancellationToken.None));

        server.Answer = _ => Results.Problem(statusCode: 403, title: "No", detail: "not for you");
        Assert.Empty(await source.GetManyAsync(asked, CancellationToken.None));
        server.Answer = _ => new TooLarge();
        Assert.Empty(await source.GetManyAsync(asked, CancellationToken.None));

        server.Answer = _ => Results.Problem(statusCode: 503, title: "Busy", detail: "try later");
        HttpRequestException unavailable = await Assert.ThrowsAsync<HttpRequestException>(() => source.GetManyAsync(asked, CancellationToken.None));
        Assert.Contains("503", unavailable.Message, StringComparison.Ordinal);
        // The single read says the same (it let the 503 through as a RequestRefusedException), and a refusal is the
        // artifact's: withheld, with the board's answer.
        HttpRequestException unavailableAlone = await Assert.ThrowsAsync<HttpRequestException>(() => source.GetAsync(asked[0], CancellationToken.None));
        Assert.Contains("503", unavailableAlone.Message, StringComparison.Ordinal);
        server.Answer = _ => Results.Problem(statusCode: 403, title: "No", detail: "not for you");
        ArtifactServed refused = await source.GetAsync(asked[0], CancellationToken.None);
        Assert.Null(refused.Bytes);
        Assert.Contains("403 No: not for you", refused.Refusal, StringComparison.Ordinal);

        server.Answer = _ => Results.StatusCode(405);
        Assert.Empty(await source.GetManyAsync(asked, CancellationToken.None));
        int asks = server.Requests.Count;
        server.Answer = _ => Results.Bytes(Answer((asked[0], a)), "application/octet-stream");
        Assert.Empty(await source.GetManyAsync(asked, CancellationToken.None));
        Assert.Equal(asks, server.Requests.Count); // the route is not asked again
    }

    /// <summary>A header announcing one byte more than any answer may hold; the reader stops at the header.</summary>
    private sealed class TooLarge : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = "application/octet-stream";
            httpContext.Response.ContentLength = BlobBundle.MaxAnswerBytes + 1L;
            await httpContext.Response.StartAsync(httpContext.RequestAborted);
            await httpContext.Response.Body.FlushAsync(httpContext.RequestAborted);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), httpContext.RequestAborted); // until the reader drops the connection
            }
            catch (OperationCanceledException)
            {
            }

            httpContext.Abort();
        }
    }
}

using Entente.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Entente.Server.Tests.Unit;

/// <summary>
/// <see cref="RequestAuthenticator.ReadLimitedAsync"/>: a body is read whole up to the route's limit, whether its length
/// is declared (small ones into one array of that length, large ones as they arrive) or not, and one past the limit is
/// refused (null) however it comes.
/// </summary>
public sealed class RequestBodyTests
{
    /// <summary>A stream that hands out at most 7,000 bytes a read, as a socket does.</summary>
    private sealed class Trickle(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7000)], cancellationToken);
    }

    private static HttpRequest Request(byte[] body, bool declared)
    {
        DefaultHttpContext context = new();
        context.Request.Body = new Trickle(body);
        context.Request.ContentLength = declared ? body.Length : null;
        return context.Request;
    }

    private static byte[] Body(int length)
    {
        byte[] body = new byte[length];
        new Random(length).NextBytes(body);
        return body;
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(150_000, true)]
    [InlineData((1 << 20) + 5, true)]
    [InlineData(150_000, false)]
    public async Task A_body_within_the_limit_is_read_whole(int length, bool declared)
    {
        byte[] body = Body(length);
        Assert.Equal(body, await RequestAuthenticator.ReadLimitedAsync(Request(body, declared), 2 << 20, CancellationToken.None));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_past_the_limit_is_refused(bool declared)
    {
        Assert.Null(await RequestAuthenticator.ReadLimitedAsync(Request(Body(100_001), declared), 100_000, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_that_ends_before_its_declared_length_is_returned_as_it_came()
    {
        byte[] body = Body(5_000);
        HttpRequest request = Request(body, declared: true);
        request.ContentLength = 9_000;
        Assert.Equal(body, await RequestAuthenticator.ReadLimitedAsync(request, 100_000, CancellationToken.None));
    }
}

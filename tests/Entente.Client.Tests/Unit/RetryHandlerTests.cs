using System.Net;
using System.Net.Sockets;
using Entente.Client.Http;

namespace Entente.Client.Tests.Unit;

public sealed class RetryHandlerTests
{
    private static readonly RetryPolicy Fast = new() { MaxAttempts = 4, FirstDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20), MaxElapsed = TimeSpan.FromSeconds(10) };

    /// <summary>Answers from a script, one answer per request, and remembers each body it was sent.</summary>
    private sealed class Script(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        private int _next;

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            return answers[Math.Min(_next++, answers.Length - 1)]();
        }
    }

    private static Func<HttpResponseMessage> Status(HttpStatusCode code, TimeSpan? retryAfter = null) => () =>
    {
        HttpResponseMessage response = new(code);
        if (retryAfter is TimeSpan r)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(r);
        }

        return response;
    };

    private static Func<HttpResponseMessage> Refused() => () => throw new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused));

    [Fact]
    public async Task A_request_that_fails_twice_to_connect_and_then_succeeds_is_answered_with_the_same_body_each_time()
    {
        Script script = new(Refused(), Status(HttpStatusCode.ServiceUnavailable), Status(HttpStatusCode.Created));
        using HttpClient http = new(new RetryHandler(script, Fast));
        using HttpResponseMessage response = await http.PostAsync("http://board.invalid/board/ballots", new StringContent("ballot"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["ballot", "ballot", "ballot"], script.Bodies);
    }

    [Fact]
    public async Task A_service_that_never_answers_ends_in_one_clear_error_after_the_bound()
    {
        Script script = new(Refused());
        using HttpClient http = new(new RetryHandler(script, Fast));
        ServiceUnavailableException e = await Assert.ThrowsAsync<ServiceUnavailableException>(() => http.GetAsync("http://board.invalid/checkpoint"));
        Assert.Equal(Fast.MaxAttempts, script.Bodies.Count);
        Assert.Contains("4 attempt(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains("http://board.invalid/checkpoint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_that_will_not_pass_are_returned_at_once()
    {
        foreach (HttpStatusCode code in new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.Conflict, HttpStatusCode.UnprocessableEntity, HttpStatusCode.InternalServerError })
        {
            Script script = new(Status(code), Status(HttpStatusCode.OK));
            using HttpClient http = new(new RetryHandler(script, Fast));
            using HttpResponseMessage response = await http.GetAsync("http://board.invalid/board");
            Assert.Equal(code, response.StatusCode);
            Assert.Single(script.Bodies);
        }
    }

    [Fact]
    public async Task The_last_transient_answer_is_returned_for_the_caller_to_read_when_attempts_run_out()
    {
        Script script = new(Status(HttpStatusCode.TooManyRequests, TimeSpan.FromMilliseconds(5)));
        using HttpClient http = new(new RetryHandler(script, Fast));
        using HttpResponseMessage response = await http.GetAsync("http://board.invalid/add");
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(Fast.MaxAttempts, script.Bodies.Count);
    }

    [Fact]
    public async Task A_cancelled_request_is_not_retried()
    {
        Script script = new(Refused());
        using HttpClient http = new(new RetryHandler(script, Fast with { FirstDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(5) }));
        using CancellationTokenSource cts = new(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.GetAsync("http://board.invalid/", cts.Token));
        Assert.Single(script.Bodies);
    }
}

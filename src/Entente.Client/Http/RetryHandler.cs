using System.Globalization;
using System.Net;

namespace Entente.Client.Http;

/// <summary>How long and how often a client retries a request that failed for a reason that may pass.</summary>
public sealed record RetryPolicy
{
    /// <summary>The default: up to 8 attempts within 60 s, backing off from 250 ms to 8 s.</summary>
    public static readonly RetryPolicy Default = new();

    /// <summary>No retry: the first failure is final (for tests of failure paths).</summary>
    public static readonly RetryPolicy None = new() { MaxAttempts = 1 };

    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>Time after which no new attempt starts.</summary>
    public TimeSpan MaxElapsed { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Wait before the second attempt; each later wait doubles, up to <see cref="MaxDelay"/>, with ±20 % jitter.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between attempts, also the most a server's Retry-After is honoured.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);
}

/// <summary>A service that did not answer usefully within the retry policy.</summary>
public sealed class ServiceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ServiceUnavailableException()
        : this("the service did not answer")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ServiceUnavailableException(string message)
        : this(message, null)
    {
    }
}

/// <summary>
/// Retries requests whose failure may pass: no connection (refused, reset, DNS), a timeout, 502/503/504 and 429
/// (honouring <c>Retry-After</c> up to <see cref="RetryPolicy.MaxDelay"/>), with exponential backoff and jitter, within
/// the attempts and time of a <see cref="RetryPolicy"/>; then throws <see cref="ServiceUnavailableException"/> saying what
/// failed. Every Entente write is idempotent (a repeated board post or log entry changes nothing), so a retried POST
/// whose first attempt did land is answered with what is already there, never applied twice. Put it outside
/// <see cref="HttpSignatureHandler"/> so that each attempt is signed afresh (a new nonce):
/// <code>new RetryHandler(new HttpSignatureHandler(key))</code>.
/// </summary>
public sealed class RetryHandler : DelegatingHandler
{
    private readonly RetryPolicy _policy;
    private readonly TimeProvider _time;

    /// <summary>Retries through <paramref name="inner"/> under <paramref name="policy"/> (default <see cref="RetryPolicy.Default"/>).</summary>
    public RetryHandler(HttpMessageHandler inner, RetryPolicy? policy = null, TimeProvider? time = null)
        : base(inner)
    {
        _policy = policy ?? RetryPolicy.Default;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Retries over a new <see cref="SocketsHttpHandler"/>.</summary>
    public RetryHandler(RetryPolicy? policy = null)
        : this(new SocketsHttpHandler(), policy)
    {
    }

    /// <summary>True for a status that may pass on its own.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.TooManyRequests;

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is not null)
        {
            // A retry sends the same body again.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        long start = _time.GetTimestamp();
        TimeSpan delay = _policy.FirstDelay;
        for (int attempt = 1; ; attempt++)
        {
            string failure;
            TimeSpan? retryAfter = null;
            Exception? cause = null;
            try
            {
                HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (!IsTransient(response.StatusCode))
                {
                    return response;
                }

                failure = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                retryAfter = RetryAfter(response);
                if (attempt >= _policy.MaxAttempts || Elapsed(start) >= _policy.MaxElapsed)
                {
                    return response; // the caller reads the ProblemDetails
                }

                response.Dispose();
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
                cause = e;
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = "the request timed out";
                cause = e;
            }

            TimeSpan wait = retryAfter is TimeSpan r ? (r < TimeSpan.Zero ? TimeSpan.Zero : r < _policy.MaxDelay ? r : _policy.MaxDelay) : Jitter(delay);
            if (attempt >= _policy.MaxAttempts || Elapsed(start) + wait >= _policy.MaxElapsed)
            {
                throw new ServiceUnavailableException(
                    $"{request.Method} {request.RequestUri}: {failure}, {attempt} attempt(s) over {Elapsed(start).TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; check that the service is running and reachable, then run the command again (nothing is applied twice).",
                    cause);
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < _policy.MaxDelay ? delay * 2 : _policy.MaxDelay;
        }
    }

    private TimeSpan Elapsed(long start) => _time.GetElapsedTime(start);

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (0.4 * Random.Shared.NextDouble()));

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        if (header.Delta is TimeSpan delta)
        {
            return delta;
        }

        return header.Date is DateTimeOffset date ? date - DateTimeOffset.UtcNow : null;
    }
}

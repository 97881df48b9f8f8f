using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Client.Record;

namespace Entente.Cli.Commands.Record;

/// <summary>
/// Shared pieces of the verbs that talk to a board or a log over HTTP (<c>record fetch</c>, <c>log append|get|proof|
/// verify</c>). What can go wrong outside the verb's own checks (a service that did not answer or refused, a log that
/// does not agree with its checkpoint) is mapped to one line and an exit code by <see cref="VerbAction"/>.
/// </summary>
internal static class RemoteAction
{
    public static int Fail(TextWriter error, string message, int code)
    {
        error.WriteLine("error: " + message);
        return code;
    }

    /// <summary>A URL option's value as an absolute http(s) URI, or a usage error.</summary>
    public static Uri Url(string value, string option) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new FormatException($"{option}: \"{value}\" is not an http(s) URL such as http://127.0.0.1:5080/.");

    /// <summary>A retry bound of <paramref name="seconds"/>: attempts back off from 250 ms and stop once the time is spent.</summary>
    public static RetryPolicy Retry(double seconds) =>
        seconds <= 0
            ? RetryPolicy.None
            : RetryPolicy.Default with { MaxElapsed = TimeSpan.FromSeconds(seconds), MaxAttempts = int.MaxValue };
}

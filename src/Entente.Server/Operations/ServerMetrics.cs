using System.Diagnostics.Metrics;
using Entente.Transparency.Log;

namespace Entente.Server.Operations;

/// <summary>
/// The board's instruments (meter <see cref="MeterName"/>), exported by OpenTelemetry on <c>/metrics</c> in the Prometheus
/// text format (docs/http-api.md, "Operations"). Tags never carry a secret, a key or a ballot: only the route kind, a
/// witness's key name, an HTTP status and a problem's title (a short fixed phrase chosen by the server).
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "Entente.Server";

    private readonly Meter _meter;
    private readonly Counter<long> _appends;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _ballotsShed;
    private readonly Histogram<double> _cosignature;
    private readonly Histogram<double> _ballotValidation;
    private readonly TimeProvider _time;
    private Sequencer? _sequencer;
    private long _cosignedAtUnixSeconds = -1;

    /// <summary>Creates the instruments.</summary>
    public ServerMetrics(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _meter = new Meter(MeterName, "1.0");
        _appends = _meter.CreateCounter<long>("entente.log.appends", "{entry}", "Entries appended to the log (a duplicate of an entry already logged is counted with duplicate=true).");
        _refusals = _meter.CreateCounter<long>("entente.http.refusals", "{request}", "Requests answered with a 4xx problem, by status and problem title (board refusals included).");
        _rateLimited = _meter.CreateCounter<long>("entente.http.rate_limited", "{request}", "Writes refused by the rate limiter (429), by partition kind: key or address.");
        _ballotsShed = _meter.CreateCounter<long>("entente.ballot.shed", "{request}", "Ballot posts answered 503 with Retry-After because the board was validating as many ballots as it holds at once (limits.maxPendingValidations).");
        _cosignature = _meter.CreateHistogram<double>("entente.witness.cosignature.duration", "s", "Time a witness took to answer add-checkpoint, by witness and outcome.");
        _ballotValidation = _meter.CreateHistogram<double>("entente.ballot.validation.duration", "s", "Time to check a submitted ballot (parse, proofs, confirmation code) before it is logged, by outcome.");
        _meter.CreateObservableGauge("entente.sequencer.queue_depth", () => _sequencer?.QueueDepth ?? 0, "{entry}", "Entries waiting to be committed by the sequencer.");
        _meter.CreateObservableGauge("entente.log.size", () => _sequencer?.Head.Size ?? 0, "{entry}", "Entries in the log (the head checkpoint's size).");
        _meter.CreateObservableGauge("entente.checkpoint.age", ObserveCheckpointAge, "s", "Age of the latest cosigned checkpoint (from its newest cosignature's timestamp); absent before the first.");
    }

    /// <summary>Observes the sequencer's queue and head.</summary>
    internal void Watch(Sequencer sequencer) => _sequencer = sequencer;

    /// <summary>The time the latest cosigned checkpoint was cosigned (its newest cosignature), once known.</summary>
    internal void CheckpointCosigned(DateTimeOffset cosignedAt) =>
        Interlocked.Exchange(ref _cosignedAtUnixSeconds, cosignedAt.ToUnixTimeSeconds());

    /// <summary>One entry appended; <paramref name="source"/> is <c>log</c> (POST /add) or <c>board</c>.</summary>
    public void Appended(string source, bool duplicate) =>
        _appends.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("duplicate", duplicate));

    /// <summary>A 4xx problem answered.</summary>
    public void Refused(int status, string? title) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("reason", string.IsNullOrEmpty(title) ? "(none)" : title));

    /// <summary>A write refused by the rate limiter.</summary>
    public void RateLimited(string partitionKind) =>
        _rateLimited.Add(1, new KeyValuePair<string, object?>("partition", partitionKind));

    /// <summary>A witness answered (or failed to) after <paramref name="elapsed"/>.</summary>
    public void Cosignature(string witness, string outcome, TimeSpan elapsed) =>
        _cosignature.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("witness", witness), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A ballot post answered 503 before any work, because validation lags (limits.maxPendingValidations).</summary>
    public void BallotShed() => _ballotsShed.Add(1);

    /// <summary>A ballot checked in <paramref name="elapsed"/>; <paramref name="accepted"/> says whether it passed.</summary>
    public void BallotValidated(TimeSpan elapsed, bool accepted) =>
        _ballotValidation.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", accepted ? "accepted" : "refused"));

    private IEnumerable<Measurement<double>> ObserveCheckpointAge()
    {
        long at = Interlocked.Read(ref _cosignedAtUnixSeconds);
        if (at >= 0)
        {
            yield return new Measurement<double>(Math.Max(0, _time.GetUtcNow().ToUnixTimeSeconds() - at));
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}

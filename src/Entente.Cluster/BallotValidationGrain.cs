using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Microsoft.Extensions.Logging;
using Orleans.Placement;

namespace Entente.Cluster;

/// <summary>
/// A worker that checks posted ballots for a board (<see cref="BallotValidation.Validate"/>: the strict parse and every
/// proof, hash and code of <see cref="RecordSelfCheck.CheckBallot"/>, exactly as the board's own cores would). It holds
/// no state of its own: the election's public context is kept per silo process, read once from the document the board
/// sends when a silo does not have it yet (<see cref="ValidateWithContextAsync"/>). The board keeps the single sequencer
/// and the log; a worker only answers "valid" or the failures.
/// </summary>
public interface IBallotValidationGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The failures of the ballot <paramref name="ballot"/> (empty: valid) under the context named
    /// <paramref name="contextId"/> (<see cref="BallotValidation.ContextId"/>), or null when this silo does not hold
    /// that context yet: then ask <see cref="ValidateWithContextAsync"/>.
    /// </summary>
    Task<string[]?> ValidateAsync(string contextId, byte[] ballot);

    /// <summary>As <see cref="ValidateAsync"/>, with the context document, which the silo reads (strictly) and keeps.</summary>
    Task<string[]> ValidateWithContextAsync(string contextId, byte[] context, byte[] ballot);
}

/// <summary>
/// Placed on the silo with the fewest activations, so that a board's workers (one grain per key, one ballot at a time
/// each) spread over every silo; the checks run on the thread pool, outside the grain's scheduler.
/// </summary>
[ActivationCountBasedPlacement]
internal sealed partial class BallotValidationGrain(ILogger<BallotValidationGrain> log) : Grain, IBallotValidationGrain
{
    // The contexts this silo holds, by document id: a handful at most (emptied past eight, as the shard keys are).
    private static readonly ConcurrentDictionary<string, ElectionContext> Contexts = new(StringComparer.Ordinal);
    private static long s_validated;

    public async Task<string[]?> ValidateAsync(string contextId, byte[] ballot)
        => Contexts.TryGetValue(contextId, out ElectionContext? context) ? await Run(context, ballot).ConfigureAwait(true) : null;

    public Task<string[]> ValidateWithContextAsync(string contextId, byte[] context, byte[] ballot)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Contexts.TryGetValue(contextId, out ElectionContext? held))
        {
            if (BallotValidation.ContextId(context) != contextId)
            {
                throw new ArgumentException($"the context document's SHA-256 is not {contextId}", nameof(context));
            }

            held = BallotValidation.ReadContext(context);
            if (Contexts.Count > 8)
            {
                Contexts.Clear();
            }

            if (Contexts.TryAdd(contextId, held))
            {
                LogContext(log, contextId[..16], held.Parameters.Manifest.Contests.Count);
            }
        }

        return Run(held, ballot);
    }

    private Task<string[]> Run(ElectionContext context, byte[] ballot) => Task.Run(() =>
    {
        string[] failures = [.. BallotValidation.Validate(context, ballot)];
        long done = Interlocked.Increment(ref s_validated);
        if (done % 100 == 0)
        {
            LogProgress(log, done);
        }

        return failures;
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "ballot validation: holding election context {Id}… ({Contests} contest(s)); validating its ballots")]
    private static partial void LogContext(ILogger log, string id, int contests);

    [LoggerMessage(Level = LogLevel.Information, Message = "ballot validation: {Count} ballot(s) validated by this silo")]
    private static partial void LogProgress(ILogger log, long count);
}

/// <summary>
/// The board's ballot checks on a cluster's workers (<c>entente serve --cluster</c>): each ballot goes to one of
/// <see cref="Workers"/> grains in turn, which Orleans spreads over the silos. A call that fails because a silo died or
/// a connection dropped, or that takes longer than <see cref="AttemptTimeout"/>, is asked of the next worker, twice at most; then the board answers 503 with Retry-After
/// (<see cref="BallotValidationUnavailableException"/>) and the device posts the ballot again.
/// </summary>
public sealed class ClusterBallotValidator : IBallotValidator
{
    private readonly IClusterClient _client;
    private readonly ConditionalWeakTable<ElectionContext, ContextDocument> _documents = new();
    private long _next = -1;

    /// <summary>Validates on the cluster of <paramref name="client"/> with <paramref name="workers"/> grains.</summary>
    public ClusterBallotValidator(IClusterClient client, int workers)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _client = client;
        Workers = workers;
    }

    /// <summary>How many worker grains share the ballots: at most this many ballots are checked at once.</summary>
    public int Workers { get; }

    /// <summary>
    /// How long one attempt may take before it is asked of the next worker (default 30 s: a ballot takes milliseconds; a
    /// call to a silo that died just after it was sent may otherwise wait until Orleans declares the silo dead).
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> ValidateAsync(ElectionContext context, byte[] body, EncryptedBallot ballot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        ContextDocument document = _documents.GetValue(context, c =>
        {
            byte[] bytes = BallotValidation.WriteContext(c);
            return new ContextDocument(BallotValidation.ContextId(bytes), bytes);
        });
        const int Attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            IBallotValidationGrain worker = _client.GetGrain<IBallotValidationGrain>((long)((ulong)Interlocked.Increment(ref _next) % (ulong)Workers));
            try
            {
                string[]? failures = await worker.ValidateAsync(document.Id, body).WaitAsync(AttemptTimeout, cancellationToken).ConfigureAwait(false);
                return failures ?? await worker.ValidateWithContextAsync(document.Id, document.Bytes, body).WaitAsync(AttemptTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (ClusterShardRunner.IsTransient(e))
            {
                if (attempt >= Attempts)
                {
                    throw new BallotValidationUnavailableException($"the cluster's validation workers did not answer {Attempts} times, the last with {e.GetType().Name}: {e.Message}", e);
                }
            }
        }
    }

    private sealed record ContextDocument(string Id, byte[] Bytes);
}

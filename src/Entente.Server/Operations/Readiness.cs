using System.Globalization;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Server.Operations;

/// <summary>One readiness check: its name (<c>store</c>, <c>sequencer</c>, <c>witness:NAME</c>, <c>checkpoint</c>), whether it passed, and why.</summary>
/// <param name="Name">The check.</param>
/// <param name="Ok">True when it passed.</param>
/// <param name="Detail">What was found, in one sentence (no secret: sizes, ages, key names, URLs of witnesses).</param>
internal sealed record ReadinessCheck(string Name, bool Ok, string Detail);

/// <summary>
/// The checks of <c>/readyz</c>: the store answers (its head is read), the sequencer has not stopped, each configured
/// witness answers HTTP at its submission prefix (any status counts: the probe asks for reachability, not a
/// cosignature), and the witnessed checkpoint is fresh: the latest cosigned checkpoint covers the head, or, while the
/// log has grown past it, is younger than <see cref="HealthOptions.MaxCheckpointAgeSeconds"/> (its age is that of its
/// newest cosignature). A board without witnesses has no checkpoint check to fail: it publishes its head.
/// </summary>
internal static class Readiness
{
    public static async Task<IReadOnlyList<ReadinessCheck>> CheckAsync(LogService log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        List<ReadinessCheck> checks = [];
        StoredCheckpoint? stored = null;
        try
        {
            stored = await log.Store.ReadHeadAsync(cancellationToken);
            checks.Add(stored is null
                ? new ReadinessCheck("store", false, "the store holds no signed checkpoint")
                : new ReadinessCheck("store", true, $"the store answers; its head is size {N(stored.Size)}"));
        }
        catch (Exception e) when (e is LogStoreException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            checks.Add(new ReadinessCheck("store", false, $"the store does not answer: {e.Message}"));
        }

        checks.Add(log.Sequencer.Fatal is Exception fatal
            ? new ReadinessCheck("sequencer", false, $"the sequencer stopped: {fatal.Message}")
            : new ReadinessCheck("sequencer", true, $"running; {N(log.Sequencer.QueueDepth)} entries waiting"));

        List<CosignatureV1Verifier> witnessKeys = [];
        Task<ReadinessCheck>[] probes = [.. log.Options.Witnesses.Select(w => ProbeAsync(log, w, cancellationToken))];
        foreach (WitnessRef w in log.Options.Witnesses)
        {
            try
            {
                witnessKeys.Add(VerifierKeys.ParseCosigner(w.Key));
            }
            catch (NoteFormatException)
            {
                // the configuration was checked at start; a key that does not parse has no cosignature to date
            }
        }

        checks.AddRange(await Task.WhenAll(probes));
        if (witnessKeys.Count > 0)
        {
            checks.Add(await CheckpointAsync(log, witnessKeys, time, cancellationToken));
        }

        return checks;
    }

    private static async Task<ReadinessCheck> ProbeAsync(LogService log, WitnessRef witness, CancellationToken cancellationToken)
    {
        string name;
        try
        {
            name = "witness:" + VerifierKeys.ParseCosigner(witness.Key).Name;
        }
        catch (NoteFormatException)
        {
            name = "witness:" + witness.Url;
        }

        Uri url = new(witness.Url.EndsWith('/') ? witness.Url : witness.Url + "/");
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(100, log.Options.Health.WitnessTimeoutMs)));
        try
        {
            using HttpRequestMessage request = new(HttpMethod.Get, new Uri(url, "add-checkpoint"));
            using HttpResponseMessage response = await log.WitnessHttp.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return new ReadinessCheck(name, true, $"{url} answers");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ReadinessCheck(name, false, $"{url} does not answer: {(e is TaskCanceledException ? $"no answer within {log.Options.Health.WitnessTimeoutMs} ms" : e.Message)}");
        }
    }

    private static async Task<ReadinessCheck> CheckpointAsync(LogService log, IReadOnlyList<CosignatureV1Verifier> witnesses, TimeProvider time, CancellationToken cancellationToken)
    {
        long head = log.Sequencer.Head.Size;
        int limit = log.Options.Health.MaxCheckpointAgeSeconds;
        StoredCheckpoint? cosigned;
        try
        {
            cosigned = await log.Store.ReadCosignedAsync(cancellationToken);
        }
        catch (Exception e) when (e is LogStoreException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            return new ReadinessCheck("checkpoint", false, $"the cosigned checkpoint cannot be read: {e.Message}");
        }

        if (cosigned is null)
        {
            return new ReadinessCheck("checkpoint", false, $"no checkpoint is cosigned yet (head size {N(head)}); are the witnesses reachable?");
        }

        DateTimeOffset? at = CosignedAt(cosigned, witnesses);
        if (at is DateTimeOffset when)
        {
            log.Metrics.CheckpointCosigned(when);
        }

        double age = at is DateTimeOffset t ? Math.Max(0, (time.GetUtcNow() - t).TotalSeconds) : double.PositiveInfinity;
        string ageText = double.IsInfinity(age) ? "of unknown age" : $"{N((long)age)} s old";
        if (cosigned.Size >= head)
        {
            return new ReadinessCheck("checkpoint", true, $"the head (size {N(head)}) is cosigned; the cosignature is {ageText}");
        }

        return age <= limit
            ? new ReadinessCheck("checkpoint", true, $"the latest cosigned checkpoint (size {N(cosigned.Size)} of {N(head)}) is {ageText}, within {N(limit)} s")
            : new ReadinessCheck("checkpoint", false, $"the latest cosigned checkpoint (size {N(cosigned.Size)}) is {ageText} and does not cover the head (size {N(head)}); the limit is {N(limit)} s");
    }

    /// <summary>The newest timestamp among the configured witnesses' cosignatures on the note, or null.</summary>
    private static DateTimeOffset? CosignedAt(StoredCheckpoint cosigned, IReadOnlyList<CosignatureV1Verifier> witnesses)
    {
        if (!SignedNote.TryParse(cosigned.Note, out SignedNote? note) || note is null)
        {
            return null;
        }

        ulong newest = 0;
        foreach (NoteSignature s in note.Signatures)
        {
            if (s.Signature.Length == 72 && witnesses.Any(w => w.Name == s.Name && w.KeyId == s.KeyId))
            {
                newest = Math.Max(newest, CosignatureV1Verifier.Timestamp(s.Signature));
            }
        }

        return newest is 0 or > (ulong)253402300799 ? null : DateTimeOffset.FromUnixTimeSeconds((long)newest);
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
}

using Entente.Server.Operations;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Entente.Transparency.Witness;

namespace Entente.Server.Log;

/// <summary>
/// Everything the log endpoints use: the store, the sequencer (single writer), the reader, the charter, the witness
/// collector, the board's witness policy and the replay window of its signed requests.
/// </summary>
public sealed class LogService : IAsyncDisposable
{
    private readonly Ed25519NoteSigner _key;
    private readonly HttpClient _http;
    private volatile PublishedCache? _published;
    private readonly MeasuredWitnessSubmitter? _submitter;
    private readonly INoteVerifier _logKey;

    private LogService(LogServerOptions options, ILogStore store, IBlobStore blobs, INonceStore nonces, Sequencer sequencer, Charter charter, Ed25519NoteSigner key,
        CosignatureCollector? collector, HttpClient http, TrustPolicy? policy, string? policyText, ServerMetrics metrics, MeasuredWitnessSubmitter? submitter,
        Mirror.ReadOnlyMirror? readOnlyMirror = null, INoteVerifier? logKey = null)
    {
        ReadOnlyMirror = readOnlyMirror;
        _logKey = logKey ?? key.Verifier;
        Metrics = metrics;
        _submitter = submitter;
        Options = options;
        Store = store;
        Blobs = blobs;
        Nonces = nonces;
        Sequencer = sequencer;
        Reader = new LogReader(store);
        Charter = charter;
        _key = key;
        Collector = collector;
        _http = http;
        Policy = policy;
        PolicyText = policyText;
    }

    /// <summary>The published checkpoint last found to satisfy the policy, so that the policy is checked once per checkpoint.</summary>
    private sealed record PublishedCache(byte[] Note, bool Satisfies);

    public LogServerOptions Options { get; }

    /// <summary>The board's instruments (<c>/metrics</c>).</summary>
    public ServerMetrics Metrics { get; }

    /// <summary>The HTTP client of the witnesses (the collector's and the readiness probe's).</summary>
    internal HttpClient WitnessHttp => _http;

    /// <summary>Gives the witness transport the host's logger (the collector starts before the host is built).</summary>
    internal void UseLogger(Microsoft.Extensions.Logging.ILoggerFactory loggers)
    {
        if (_submitter is not null)
        {
            ArgumentNullException.ThrowIfNull(loggers);
            _submitter.Logger = loggers.CreateLogger("Entente.Server.Witnesses");
        }
    }

    public ILogStore Store { get; }

    public IBlobStore Blobs { get; }

    public Sequencer Sequencer { get; }

    public LogReader Reader { get; }

    public Charter Charter { get; }

    public CosignatureCollector? Collector { get; }

    /// <summary>The replay window of signed requests, in the board's store.</summary>
    public INonceStore Nonces { get; }

    /// <summary>
    /// The board's witness policy (<see cref="LogServerOptions.Policy"/>, else the configured witnesses and quorum), or
    /// null when the board has none: then the head is published.
    /// </summary>
    public TrustPolicy? Policy { get; }

    /// <summary>The text of <see cref="Policy"/> (C2SP tlog-policy), or null.</summary>
    public string? PolicyText { get; }

    public INoteVerifier LogKey => _logKey;

    /// <summary>
    /// Set when this is not a board but a mirror's copy served read-only (<c>entente serve --mirror</c>,
    /// <see cref="Mirror.MirrorPages"/>): its checkpoint is published, every write is refused.
    /// </summary>
    public Mirror.ReadOnlyMirror? ReadOnlyMirror { get; }

    /// <summary>The log key itself: the hosted exchange's board anchor signs its entries with it (the operator sequences them).</summary>
    internal Ed25519NoteSigner SigningKey => _key;

    /// <summary>Opens the configured store (the log must have been initialised) and starts the sequencer and collector.</summary>
    public static async Task<LogService> StartAsync(LogServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(options.Resolve(options.Key), cancellationToken)).Trim());
        Charter charter = Charter.Parse(await File.ReadAllTextAsync(options.Resolve(options.Charter), cancellationToken));
        (ILogStore store, IBlobStore blobs, Func<Task> createBlobs) = StoreLocator.OpenLog(options.Store, options.Resolve, options.Schema);
        await store.CreateSchemaAsync(cancellationToken);
        await createBlobs();
        INonceStore nonces = StoreLocator.OpenNonces(options.Store, options.Resolve, options.Schema);
        await nonces.CreateSchemaAsync(cancellationToken);
        string? policyText = options.Policy.Length > 0
            ? await File.ReadAllTextAsync(options.Resolve(options.Policy), cancellationToken)
            : WitnessPolicyText(key.VerifierKey, options);
        TrustPolicy? policy = policyText is null ? null : ParsePolicy(policyText, options);
        Sequencer sequencer = await Sequencer.StartAsync(store, key, options.Origin, new SequencerOptions { MaxEntrySize = options.MaxEntrySize }, cancellationToken: cancellationToken);
        HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };
        ServerMetrics metrics = new();
        metrics.Watch(sequencer);
        CosignatureCollector? collector = null;
        MeasuredWitnessSubmitter? submitter = null;
        if (options.Witnesses.Count > 0)
        {
            List<WitnessEndpoint> witnesses = options.Witnesses.Select(w => new WitnessEndpoint(VerifierKeys.ParseCosigner(w.Key), new Uri(w.Url.EndsWith('/') ? w.Url : w.Url + "/"))).ToList();
            submitter = new MeasuredWitnessSubmitter(new Entente.Client.Witness.WitnessClient(http), metrics);
            List<Entente.Transparency.Mirror.MirrorEndpoint> mirrors = options.Mirrors.Select(m => new Entente.Transparency.Mirror.MirrorEndpoint(VerifierKeys.ParseCosigner(m.Key), new Uri(m.Url.EndsWith('/') ? m.Url : m.Url + "/"))).ToList();
            collector = new CosignatureCollector(sequencer, store, witnesses, submitter, options.Quorum, TimeSpan.FromMilliseconds(options.WitnessIntervalMs),
                mirrors, mirrors.Count > 0 ? new Entente.Client.Mirror.MirrorClient(http) : null, options.MirrorQuorum ?? mirrors.Count);
            collector.Start();
        }

        return new LogService(options, store, blobs, nonces, sequencer, charter, key, collector, http, policy, policyText, metrics, submitter);
    }

    /// <summary>
    /// A log service over a mirror's copy, read-only (<see cref="Mirror.MirrorPages.OpenAsync"/>): <paramref name="store"/>
    /// is the mirror's store seen read-only, whose head the sequencer (which never appends: every write throws) opens
    /// under a key made for this process; <paramref name="logKey"/> is the board's real key, and
    /// <see cref="PublishedCheckpointAsync"/> is the mirror checkpoint.
    /// </summary>
    internal static async Task<LogService> OpenReadOnlyMirrorAsync(LogServerOptions options, ILogStore store, IBlobStore blobs, INoteVerifier logKey, Charter charter,
        Mirror.ReadOnlyMirror mirror, CancellationToken cancellationToken)
    {
        Ed25519NoteSigner local = Mirror.MirrorPages.LocalKeyOf(store);
        INonceStore nonces = StoreLocator.OpenNonces(options.Store, options.Resolve, options.Schema);
        try
        {
            await nonces.CreateSchemaAsync(cancellationToken);
            Sequencer sequencer = await Sequencer.StartAsync(store, local, mirror.Origin, new SequencerOptions { MaxEntrySize = options.MaxEntrySize }, cancellationToken: cancellationToken);
            ServerMetrics metrics = new();
            metrics.Watch(sequencer);
            return new LogService(options, store, blobs, nonces, sequencer, charter, local, null, new HttpClient(), null, mirror.PolicyText, metrics, null, mirror, logKey);
        }
        catch
        {
            await nonces.DisposeAsync();
            local.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The tlog-policy of the configured witnesses: the log key, each witness, and a quorum of <see cref="LogServerOptions.Quorum"/>
    /// of them; null without witnesses or with quorum 0.
    /// </summary>
    public static string? WitnessPolicyText(string logVerifierKey, LogServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Witnesses.Count == 0 || options.Quorum <= 0)
        {
            return null;
        }

        System.Text.StringBuilder policy = new();
        policy.Append("log ").Append(logVerifierKey).Append('\n');
        for (int i = 0; i < options.Witnesses.Count; i++)
        {
            policy.Append(System.Globalization.CultureInfo.InvariantCulture, $"witness w{i} {options.Witnesses[i].Key}\n");
        }

        policy.Append(System.Globalization.CultureInfo.InvariantCulture, $"group all {Math.Min(options.Quorum, options.Witnesses.Count)} {string.Join(' ', options.Witnesses.Select((_, i) => $"w{i}"))}\nquorum all\n");
        return policy.ToString();
    }

    private static TrustPolicy ParsePolicy(string text, LogServerOptions options)
    {
        try
        {
            return TrustPolicy.Parse(text);
        }
        catch (NoteFormatException e)
        {
            throw new FormatException($"configuration: the witness policy{(options.Policy.Length > 0 ? " " + options.Resolve(options.Policy) : "")}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The checkpoint to publish (C2SP tlog-witness): the latest stored checkpoint that satisfies <see cref="Policy"/> —
    /// the cosigned one, with the witnesses' cosignature lines, whether or not the witnesses are reachable now, also when
    /// the log has grown past it. Without a policy, or while no stored checkpoint satisfies it (a new board before its
    /// witnesses answered), the head: a client that applies the policy refuses it, which is the truth.
    /// </summary>
    public async Task<StoredCheckpoint> PublishedCheckpointAsync(CancellationToken cancellationToken)
    {
        if (ReadOnlyMirror is Mirror.ReadOnlyMirror mirror)
        {
            return mirror.Head;
        }

        StoredCheckpoint head = Sequencer.Head;
        if (Policy is null || await Store.ReadCosignedAsync(cancellationToken) is not StoredCheckpoint cosigned || cosigned.Size > head.Size)
        {
            return head;
        }

        PublishedCache? cache = _published;
        if (cache is null || !cache.Note.AsSpan().SequenceEqual(cosigned.Note))
        {
            _published = cache = new PublishedCache(cosigned.Note, Satisfies(cosigned));
        }

        return cache.Satisfies ? cosigned : head;
    }

    /// <summary>Whether a stored checkpoint is this log's, for its size, and meets the policy (log signature and quorum).</summary>
    private bool Satisfies(StoredCheckpoint stored)
    {
        try
        {
            SignedCheckpoint opened = SignedCheckpoint.Open(stored.Note, _key.Verifier);
            return opened.Checkpoint.Size == stored.Size && opened.Checkpoint.Root == stored.Root && Policy!.Check(opened.Note).Valid;
        }
        catch (Exception e) when (e is NoteFormatException or NoteVerificationException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Collector is not null)
        {
            await Collector.DisposeAsync();
        }

        await Sequencer.DisposeAsync();
        Metrics.Dispose();
        await Store.DisposeAsync();
        await Nonces.DisposeAsync();
        _http.Dispose();
        _key.Dispose();
    }
}

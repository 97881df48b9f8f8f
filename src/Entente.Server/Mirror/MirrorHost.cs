using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Client.Mirror;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Mirror;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Entente.Transparency.Witness;

namespace Entente.Server.Mirror;

/// <summary>
/// Configuration of a mirror server (<c>entente mirror serve --config FILE</c>; JSON, paths relative to the file):
/// <code>
/// { "key": "mirror.key", "store": "sqlite:mirror.db" | "postgres:Host=…", "schema": "entente",
///   "logKey": "board.example+…+…", "logUrl": "http://127.0.0.1:5080/", "policy": "witness-policy.txt",
///   "syncIntervalMs": 1000, "evidence": "evidence" }
/// </code>
/// One log per mirror; its origin is the log key's name.
/// </summary>
public sealed class MirrorServerOptions
{
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    [JsonPropertyName("store")]
    public string Store { get; set; } = "sqlite:mirror.db";

    [JsonPropertyName("schema")]
    public string Schema { get; set; } = "entente";

    /// <summary>The log's verifier key (its name is the log's origin).</summary>
    [JsonPropertyName("logKey")]
    public string LogKey { get; set; } = "";

    /// <summary>The log's URL prefix: where the mirror pulls checkpoints and entries from, and fetches every artifact.</summary>
    [JsonPropertyName("logUrl")]
    public string LogUrl { get; set; } = "";

    /// <summary>A tlog-policy the pulled checkpoints must satisfy (empty: the log key alone).</summary>
    [JsonPropertyName("policy")]
    public string Policy { get; set; } = "";

    /// <summary>How often the mirror pulls from the log on its own (0: only what clients push).</summary>
    [JsonPropertyName("syncIntervalMs")]
    public int SyncIntervalMs { get; set; } = 1000;

    /// <summary>Folder where evidence of the log's misbehaviour is kept.</summary>
    [JsonPropertyName("evidence")]
    public string Evidence { get; set; } = "evidence";

    [JsonIgnore]
    public string BaseDirectory { get; set; } = ".";

    public string Resolve(string path) => Path.GetFullPath(path, BaseDirectory);

    public static MirrorServerOptions Load(string file)
    {
        MirrorServerOptions options = ConfigFile.Load(file, MirrorJsonContext.Default.MirrorServerOptions);
        options.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return options;
    }

    public void Save(string file) => File.WriteAllText(file, JsonSerializer.Serialize(this, MirrorJsonContext.Default.MirrorServerOptions));
}

[JsonSourceGenerationOptions(WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(MirrorServerOptions))]
internal sealed partial class MirrorJsonContext : JsonSerializerContext;

/// <summary>
/// A running mirror: the <see cref="Transparency.Mirror.Mirror"/> over its stores, the HTTP client of its log, and the
/// pull loop (<see cref="MirrorSync"/> every <see cref="MirrorServerOptions.SyncIntervalMs"/>) that keeps it up to date
/// even when nobody pushes. Evidence found is written to the evidence folder, one JSON file per finding.
/// </summary>
public sealed class MirrorHost : IAsyncDisposable
{
    private readonly ILogStore _store;
    private readonly LogArtifactSource _artifacts;
    private readonly LogClient _log;
    private readonly MirrorSync _sync;
    private readonly Ed25519NoteSigner? _key;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _interval;
    private readonly string _evidence;
    private Task? _loop;

    private MirrorHost(Transparency.Mirror.Mirror mirror, ILogStore store, LogArtifactSource artifacts, LogClient log, MirrorSync sync, Ed25519NoteSigner? key, TimeSpan interval, string evidence)
    {
        Mirror = mirror;
        _store = store;
        _artifacts = artifacts;
        _log = log;
        _sync = sync;
        _key = key;
        _interval = interval;
        _evidence = evidence;
    }

    /// <summary>The mirror.</summary>
    public Transparency.Mirror.Mirror Mirror { get; }

    /// <summary>The last pass's problems (empty when it completed), for the status page and the logs.</summary>
    public IReadOnlyList<string> LastProblems { get; private set; } = [];

    /// <summary>
    /// Opens a mirror. <paramref name="key"/> null: a mirror that does not cosign (<c>mirror sync</c>); the host disposes
    /// the key with itself.
    /// </summary>
    public static async Task<MirrorHost> OpenAsync(Ed25519NoteSigner? key, INoteVerifier logKey, Uri logUrl, TrustPolicy? policy, string storeLocator, Func<string, string> resolve,
        string schema, TimeSpan interval, string evidenceFolder, RetryPolicy? retry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        (ILogStore store, IBlobStore blobs, IWitnessStore pending, Func<Task> createBlobs) = StoreLocator.OpenMirror(storeLocator, resolve, schema);
        LogArtifactSource? artifacts = null;
        LogClient? log = null;
        try
        {
            await createBlobs();
            artifacts = new LogArtifactSource(logUrl, retry);
            log = new LogClient(logUrl, retry);
            Transparency.Mirror.Mirror mirror = await Transparency.Mirror.Mirror.OpenAsync(key, new WitnessedLog(logKey.Name, [logKey]), store, blobs, pending,
                artifacts, LogArtifactSource.Needs, cancellationToken: cancellationToken);
            return new MirrorHost(mirror, store, artifacts, log, new MirrorSync(mirror, log, logKey, policy), key, interval, evidenceFolder);
        }
        catch
        {
            artifacts?.Dispose();
            log?.Dispose();
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the mirror a configuration describes (its key read from the key file).</summary>
    public static async Task<MirrorHost> OpenAsync(MirrorServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(options.Resolve(options.Key), cancellationToken)).Trim());
        try
        {
            INoteVerifier logKey = VerifierKeys.Parse(options.LogKey);
            TrustPolicy? policy = options.Policy.Length == 0 ? null : TrustPolicy.Parse(await File.ReadAllTextAsync(options.Resolve(options.Policy), cancellationToken));
            if (!Uri.TryCreate(options.LogUrl, UriKind.Absolute, out Uri? logUrl))
            {
                throw new FormatException($"configuration: logUrl \"{options.LogUrl}\" is not an absolute URL.");
            }

            return await OpenAsync(key, logKey, logUrl, policy, options.Store, options.Resolve, options.Schema, TimeSpan.FromMilliseconds(options.SyncIntervalMs),
                options.Resolve(options.Evidence), RetryPolicy.None, cancellationToken);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>One pull pass; evidence found is written to the evidence folder (paths returned in the result order).</summary>
    public async Task<(MirrorSyncResult Result, IReadOnlyList<string> EvidenceFiles)> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        MirrorSyncResult result = await _sync.SyncOnceAsync(cancellationToken).ConfigureAwait(false);
        LastProblems = result.Problems;
        List<string> files = [];
        if (result.Evidence.Count > 0)
        {
            Directory.CreateDirectory(_evidence);
            string stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            for (int i = 0; i < result.Evidence.Count; i++)
            {
                LogEvidence e = result.Evidence[i];
                string file = Path.Combine(_evidence, $"{stamp}-{e.Kind}{(e.Index is long index ? "-entry-" + index.ToString(CultureInfo.InvariantCulture) : "")}.json");
                await File.WriteAllBytesAsync(file, e.ToJson(), cancellationToken).ConfigureAwait(false);
                files.Add(file);
            }
        }

        return (result, files);
    }

    /// <summary>Starts the pull loop (when the interval is positive).</summary>
    public void Start()
    {
        if (_interval > TimeSpan.Zero)
        {
            _loop ??= Task.Run(() => RunAsync(_stop.Token));
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or ServiceUnavailableException or RequestRefusedException or MirrorSyncInputException
                or FormatException or LogStoreException or LogVerificationException or TaskCanceledException)
            {
                LastProblems = [e.Message];
            }

            try
            {
                await Task.Delay(_interval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
        Mirror.Dispose();
        _log.Dispose();
        _artifacts.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
        _key?.Dispose();
    }
}

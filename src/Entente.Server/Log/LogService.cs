using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;

namespace Entente.Server.Log;

/// <summary>Everything the log endpoints use: the store, the sequencer (single writer), the reader, the charter, the witness collector.</summary>
public sealed class LogService : IAsyncDisposable
{
    private readonly Ed25519NoteSigner _key;
    private readonly HttpClient _http;

    private LogService(LogServerOptions options, ILogStore store, IBlobStore blobs, Sequencer sequencer, Charter charter, Ed25519NoteSigner key, CosignatureCollector? collector, HttpClient http)
    {
        Options = options;
        Store = store;
        Blobs = blobs;
        Sequencer = sequencer;
        Reader = new LogReader(store);
        Charter = charter;
        _key = key;
        Collector = collector;
        _http = http;
    }

    public LogServerOptions Options { get; }

    public ILogStore Store { get; }

    public IBlobStore Blobs { get; }

    public Sequencer Sequencer { get; }

    public LogReader Reader { get; }

    public Charter Charter { get; }

    public CosignatureCollector? Collector { get; }

    public INoteVerifier LogKey => _key.Verifier;

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
        Sequencer sequencer = await Sequencer.StartAsync(store, key, options.Origin, new SequencerOptions { MaxEntrySize = options.MaxEntrySize }, cancellationToken: cancellationToken);
        HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };
        CosignatureCollector? collector = null;
        if (options.Witnesses.Count > 0)
        {
            List<WitnessEndpoint> witnesses = options.Witnesses.Select(w => new WitnessEndpoint(VerifierKeys.ParseCosigner(w.Key), new Uri(w.Url.EndsWith('/') ? w.Url : w.Url + "/"))).ToList();
            collector = new CosignatureCollector(sequencer, store, witnesses, new Entente.Client.Witness.WitnessClient(http), options.Quorum, TimeSpan.FromMilliseconds(options.WitnessIntervalMs));
            collector.Start();
        }

        return new LogService(options, store, blobs, sequencer, charter, key, collector, http);
    }

    /// <summary>The checkpoint to publish: the latest cosigned one when witnesses are configured, else the head.</summary>
    public async Task<StoredCheckpoint> PublishedCheckpointAsync(CancellationToken cancellationToken)
    {
        if (Collector is null || Collector.Quorum == 0)
        {
            return Sequencer.Head;
        }

        return await Store.ReadCosignedAsync(cancellationToken) ?? Sequencer.Head;
    }

    public async ValueTask DisposeAsync()
    {
        if (Collector is not null)
        {
            await Collector.DisposeAsync();
        }

        await Sequencer.DisposeAsync();
        await Store.DisposeAsync();
        _http.Dispose();
        _key.Dispose();
    }
}

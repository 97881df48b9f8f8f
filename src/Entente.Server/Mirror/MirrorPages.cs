using System.Globalization;
using System.Text;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Entente.Transparency.Witness;

namespace Entente.Server.Mirror;

/// <summary>
/// What a board served from a mirror's copy knows that a board does not (<c>entente serve --mirror mirror.json</c>,
/// docs/mirror.md): the log it copies and where the board was, the mirror checkpoint it serves (the board's checkpoint
/// with every cosignature it came with plus the mirror's), and the policy the pages pin.
/// </summary>
/// <param name="Origin">The log's origin.</param>
/// <param name="Board">Where the board was (the mirror's <c>logUrl</c>): writes are sent there.</param>
/// <param name="Head">The mirror checkpoint served as <c>/checkpoint</c> and behind every proof.</param>
/// <param name="LogVerifierKey">The board's log key (verifier key text).</param>
/// <param name="PolicyText">The tlog-policy the pages pin: the mirror's policy (else the log key alone) and this mirror's cosignature.</param>
/// <param name="MirrorName">The mirror's cosigner name.</param>
public sealed record ReadOnlyMirror(string Origin, Uri Board, StoredCheckpoint Head, string LogVerifierKey, string PolicyText, string MirrorName);

/// <summary>
/// Serves the board's pages and read APIs from a mirror's store (issue #17: a party keeps serving the election if the
/// board operator disappears). The copy is read as it stands when the server starts (a consistent snapshot: the
/// mirror checkpoint, the entries and tiles below it, the artifacts); the board's state is rebuilt from those entries
/// exactly as <c>entente serve</c> rebuilds it from its own log, and the charter is the log's first <c>charter</c>
/// entry. Nothing is written to the mirror's store; every write route answers 405 naming the board.
/// </summary>
public static class MirrorPages
{
    /// <summary>
    /// Opens the copy of the mirror configured by <paramref name="mirror"/> read-only, as a <see cref="LogService"/> the
    /// board's pages and read endpoints run on. <paramref name="pagesFolder"/> holds what the pages keep besides the log
    /// (an empty proposals folder, the replay window of the refused writes' signatures). The charter is the log's first
    /// <c>charter</c> entry; <paramref name="charterFile"/> (the board's charter file) serves a log on which the parties
    /// never posted it, and must then be given.
    /// </summary>
    /// <exception cref="FormatException">The configuration or the copy cannot be served (named).</exception>
    public static async Task<LogService> OpenAsync(MirrorServerOptions mirror, string pagesFolder, string? charterFile = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(pagesFolder);
        INoteVerifier logKey;
        try
        {
            logKey = VerifierKeys.Parse(mirror.LogKey);
        }
        catch (NoteFormatException e)
        {
            throw new FormatException($"configuration: logKey: {e.Message}", e);
        }

        if (!Uri.TryCreate(mirror.LogUrl, UriKind.Absolute, out Uri? board))
        {
            throw new FormatException($"configuration: logUrl \"{mirror.LogUrl}\" is not an absolute URL.");
        }

        string cosigner = await MirrorCosignerKeyAsync(mirror, cancellationToken);
        string? policyText = mirror.Policy.Length == 0 ? null : await File.ReadAllTextAsync(mirror.Resolve(mirror.Policy), cancellationToken);
        Directory.CreateDirectory(pagesFolder);
        (ILogStore store, IBlobStore blobs, IWitnessStore pending, _) = StoreLocator.OpenMirror(mirror.Store, mirror.Resolve, mirror.Schema);
        (pending as IDisposable)?.Dispose();
        try
        {
            StoredCheckpoint head = await store.ReadHeadAsync(cancellationToken)
                ?? throw new FormatException($"the mirror's store ({mirror.Store}) holds no copy: run `entente mirror serve` or `entente mirror sync` first.");
            if (head.Size == 0 || head.Note.Length == 0)
            {
                throw new FormatException($"the mirror's store ({mirror.Store}) holds no mirrored checkpoint yet: nothing to serve.");
            }

            SignedCheckpoint opened;
            try
            {
                opened = SignedCheckpoint.Open(head.Note, logKey);
            }
            catch (Exception e) when (e is NoteFormatException or NoteVerificationException)
            {
                throw new FormatException($"the mirror checkpoint is not signed by the configured log key {logKey.Name}: {e.Message}", e);
            }

            if (opened.Checkpoint.Size != head.Size || opened.Checkpoint.Root != head.Root)
            {
                throw new FormatException($"the mirror checkpoint says size {opened.Checkpoint.Size.ToString(CultureInfo.InvariantCulture)}, its store {head.Size.ToString(CultureInfo.InvariantCulture)}: the store is damaged.");
            }

            Charter charter = await CharterAsync(store, blobs, head.Size, cancellationToken)
                ?? (charterFile is not null ? Charter.Parse(await File.ReadAllTextAsync(charterFile, cancellationToken))
                    : throw new FormatException("the mirrored log holds no charter entry: give the board's charter file with --charter."));
            string pagesPolicy = PagesPolicy(policyText, logKey, mirror.LogKey, cosigner);
            ReadOnlyMirror info = new(opened.Checkpoint.Origin, board, head, mirror.LogKey, pagesPolicy, VerifierKeys.ParseCosigner(cosigner).Name);
            LogServerOptions options = new()
            {
                Origin = opened.Checkpoint.Origin,
                Store = "sqlite:" + Path.Combine(pagesFolder, "pages.db"),
                Board = true,
                Exchange = new HostedExchangeOptions { Enabled = false },
                BaseDirectory = pagesFolder,
            };
            return await LogService.OpenReadOnlyMirrorAsync(options, new ReadOnlyLogStore(store, head, opened.Checkpoint.Origin), new ReadOnlyBlobStore(blobs), logKey, charter, info, cancellationToken);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The policy the pages pin: the mirror's policy (the board's, as given to <c>mirror init --policy</c>; else the log
    /// key alone) with this mirror's cosignature required on top of its quorum.
    /// </summary>
    internal static string PagesPolicy(string? mirrorPolicy, INoteVerifier logKey, string logVerifierKey, string mirrorCosignerKey)
    {
        string text = mirrorPolicy ?? $"log {logVerifierKey}\nquorum none\n";
        TrustPolicy parsed;
        try
        {
            parsed = TrustPolicy.Parse(text);
        }
        catch (NoteFormatException e)
        {
            throw new FormatException($"configuration: policy: {e.Message}", e);
        }

        if (!parsed.Logs.Any(l => l.Name == logKey.Name && l.KeyId == logKey.KeyId))
        {
            throw new FormatException("configuration: the policy does not name the configured log key.");
        }

        CosignatureV1Verifier self = VerifierKeys.ParseCosigner(mirrorCosignerKey);
        StringBuilder policy = new();
        string quorum = "none";
        foreach (string line in text.Split('\n'))
        {
            string[] f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && f[0] == "quorum")
            {
                quorum = f[1];
                continue;
            }

            if (line.Trim().Length > 0)
            {
                policy.Append(line.TrimEnd('\r')).Append('\n');
            }
        }

        string? listed = parsed.Witnesses.FirstOrDefault(w => w.Value.Name == self.Name && w.Value.KeyId == self.KeyId).Key;
        string name = listed ?? "serving-mirror";
        if (listed is null)
        {
            policy.Append(CultureInfo.InvariantCulture, $"witness {name} {mirrorCosignerKey}\n");
        }

        if (quorum == "none")
        {
            policy.Append(CultureInfo.InvariantCulture, $"quorum {name}\n");
        }
        else
        {
            policy.Append(CultureInfo.InvariantCulture, $"group served-by-mirror all {quorum} {name}\nquorum served-by-mirror\n");
        }

        string result = policy.ToString();
        TrustPolicy.Parse(result);
        return result;
    }

    /// <summary>The mirror's cosigner verifier key (from its key file).</summary>
    private static async Task<string> MirrorCosignerKeyAsync(MirrorServerOptions mirror, CancellationToken cancellationToken)
    {
        string file = mirror.Resolve(mirror.Key);
        if (mirror.Key.Length == 0 || !File.Exists(file))
        {
            throw new FormatException($"configuration: the mirror's key file {file} does not exist (the pages pin this mirror's cosignature).");
        }

        using Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(file, cancellationToken)).Trim());
        return key.CosignerVerifierKey;
    }

    /// <summary>The charter the board runs under: the artifact of the log's first <c>charter</c> entry, or null without one.</summary>
    private static async Task<Charter?> CharterAsync(ILogStore store, IBlobStore blobs, long size, CancellationToken cancellationToken)
    {
        for (long start = 0; start < size; start += 256)
        {
            IReadOnlyList<byte[]> entries = await store.ReadEntriesAsync(start, (int)Math.Min(256, size - start), cancellationToken);
            foreach (byte[] bytes in entries)
            {
                LogEntry entry;
                try
                {
                    entry = LogEntry.Parse(bytes).Entry;
                }
                catch (NoteFormatException)
                {
                    continue;
                }

                if (entry.Type != "charter")
                {
                    continue;
                }

                byte[] body = await blobs.GetCheckedAsync(entry.Sha256, cancellationToken)
                    ?? throw new FormatException($"the mirror does not hold the charter's artifact {entry.Sha256.ToHex()}: the copy is damaged.");
                return Charter.Parse(Encoding.UTF8.GetString(body));
            }
        }

        return null;
    }

    /// <summary>
    /// The mirror's log store as a board's log runs on it, read-only. The board's sequencer starts on a log whose head
    /// is signed by the key it holds; a mirror has no such key, so the head is presented to it signed by a key made for
    /// this process and never published (<c>/checkpoint</c>, the proofs and the pages use the mirror checkpoint
    /// <see cref="ReadOnlyMirror.Head"/>). Every write throws: the sequencer can never append to the copy.
    /// </summary>
    private sealed class ReadOnlyLogStore(ILogStore inner, StoredCheckpoint head, string origin) : ILogStore
    {
        private readonly Ed25519NoteSigner _local = Ed25519NoteSigner.Generate(origin);

        /// <summary>The key the presented head is signed by (the sequencer's; never published).</summary>
        public Ed25519NoteSigner LocalKey => _local;

        public Task CreateSchemaAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<StoredCheckpoint?> ReadHeadAsync(CancellationToken cancellationToken = default)
        {
            SignedNote note = SignedNote.Parse(head.Note);
            return Task.FromResult<StoredCheckpoint?>(new StoredCheckpoint(head.Size, head.Root, _local.SignNote(note.Text).ToBytes()));
        }

        public Task InitializeAsync(StoredCheckpoint first, CancellationToken cancellationToken = default) => throw ReadOnly();

        public Task CommitAsync(LogCommit commit, CancellationToken cancellationToken = default) => throw ReadOnly();

        public Task<IReadOnlyDictionary<Hash256, long>> FindIdentitiesAsync(IReadOnlyCollection<Hash256> identities, CancellationToken cancellationToken = default) =>
            inner.FindIdentitiesAsync(identities, cancellationToken);

        public Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken cancellationToken = default) => inner.ReadTileAsync(level, index, cancellationToken);

        public Task<IReadOnlyList<byte[]>> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default) =>
            inner.ReadEntriesAsync(start, count, cancellationToken);

        public Task<StoredCheckpoint?> ReadCosignedAsync(CancellationToken cancellationToken = default) => Task.FromResult<StoredCheckpoint?>(head);

        public Task<bool> WriteCosignedAsync(StoredCheckpoint cosigned, CancellationToken cancellationToken = default) => throw ReadOnly();

        // The local key is the sequencer's: the log service that runs on this store disposes it.
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private static LogStoreException ReadOnly() => new("This is a read-only copy of a mirror: nothing is written to it.", isTransient: false);
    }

    /// <summary>The mirror's artifacts, read-only.</summary>
    private sealed class ReadOnlyBlobStore(IBlobStore inner) : IBlobStore
    {
        public Task<Hash256> PutAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
            throw new LogStoreException("This is a read-only copy of a mirror: nothing is written to it.", isTransient: false);

        public Task<byte[]?> GetAsync(Hash256 sha256, CancellationToken cancellationToken = default) => inner.GetAsync(sha256, cancellationToken);

        public Task<IReadOnlyList<byte[]?>> GetManyAsync(IReadOnlyList<Hash256> hashes, CancellationToken cancellationToken = default) => inner.GetManyAsync(hashes, cancellationToken);
    }

    /// <summary>The key a read-only store's presented head is signed by.</summary>
    internal static Ed25519NoteSigner LocalKeyOf(ILogStore store) =>
        store is ReadOnlyLogStore r ? r.LocalKey : throw new ArgumentException("not a read-only mirror store", nameof(store));
}

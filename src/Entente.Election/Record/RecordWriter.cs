using System.Security.Cryptography;

namespace Entente.Election.Record;

/// <summary>
/// Writes a record folder one file at a time (docs/record-format.md §3), so that a record of any
/// number of ballots is written in bounded memory: files go into a private staging folder next to
/// the target, only their SHA-256 digests are kept, and <see cref="CompleteAsync"/> flushes every file
/// to disk, writes <c>record.json</c> atomically and renames the staging folder into place (one
/// atomic step for the whole record, rather than one fsync per file while it is being written). A reader sees the whole record or
/// none of it; disposing a writer that was not completed deletes the staging folder.
/// </summary>
public sealed class RecordWriter : IDisposable
{
    private readonly Dictionary<string, byte[]> _digests = new(StringComparer.Ordinal);
    private readonly string _target;
    private readonly string _staging;
    private bool _completed;

    private RecordWriter(string target, string staging)
    {
        _target = target;
        _staging = staging;
    }

    /// <summary>The folder the record will have once complete.</summary>
    public string Target => _target;

    /// <summary>
    /// How many files record.json lists itself before the files of the per-ballot folders go into pieces of this many
    /// (docs/record-format.md §4.1, revision 7); 1 to <see cref="RecordStore.FilesPerPiece"/>, which is the default.
    /// Readers accept any pieces of at most <see cref="RecordStore.FilesPerPiece"/> entries, so a smaller value gives
    /// a record every reader reads the same way (tests use it to make pieces of a small record).
    /// </summary>
    public int FilesPerPiece
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, RecordStore.FilesPerPiece);
            field = value;
        }
    } = RecordStore.FilesPerPiece;

    /// <summary>Starts a record in <paramref name="directory"/>, which must not exist or be empty.</summary>
    /// <exception cref="ElectionFormatException">The folder is not empty, or a file has its name.</exception>
    public static RecordWriter Create(string directory) => Create(directory, RecordStore.FilesPerPiece);

    /// <summary>Starts a record in <paramref name="directory"/> whose file list goes into pieces of <paramref name="filesPerPiece"/> (<see cref="FilesPerPiece"/>).</summary>
    /// <exception cref="ElectionFormatException">The folder is not empty, or a file has its name.</exception>
    public static RecordWriter Create(string directory, int filesPerPiece)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string target = Path.GetFullPath(directory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new ElectionFormatException(target, "", "the output folder exists and is not empty; choose a new folder");
        }

        if (File.Exists(target))
        {
            throw new ElectionFormatException(target, "", "a file with this name exists; choose a new folder");
        }

        string staging = target.TrimEnd(Path.DirectorySeparatorChar) + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(staging);
        return new RecordWriter(target, staging) { FilesPerPiece = filesPerPiece };
    }

    /// <summary>Writes one file of the record (a relative path such as <c>ballots/ID.json</c>) atomically.</summary>
    /// <exception cref="InvalidOperationException">The path was written before, or the record is complete.</exception>
    public async Task WriteFileAsync(string path, byte[] bytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(bytes);
        ObjectDisposedException.ThrowIf(_completed, this);
        if (path == "record.json" || Path.IsPathRooted(path) || path.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"'{path}' is not a relative record path", nameof(path));
        }

        lock (_digests)
        {
            if (!_digests.TryAdd(path, SHA256.HashData(bytes)))
            {
                throw new InvalidOperationException($"{path} was already written to this record");
            }
        }

        // The staging folder is private until CompleteAsync renames it, so a plain write suffices here;
        // every file reaches the disk (fsync) in CompleteAsync, before record.json and the rename.
        string full = Path.Combine(_staging, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        FileStream stream = new(full, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous });
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes record.json (format, group, ballot counts, every file's digest; for a large record, with the pieces of its
    /// file list) and moves the record into place.
    /// </summary>
    public async Task CompleteAsync(string groupName, int ballotsCast, int ballotsChallenged, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        ObjectDisposedException.ThrowIf(_completed, this);
        byte[] index;
        IReadOnlyList<KeyValuePair<string, byte[]>> pieces;
        lock (_digests)
        {
            if (_digests.Keys.Any(p => p.StartsWith("lists/", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("lists/ holds the pieces of record.json's file list; the writer writes them itself");
            }

            (index, pieces) = RecordStore.WriteIndex(groupName, ballotsCast, ballotsChallenged, _digests, FilesPerPiece);
        }

        foreach ((string path, byte[] bytes) in pieces)
        {
            await WriteFileAsync(path, bytes, cancellationToken).ConfigureAwait(false);
        }

        string[] paths;
        lock (_digests)
        {
            paths = [.. _digests.Keys];
        }

        // Durable before it becomes visible: fsync every file (in parallel: the file system batches them).
        Parallel.ForEach(paths, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = 16 }, path =>
        {
            using FileStream stream = new(Path.Combine(_staging, path), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            stream.Flush(flushToDisk: true);
        });

        await RecordFiles.WriteAtomicAsync(Path.Combine(_staging, "record.json"), index, cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(_target))
        {
            Directory.Delete(_target);
        }

        Directory.Move(_staging, _target);
        _completed = true;
    }

    /// <summary>Deletes the staging folder unless the record was completed.</summary>
    public void Dispose()
    {
        if (!_completed && Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true);
        }

        _completed = true;
    }
}

using System.IO.Compression;
using Entente.Server.Board;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Server.Pages;

/// <summary>Where the board's record verification stands.</summary>
public enum VerificationPhase
{
    /// <summary>The decrypted tally is not on the board yet: there is no complete record to verify.</summary>
    NotYet,

    /// <summary>The verifier is running on the record as it was when it started.</summary>
    Running,

    /// <summary>The report of the last run is current.</summary>
    Done,

    /// <summary>The record could not be assembled or read (the message says why).</summary>
    Error,
}

/// <summary>What the pages show of the record verification.</summary>
/// <param name="Phase">Where it stands.</param>
/// <param name="Report">The last report (also while a newer run is going), or null.</param>
/// <param name="VerifiedAt">When the last report was made.</param>
/// <param name="LogSize">The log size when the record of the last report was taken.</param>
/// <param name="ToyGroup">True when the board's group is an insecure test group (the verifier then accepts it, and the page says so).</param>
/// <param name="Error">Why the last run could not verify, or null.</param>
public sealed record VerificationView(VerificationPhase Phase, VerificationReport? Report, DateTimeOffset? VerifiedAt, long LogSize, bool ToyGroup, string? Error);

/// <summary>
/// Runs the native verifier (every step of ElectionGuard 2.1 §6.2, <see cref="NativeVerifier"/>) on the board's election
/// record once the decrypted tally is on the board, in the background, and keeps the report. The record is the one the
/// board serves at <c>GET /board/record</c>, unpacked into a temporary folder that is deleted after the run; a run is
/// repeated when an artifact of the record arrives later (openings of challenged ballots, device records). One run at a
/// time, on one thread, so the board keeps its cores for intake; and a run waits until the board has answered no party's
/// request (log, board API, TAXII; page views do not count) for <see cref="QuietPeriod"/> (the parties are still fetching, verifying and auditing right after the decryption), or
/// <see cref="LongestWait"/> at most, so a board that is never quiet still verifies. Nothing of the temporary folder reaches
/// a page.
/// </summary>
public sealed class RecordVerification : BackgroundService
{
    private static readonly string[] RecordCollections = ["tally", "encrypted-tally", "challenged", "devices", "ballots", "election"];

    private readonly BoardService _board;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private VerificationView _view = new(VerificationPhase.NotYet, null, null, 0, false, null);
    private string? _verifiedKey;
    private string? _waitingKey;
    private DateTimeOffset _waitingSince;
    private long _lastRequestTicks;

    /// <summary>Creates the service over <paramref name="board"/>.</summary>
    public RecordVerification(BoardService board, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        _board = board;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The current view.</summary>
    public VerificationView Current
    {
        get
        {
            lock (_lock)
            {
                return _view;
            }
        }
    }

    /// <summary>How often the board is looked at for a new record.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the board must have answered no request before a run starts.</summary>
    public TimeSpan QuietPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a new record waits for a quiet board at most before it is verified anyway.</summary>
    public TimeSpan LongestWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Notes that the board answered a party's request now (the pages' middleware calls it).</summary>
    public void NoteRequest() => Interlocked.Exchange(ref _lastRequestTicks, _time.GetUtcNow().UtcTicks);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunWhenQuietAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed verification run must never stop the board (a BackgroundService that throws stops its host): it is shown on the results page.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Finish(null, _board.Status().LogSize, Current.ToyGroup, $"the verification could not run ({e.GetType().Name}: {e.Message.Replace(Path.GetTempPath(), "", StringComparison.Ordinal)})");
            }

            try
            {
                await Task.Delay(Interval, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Verifies the record when it is complete, differs from the one last verified, and the board is quiet (or the record
    /// has waited <see cref="LongestWait"/>). Returns true when it ran.
    /// </summary>
    public async Task<bool> RunWhenQuietAsync(CancellationToken cancellationToken)
    {
        Entente.Client.Board.BoardStatus status = _board.Status();
        if (status.Stage != "complete")
        {
            return false;
        }

        string key = RecordKey(status);
        if (key == _verifiedKey)
        {
            return false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (key != _waitingKey)
        {
            _waitingKey = key;
            _waitingSince = now;
        }

        DateTimeOffset lastRequest = new(Interlocked.Read(ref _lastRequestTicks), TimeSpan.Zero);
        return (now - lastRequest >= QuietPeriod || now - _waitingSince >= LongestWait) && await RunOnceAsync(cancellationToken);
    }

    private static string RecordKey(Entente.Client.Board.BoardStatus status) => string.Join(",", RecordCollections.Select(c => status.Counts.GetValueOrDefault(c)));

    /// <summary>Verifies the record when it is complete and differs from the one last verified, without waiting. Returns true when it ran.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        Entente.Client.Board.BoardStatus status = _board.Status();
        if (status.Stage != "complete")
        {
            return false;
        }

        string key = RecordKey(status);
        if (key == _verifiedKey)
        {
            return false;
        }

        // A record is verified once, whatever the outcome; a new artifact of the record starts a new run.
        _verifiedKey = key;
        bool toy = await _board.ReadStateAsync(s => s.Context?.Parameters.Group.IsInsecure ?? false, cancellationToken);
        SetPhase(VerificationPhase.Running, toy);
        BoardResult<byte[]> zip = await _board.RecordZipAsync(cancellationToken);
        if (zip.Value is not byte[] bytes)
        {
            Finish(null, status.LogSize, toy, zip.Refusal?.Detail ?? "the board could not assemble the record");
            return true;
        }

        SweepStale(Path.GetTempPath());
        string folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N"));
        FileStream held = Hold(folder);
        try
        {
            using (MemoryStream stream = new(bytes, writable: false))
            {
                await ZipFile.ExtractToDirectoryAsync(stream, folder, cancellationToken);
            }

            VerificationReport report = await Task.Run(() => NativeVerifier.Verify(folder, new VerificationOptions { Threads = 1, AllowToyGroups = toy }), cancellationToken);
            Finish(report, status.LogSize, toy, null);
        }
        catch (RecordInputException e)
        {
            Finish(null, status.LogSize, toy, Scrub(e.Message, folder));
        }
        catch (InvalidDataException e)
        {
            Finish(null, status.LogSize, toy, "the record archive is not a valid zip: " + e.Message);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            // The folder first, then the lock: a lock without its folder is swept as stale, never a folder in use.
            await held.DisposeAsync();
            File.Delete(folder + LockSuffix);
        }

        return true;
    }

    /// <summary>The temporary record folders' name, before a GUID.</summary>
    internal const string FolderPrefix = "entente-pages-record-";

    /// <summary>A folder's lock file is the folder's path with this suffix, held open without sharing while the folder is in use.</summary>
    internal const string LockSuffix = ".lock";

    /// <summary>
    /// Takes <paramref name="folder"/>'s lock before the folder exists: its file held open without sharing (an exclusive
    /// <c>flock</c> on Linux) for as long as the run uses the folder, so that another board's sweep leaves it alone.
    /// </summary>
    internal static FileStream Hold(string folder) => new(folder + LockSuffix, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

    /// <summary>
    /// Deletes the temporary record folders under <paramref name="root"/> that no live process uses: a board killed during
    /// a run (SIGKILL, a demo's end, a crash) never reaches its <c>finally</c>, and each folder is a whole record (12 KB a
    /// ballot). A folder is in use while its lock file is held (<see cref="Hold"/>); one whose lock can be taken, or that
    /// has none and is older than <paramref name="unlockedAge"/> (left by a board of an earlier version), is abandoned. Boards
    /// on one machine share the temporary folder, so only what is provably abandoned is removed; a folder that cannot be
    /// deleted now is tried again at the next run. Returns how many were removed.
    /// </summary>
    internal static int SweepStale(string root, TimeSpan? unlockedAge = null)
    {
        TimeSpan age = unlockedAge ?? TimeSpan.FromHours(1);
        int removed = 0;
        foreach (string folder in Listed(() => Directory.EnumerateDirectories(root, FolderPrefix + "*")))
        {
            string lockFile = folder + LockSuffix;
            try
            {
                if (File.Exists(lockFile))
                {
                    using FileStream taken = new(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None); // throws while a live run holds it
                    Directory.Delete(folder, recursive: true);
                }
                else if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > age)
                {
                    Directory.Delete(folder, recursive: true);
                }
                else
                {
                    continue;
                }

                File.Delete(lockFile);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Held by a live run, or not ours to delete: left as it is.
            }
        }

        // Lock files whose folder is gone (a board killed between the two deletions, or before it made the folder).
        foreach (string lockFile in Listed(() => Directory.EnumerateFiles(root, FolderPrefix + "*" + LockSuffix)))
        {
            try
            {
                if (!Directory.Exists(lockFile[..^LockSuffix.Length]))
                {
                    using (new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                    }

                    File.Delete(lockFile);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Held: a run about to make its folder.
            }
        }

        return removed;
    }

    /// <summary>What <paramref name="list"/> finds in the temporary folder, or nothing when it cannot be read.</summary>
    private static List<string> Listed(Func<IEnumerable<string>> list)
    {
        try
        {
            return [.. list()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>A message without the temporary folder's path (no server path reaches a page).</summary>
    private static string Scrub(string message, string folder) => message.Replace(folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(folder, "record", StringComparison.Ordinal);

    private void SetPhase(VerificationPhase phase, bool toy)
    {
        lock (_lock)
        {
            _view = _view with { Phase = phase, ToyGroup = toy };
        }
    }

    private void Finish(VerificationReport? report, long logSize, bool toy, string? error)
    {
        lock (_lock)
        {
            _view = new VerificationView(report is null ? VerificationPhase.Error : VerificationPhase.Done, report ?? _view.Report, _time.GetUtcNow(), logSize, toy, error);
        }
    }
}

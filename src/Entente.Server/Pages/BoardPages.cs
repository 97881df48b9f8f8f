using System.Globalization;
using System.Text;
using Entente.Client.Board;
using Entente.Server.Board;
using Entente.Server.Exchange;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Server.Pages;

/// <summary>One log entry as the pages show it: parsed once, kept (entries never change).</summary>
/// <param name="Index">Its index in the log.</param>
/// <param name="Bytes">The signed entry as logged.</param>
/// <param name="Entry">The parsed entry, or null when it is not an Entente entry.</param>
/// <param name="Note">The signed note, or null when it does not parse.</param>
public sealed record PageEntry(long Index, byte[] Bytes, LogEntry? Entry, SignedNote? Note)
{
    /// <summary>The entry's type, or "(unreadable)".</summary>
    public string Type => Entry?.Type ?? "(unreadable)";

    /// <summary>The submitting party, or "".</summary>
    public string Party => Entry?.Party ?? "";
}

/// <summary>One signature on a note, identified (charter member, log key, witness) and checked.</summary>
/// <param name="Name">The key name on the signature line.</param>
/// <param name="KeyId">The key id, 8 hex digits.</param>
/// <param name="Role">What the key is ("log key", "witness", "charter key of Blue", "unknown key").</param>
/// <param name="Party">The party it belongs to, or "—".</param>
/// <param name="At">A witness's cosignature time, or null.</param>
/// <param name="Valid">True when the signature verifies under the known key.</param>
public sealed record PageSigner(string Name, string KeyId, string Role, string Party, DateTimeOffset? At, bool Valid);

/// <summary>
/// What the pages read, in one place: the log (entries parsed once and kept, since they never change), the published
/// checkpoint and who signed it, the witness policy the browser checks pin, the board's state (read consistently
/// through <see cref="BoardService.ReadStateAsync{T}"/>), the hosted incident exchange when there is one, the record
/// verification run in the background, and a run summary (<see cref="RunSummary"/>) when the data folder holds one.
/// Nothing here writes to the board.
/// </summary>
public sealed class BoardPages : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<PageEntry> _entries = [];

    /// <summary>Creates the page data source over the board's services.</summary>
    public BoardPages(LogService log, BoardService board, RecordVerification verification, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(services);
        Log = log;
        Board = board;
        Verification = verification;
        Exchange = services.GetService<HostedExchange>();
        PolicyText = log.ReadOnlyMirror?.PolicyText ?? BuildPolicy(log);
        Policy = TrustPolicy.Parse(PolicyText);
        Summary = RunSummary.TryLoad(Path.Combine(log.Options.BaseDirectory, RunSummary.FileName));
    }

    /// <summary>The log underneath.</summary>
    public LogService Log { get; }

    /// <summary>The board.</summary>
    public BoardService Board { get; }

    /// <summary>The hosted incident exchange, or null.</summary>
    public HostedExchange? Exchange { get; }

    /// <summary>The record verification.</summary>
    public RecordVerification Verification { get; }

    /// <summary>A run summary found in the data folder (stages and timings of a scripted run), or null.</summary>
    public RunSummary? Summary { get; }

    /// <summary>The witness policy (C2SP tlog-policy text) that the published checkpoint satisfies and the browser checks pin.</summary>
    public string PolicyText { get; }

    /// <summary>The same, parsed.</summary>
    public TrustPolicy Policy { get; }

    /// <summary>The number of entries in the log now.</summary>
    public long Size => Log.Sequencer.Head.Size;

    /// <summary>The checkpoint the board publishes (the latest cosigned one when witnesses are configured).</summary>
    public Task<StoredCheckpoint> CheckpointAsync(CancellationToken cancellationToken) => Log.PublishedCheckpointAsync(cancellationToken);

    /// <summary>Every entry of the log up to the current head, in order.</summary>
    public async Task<IReadOnlyList<PageEntry>> EntriesAsync(CancellationToken cancellationToken)
    {
        long size = Size;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            while (_entries.Count < size)
            {
                long start = _entries.Count;
                IReadOnlyList<byte[]> batch = await Log.Store.ReadEntriesAsync(start, (int)Math.Min(256, size - start), cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                for (int i = 0; i < batch.Count; i++)
                {
                    _entries.Add(Parse(start + i, batch[i]));
                }
            }

            return [.. _entries.Take((int)size)];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Entry <paramref name="index"/>, or null past the head.</summary>
    public async Task<PageEntry?> EntryAsync(long index, CancellationToken cancellationToken)
    {
        if (index < 0 || index >= Size)
        {
            return null;
        }

        IReadOnlyList<PageEntry> all = await EntriesAsync(cancellationToken);
        return index < all.Count ? all[(int)index] : null;
    }

    private static PageEntry Parse(long index, byte[] bytes)
    {
        try
        {
            (LogEntry entry, SignedNote note) = LogEntry.Parse(bytes);
            return new PageEntry(index, bytes, entry, note);
        }
        catch (NoteFormatException)
        {
            return new PageEntry(index, bytes, null, SignedNote.TryParse(bytes, out SignedNote? note) ? note : null);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>Reads the board's state consistently.</summary>
    public Task<T> StateAsync<T>(Func<BoardState, T> read, CancellationToken cancellationToken) => Board.ReadStateAsync(read, cancellationToken);

    /// <summary>The board's status (stage, counts, log size, problems).</summary>
    public BoardStatus Status() => Board.Status();

    /// <summary>
    /// Every signature of a log entry, named after the charter member whose key made it (entry 0, the charter, carries
    /// one per party), the log key, or "unknown key".
    /// </summary>
    public IReadOnlyList<PageSigner> EntrySigners(SignedNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        byte[] text = note.TextBytes;
        List<PageSigner> signers = [];
        foreach (NoteSignature s in note.Signatures)
        {
            string keyId = s.KeyId.ToString("x8", CultureInfo.InvariantCulture);
            CharterMember? member = Log.Charter.Members.FirstOrDefault(m => m.Key.Name == s.Name && m.Key.KeyId == s.KeyId);
            if (member is not null)
            {
                signers.Add(new PageSigner(s.Name, keyId, "charter key", member.Name, null, member.Key.Verify(text, s.Signature)));
            }
            else if (Log.LogKey.Name == s.Name && Log.LogKey.KeyId == s.KeyId)
            {
                signers.Add(new PageSigner(s.Name, keyId, "the board's log key", "board operator", null, Log.LogKey.Verify(text, s.Signature)));
            }
            else
            {
                signers.Add(new PageSigner(s.Name, keyId, "unknown key", "—", null, false));
            }
        }

        return signers;
    }

    /// <summary>Every signature of a checkpoint, checked against the witness policy, with each cosignature's time.</summary>
    public IReadOnlyList<PageSigner> CheckpointSigners(SignedNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        byte[] text = note.TextBytes;
        List<PageSigner> signers = [];
        foreach (NoteSignature s in note.Signatures)
        {
            string keyId = s.KeyId.ToString("x8", CultureInfo.InvariantCulture);
            INoteVerifier? logKey = Policy.Logs.FirstOrDefault(l => l.Name == s.Name && l.KeyId == s.KeyId);
            if (logKey is not null)
            {
                signers.Add(new PageSigner(s.Name, keyId, "log key", "board operator", null, logKey.Verify(text, s.Signature)));
                continue;
            }

            KeyValuePair<string, CosignatureV1Verifier> witness = Policy.Witnesses.FirstOrDefault(w => w.Value.Name == s.Name && w.Value.KeyId == s.KeyId);
            if (witness.Value is not null)
            {
                DateTimeOffset at = DateTimeOffset.FromUnixTimeSeconds((long)CosignatureV1Verifier.Timestamp(s.Signature));
                signers.Add(new PageSigner(s.Name, keyId, "witness", WitnessParty(s.Name), at, witness.Value.Verify(text, s.Signature)));
                continue;
            }

            signers.Add(new PageSigner(s.Name, keyId, "unknown key", "—", null, false));
        }

        return signers;
    }

    /// <summary>The witnesses the board collects cosignatures from, and how many it needs.</summary>
    public (IReadOnlyList<string> Names, int Quorum) Witnesses() =>
        ([.. Log.Options.Witnesses.Select(w => VerifierKeys.ParseCosigner(w.Key).Name)], Log.Options.Quorum);

    /// <summary>The charter party that runs the witness whose key is named <paramref name="keyName"/> ("witness.red.example" → red.example), or "—".</summary>
    public string WitnessParty(string keyName)
    {
        ArgumentNullException.ThrowIfNull(keyName);
        CharterMember? best = Log.Charter.Members
            .Where(m => keyName.Contains(m.Name, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(m => m.Name.Length)
            .FirstOrDefault();
        return best?.Name ?? "—";
    }

    /// <summary>
    /// The policy the board's configuration implies: its log key, each configured witness, and a quorum group of the
    /// configured size (none when no witness is configured: then the head, signed by the log key alone, is published).
    /// </summary>
    private static string BuildPolicy(LogService log)
    {
        StringBuilder policy = new();
        policy.Append("log ").Append(log.SigningKey.VerifierKey).Append('\n');
        List<string> names = [];
        for (int i = 0; i < log.Options.Witnesses.Count; i++)
        {
            string name = "w" + i.ToString(CultureInfo.InvariantCulture);
            policy.Append(CultureInfo.InvariantCulture, $"witness {name} {log.Options.Witnesses[i].Key}\n");
            names.Add(name);
        }

        if (log.Options.Quorum > 0 && names.Count > 0)
        {
            policy.Append(CultureInfo.InvariantCulture, $"group all {Math.Min(log.Options.Quorum, names.Count)} {string.Join(' ', names)}\nquorum all\n");
        }
        else
        {
            policy.Append("quorum none\n");
        }

        return policy.ToString();
    }
}

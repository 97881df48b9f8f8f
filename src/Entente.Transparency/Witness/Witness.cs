using System.Globalization;
using System.Text;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Witness;

/// <summary>A log a witness follows: its origin and the keys that may sign its checkpoints.</summary>
/// <param name="Origin">The checkpoint origin.</param>
/// <param name="Keys">Trusted log keys.</param>
public sealed record WitnessedLog(string Origin, IReadOnlyList<INoteVerifier> Keys);

/// <summary>An HTTP answer of the witness: status, content type and body.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="ContentType">Content-Type.</param>
/// <param name="Body">Body text.</param>
public sealed record WitnessResponse(int Status, string ContentType, string Body);

/// <summary>
/// The C2SP tlog-witness <c>add-checkpoint</c> logic: checks, in the spec's order, the origin (404), the log
/// signature (403), the old size (400, 409 with <c>text/x.tlog.size</c>), the consistency proof and the
/// size-0 and same-size rules (422); then cosigns (cosignature/v1) and durably stores the new checkpoint with
/// a compare-and-swap before answering 200 with the cosignature line. Nothing stored changes on any refusal.
/// </summary>
public sealed class Witness
{
    /// <summary>Largest request body accepted.</summary>
    public const int MaxBodyBytes = 1 << 16;

    private const string SizeType = "text/x.tlog.size";
    private const string TextType = "text/plain; charset=utf-8";
    private readonly Ed25519NoteSigner? _key;
    private readonly Dictionary<string, WitnessedLog> _logs;
    private readonly IWitnessStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates the witness.</summary>
    public Witness(Ed25519NoteSigner key, IEnumerable<WitnessedLog> logs, IWitnessStore store, TimeProvider? time = null)
        : this(key ?? throw new ArgumentNullException(nameof(key)), logs, store, time, pending: false)
    {
    }

    private Witness(Ed25519NoteSigner? key, IEnumerable<WitnessedLog> logs, IWitnessStore store, TimeProvider? time, bool pending)
    {
        System.Diagnostics.Debug.Assert(pending == (key is null));
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(store);
        _key = key;
        _logs = logs.ToDictionary(l => l.Origin, StringComparer.Ordinal);
        _store = store;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The <c>add-checkpoint</c> of a tlog-mirror: the same checks in the same order, but it keeps the checkpoint as
    /// received (every signature on it retained) as the mirror's <i>pending checkpoint</i> in <paramref name="store"/>,
    /// never signs, and answers 200 with an empty body (the mirror cosigns later, once it holds the entries).
    /// </summary>
    public static Witness ForPendingCheckpoints(IEnumerable<WitnessedLog> logs, IWitnessStore store, TimeProvider? time = null) =>
        new(null, logs, store, time, pending: true);

    /// <summary>The witness's cosigner verifier key (type 0x04).</summary>
    public string CosignerVerifierKey => _key?.CosignerVerifierKey ?? throw new InvalidOperationException("A mirror's pending-checkpoint endpoint has no cosigner key.");

    /// <summary>Handles one add-checkpoint request body.</summary>
    public async Task<WitnessResponse> AddCheckpointAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if (body.Length > MaxBodyBytes)
        {
            return Text(400, $"request body larger than {MaxBodyBytes} bytes\n");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            return Text(400, "request body is not valid UTF-8\n");
        }

        if (!TryParseRequest(text, out long old, out List<byte[]> proof, out string noteText, out string? error))
        {
            return Text(400, error + "\n");
        }

        SignedNote note;
        Checkpoint checkpoint;
        try
        {
            note = SignedNote.Parse(noteText, MaxBodyBytes);
            checkpoint = Checkpoint.Parse(note.Text, requireEmptyRoot: false);
        }
        catch (NoteFormatException e)
        {
            return Text(400, "malformed checkpoint: " + e.Message + "\n");
        }

        if (!_logs.TryGetValue(checkpoint.Origin, out WitnessedLog? log))
        {
            return Text(404, "unknown log origin\n");
        }

        try
        {
            NoteVerification.Open(note, log.Keys);
        }
        catch (NoteVerificationException e)
        {
            return Text(403, "checkpoint not signed by a trusted log key: " + e.Message + "\n");
        }

        if (old > checkpoint.Size)
        {
            return Text(400, "old size is larger than the checkpoint size\n");
        }

        // Checks that need no state come first: the request contradicts itself whatever the witness holds.
        if (checkpoint.Size == 0 && checkpoint.Root != Rfc6962.EmptyRoot)
        {
            return Text(422, "a checkpoint of size 0 must have the empty root\n");
        }

        if (old == 0 && proof.Count != 0)
        {
            return Text(422, "a consistency proof from size 0 must be empty\n");
        }

        WitnessState? stored = await _store.GetAsync(checkpoint.Origin, cancellationToken).ConfigureAwait(false);
        long storedSize = stored?.Size ?? 0;
        if (old != storedSize)
        {
            return Conflict(storedSize);
        }

        if (old == 0)
        {
            // Nothing to prove: the empty tree is consistent with every tree.
        }
        else if (old == checkpoint.Size)
        {
            if (proof.Count != 0 || stored!.Root != checkpoint.Root)
            {
                return Text(422, "same size as the witnessed checkpoint but a different root (or a non-empty proof)\n");
            }
        }
        else if (!MerkleMath.VerifyConsistency(old, checkpoint.Size, stored!.Root.Span, checkpoint.Root.Span, proof))
        {
            return Text(422, "consistency proof does not verify\n");
        }

        NoteSignature? cosignature = null;
        byte[] keptNote;
        if (_key is null)
        {
            keptNote = note.ToBytes();
        }
        else
        {
            ulong now = (ulong)_time.GetUtcNow().ToUnixTimeSeconds();
            cosignature = _key.Cosign(Encoding.UTF8.GetBytes(note.Text), now);
            keptNote = note.WithSignature(cosignature).ToBytes();
        }

        WitnessState next = new(checkpoint.Origin, checkpoint.Size, checkpoint.Root, keptNote);
        if (!await _store.CompareAndSwapAsync(stored?.Size, next, cancellationToken).ConfigureAwait(false))
        {
            // Another request moved the state between our read and our write: answer with the new size.
            WitnessState? now2 = await _store.GetAsync(checkpoint.Origin, cancellationToken).ConfigureAwait(false);
            return Conflict(now2?.Size ?? 0);
        }

        return new WitnessResponse(200, TextType, cosignature?.ToLine() ?? "");
    }

    private static WitnessResponse Conflict(long size) => new(409, SizeType, size.ToString(CultureInfo.InvariantCulture) + "\n");

    private static WitnessResponse Text(int status, string body) => new(status, TextType, body);

    /// <summary>Splits <c>old N\n</c>, proof lines, a blank line and the note.</summary>
    internal static bool TryParseRequest(string text, out long old, out List<byte[]> proof, out string note, out string? error)
    {
        old = 0;
        proof = [];
        note = "";
        error = null;
        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            error = "request has no blank line before the checkpoint";
            return false;
        }

        string[] lines = text[..blank].Split('\n');
        string first = lines[0];
        string digits = first.StartsWith("old ", StringComparison.Ordinal) ? first[4..] : "";
        if (digits.Length is 0 or > 19 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0')
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out old))
        {
            error = "first line must be \"old <size>\" in decimal without leading zeros";
            return false;
        }

        if (lines.Length - 1 > 63)
        {
            error = "consistency proof longer than 63 hashes";
            return false;
        }

        for (int i = 1; i < lines.Length; i++)
        {
            if (!Hash256.TryFromBase64(lines[i], out Hash256 h))
            {
                error = $"proof line {i} is not the base64 of a 32-byte hash";
                return false;
            }

            proof.Add(h.ToArray());
        }

        note = text[(blank + 2)..];
        return true;
    }

    /// <summary>Formats an add-checkpoint request body.</summary>
    public static byte[] FormatRequest(long oldSize, IReadOnlyList<Hash256> proof, byte[] checkpointNote)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(checkpointNote);
        StringBuilder sb = new();
        sb.Append("old ").Append(oldSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (Hash256 h in proof)
        {
            sb.Append(h.ToBase64()).Append('\n');
        }

        sb.Append('\n');
        return [.. Encoding.UTF8.GetBytes(sb.ToString()), .. checkpointNote];
    }
}

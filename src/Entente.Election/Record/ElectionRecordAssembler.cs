using System.Security.Cryptography;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Tally;

namespace Entente.Election.Record;

/// <summary>The files of the election record (docs/record-format.md §3) an artifact on a board can be.</summary>
public enum RecordPart
{
    /// <summary><c>manifest.json</c>.</summary>
    Manifest,

    /// <summary><c>parameters.json</c>.</summary>
    Parameters,

    /// <summary><c>guardians/guardian-&lt;i&gt;.json</c>.</summary>
    Guardian,

    /// <summary><c>election.json</c>.</summary>
    Election,

    /// <summary><c>ballots/&lt;id&gt;.json</c>.</summary>
    Ballot,

    /// <summary><c>devices/&lt;device&gt;.json</c>.</summary>
    Device,

    /// <summary><c>tally/encrypted_tally.json</c>.</summary>
    EncryptedTally,

    /// <summary><c>tally/tally.json</c>.</summary>
    Tally,

    /// <summary><c>challenged/&lt;id&gt;.json</c>.</summary>
    Opening,

    /// <summary><c>uncast/&lt;id&gt;.json</c>: an uncast pre-encrypted ballot, opened.</summary>
    Uncast,

    /// <summary>A guardian's decryption commit (round 1): its parts of each option go to <c>tally/partial_decryptions.json</c>.</summary>
    DecryptionCommit,

    /// <summary>A guardian's decryption reveal (round 2): (a_i, b_i) of each option, for <c>tally/partial_decryptions.json</c>.</summary>
    DecryptionReveal,

    /// <summary>A guardian's decryption response (round 3): v_i of each option, for <c>tally/partial_decryptions.json</c>.</summary>
    DecryptionResponse,
}

/// <summary>
/// A logged abandonment of a decryption attempt, with what the log says about it (docs/record-format.md §11): the
/// entry, and the missed step's opening entry, the charter's seconds for it and its due time.
/// </summary>
/// <param name="Artifact">The abandonment document's bytes.</param>
/// <param name="Index">The abandonment entry's index.</param>
/// <param name="Time">Its time.</param>
/// <param name="Party">The party that logged it.</param>
/// <param name="OpenedIndex">The entry that opened the missed step.</param>
/// <param name="OpenedTime">That entry's time.</param>
/// <param name="Deadline">The charter's seconds for the step.</param>
/// <param name="Due">The step's due time.</param>
public sealed record AbandonmentEntry(byte[] Artifact, long Index, DateTimeOffset? Time, string Party, long OpenedIndex, DateTimeOffset? OpenedTime, long? Deadline, DateTimeOffset? Due);

/// <summary>
/// Assembles an <see cref="ElectionRecord"/> from the artifacts a board holds: each artifact's bytes are what the
/// record file of its <see cref="RecordPart"/> must contain, in whatever order they come (the order of the log).
/// The one path from a board to a record: the board's <c>GET /board/record</c> and <c>entente record fetch</c> both
/// build the record here, so both give the same files.
/// <para>
/// <see cref="Add"/> keeps the bytes (the same bytes twice, as duplicated log entries give, count once; two
/// different artifacts for one file are refused). <see cref="Build"/> reads them in dependency order with the strict
/// readers of <see cref="RecordFormat"/> (canonical form, ranges, links to the manifest, parameters and context) and
/// throws <see cref="ElectionFormatException"/> naming the artifact's source (for example its log entry) and what is
/// wrong or missing. Proofs are not checked here: that is the verifier's work on the written record.
/// </para>
/// </summary>
public sealed class ElectionRecordAssembler
{
    private readonly Dictionary<RecordPart, List<Artifact>> _parts = [];
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AbandonmentEntry> _abandoned = [];

    /// <summary>
    /// Adds the abandonment of a decryption attempt (docs/record-format.md §11). The completed attempt is the one after
    /// the last abandonment; each abandoned attempt becomes <c>tally/abandoned/attempt-&lt;a&gt;.json</c>.
    /// </summary>
    /// <exception cref="ElectionFormatException">A second abandonment of one attempt.</exception>
    public void AddAbandonment(AbandonmentEntry abandonment)
    {
        ArgumentNullException.ThrowIfNull(abandonment);
        int attempt = AbandonedAttempt(abandonment);
        if (_abandoned.TryGetValue(attempt, out AbandonmentEntry? earlier) && earlier.Index != abandonment.Index)
        {
            throw new ElectionFormatException($"log entry {abandonment.Index}", "$.attempt", $"a second abandonment of attempt {attempt} (the first is log entry {earlier.Index})");
        }

        _abandoned[attempt] = abandonment;
    }

    private static int AbandonedAttempt(AbandonmentEntry a)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(a.Artifact);
            return document.RootElement.TryGetProperty("attempt", out JsonElement n) && n.TryGetInt32(out int attempt) && attempt >= 1
                ? attempt
                : throw new ElectionFormatException($"log entry {a.Index}", "$.attempt", "an abandonment names its attempt");
        }
        catch (JsonException e)
        {
            throw new ElectionFormatException($"log entry {a.Index}", "$", "not JSON: " + e.Message, e);
        }
    }

    private sealed record Artifact(byte[] Bytes, string Source);

    /// <summary>The record file name of a part (for messages), e.g. <c>tally/tally.json</c> or <c>ballots/</c>.</summary>
    public static string FileOf(RecordPart part) => part switch
    {
        RecordPart.Manifest => "manifest.json",
        RecordPart.Parameters => "parameters.json",
        RecordPart.Guardian => "guardians/",
        RecordPart.Election => "election.json",
        RecordPart.Ballot => "ballots/",
        RecordPart.Device => "devices/",
        RecordPart.EncryptedTally => "tally/encrypted_tally.json",
        RecordPart.Tally => "tally/tally.json",
        RecordPart.Opening => "challenged/",
        RecordPart.Uncast => "uncast/",
        RecordPart.DecryptionCommit or RecordPart.DecryptionReveal or RecordPart.DecryptionResponse => "tally/partial_decryptions.json",
        _ => throw new ArgumentOutOfRangeException(nameof(part)),
    };

    private static bool IsSingle(RecordPart part) =>
        part is RecordPart.Manifest or RecordPart.Parameters or RecordPart.Election or RecordPart.EncryptedTally or RecordPart.Tally;

    /// <summary>
    /// Adds an artifact for <paramref name="part"/>; <paramref name="source"/> names where it came from in messages
    /// (e.g. <c>log entry 12</c>). Returns false when the same bytes were added before for this part (counted once).
    /// </summary>
    /// <exception cref="ElectionFormatException">A single-file part (manifest, parameters, election, tallies) already has different bytes.</exception>
    public bool Add(RecordPart part, byte[] artifact, string source)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentException.ThrowIfNullOrEmpty(source);
        string key = $"{part}:{Convert.ToHexString(SHA256.HashData(artifact))}";
        if (!_seen.TryAdd(key, source))
        {
            return false;
        }

        if (!_parts.TryGetValue(part, out List<Artifact>? list))
        {
            _parts[part] = list = [];
        }

        if (IsSingle(part) && list.Count > 0)
        {
            throw new ElectionFormatException(source, "", $"a second, different {FileOf(part)} (the first is {list[0].Source}); a record has one");
        }

        list.Add(new Artifact(artifact, source));
        return true;
    }

    /// <summary>Number of distinct artifacts added for <paramref name="part"/>.</summary>
    public int Count(RecordPart part) => _parts.TryGetValue(part, out List<Artifact>? list) ? list.Count : 0;

    /// <summary>Reads every artifact and returns the record, or throws <see cref="ElectionFormatException"/> naming the first problem's source.</summary>
    public ElectionRecord Build()
    {
        ElectionManifest manifest = Read(Single(RecordPart.Manifest), a =>
        {
            ElectionManifest m = ManifestReader.Parse(a.Bytes, a.Source);
            return m.CanonicalSpan.SequenceEqual(a.Bytes) ? m : throw new ElectionFormatException(a.Source, "$", "the manifest is not in canonical form");
        });
        Artifact parametersArtifact = Single(RecordPart.Parameters);
        ElectionParameters parameters = Read(parametersArtifact, a => RecordFormat.ReadParameters(a.Source, a.Bytes, manifest));

        Dictionary<int, GuardianPublicKey> guardians = [];
        foreach (Artifact a in All(RecordPart.Guardian))
        {
            GuardianPublicKey key = Read(a, x => RecordFormat.ReadGuardian(x.Source, x.Bytes, parameters));
            if (!guardians.TryAdd(key.Index, key))
            {
                throw new ElectionFormatException(a.Source, "$.i", $"a second, different public key of guardian {key.Index}");
            }
        }

        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            if (!guardians.ContainsKey(i))
            {
                throw new ElectionFormatException($"guardians/guardian-{i}.json", "", $"no public key of guardian {i} of {parameters.GuardianCount}");
            }
        }

        ElectionContext context = Read(parametersArtifact, _ => ElectionContext.Create(parameters, guardians.OrderBy(g => g.Key).Select(g => g.Value), verifyProofs: false));
        Read(Single(RecordPart.Election), a =>
        {
            RecordFormat.CheckElection(a.Source, a.Bytes, context);
            return true;
        });

        List<Artifact> ballotArtifacts = All(RecordPart.Ballot);
        EncryptedBallot[] parsed = new EncryptedBallot[ballotArtifacts.Count];
        Parallel.For(0, parsed.Length, n => parsed[n] = Read(ballotArtifacts[n], a => RecordFormat.ReadBallot(a.Source, a.Bytes, context)));
        Dictionary<Hash256, EncryptedBallot> byId = [];
        for (int n = 0; n < parsed.Length; n++)
        {
            if (!byId.TryAdd(parsed[n].Id, parsed[n]))
            {
                throw new ElectionFormatException(ballotArtifacts[n].Source, "$.id", $"a second, different ballot with id {parsed[n].Id}");
            }
        }

        Dictionary<string, DeviceRecord> devices = new(StringComparer.Ordinal);
        foreach (Artifact a in All(RecordPart.Device))
        {
            DeviceRecord device = Read(a, x => RecordFormat.ReadDevice(x.Source, x.Bytes));
            if (!EncryptionDevice.IsValidName(device.Device))
            {
                throw new ElectionFormatException(a.Source, "$.device", $"\"{device.Device}\" is not a device name a record file can carry");
            }

            if (!devices.TryAdd(device.Device, device))
            {
                throw new ElectionFormatException(a.Source, "$.device", $"a second, different record of device {device.Device}");
            }
        }

        List<DeviceRecord> orderedDevices = [.. devices.Values.OrderBy(d => d.Device, StringComparer.Ordinal)];
        List<EncryptedBallot> ballots = Assemble(orderedDevices, parsed);
        long totalWeight = ballots.Where(b => b.State == BallotState.Cast).Sum(b => (long)b.Weight);
        EncryptedTally encryptedTally = Read(Single(RecordPart.EncryptedTally), a => RecordFormat.ReadEncryptedTally(a.Source, a.Bytes, context, totalWeight));
        int challengedCount = ballots.Count(b => b.State == BallotState.Challenged);
        DecryptionRoundShape shape = new(encryptedTally.Contests.Sum(c => c.Options.Count), challengedCount, 0);
        int completed = _abandoned.Count + 1;
        if (!_abandoned.Keys.Order().SequenceEqual(Enumerable.Range(1, _abandoned.Count)))
        {
            throw new ElectionFormatException(FileOf(RecordPart.DecryptionCommit), "", $"the abandoned attempts are {string.Join(", ", _abandoned.Keys.Order())}, not 1 to {_abandoned.Count} in turn");
        }

        DecryptedTally tally = WithShares(Read(Single(RecordPart.Tally), a => RecordFormat.ReadTally(a.Source, a.Bytes, context)), shape, completed, parameters);
        SortedDictionary<string, byte[]> abandoned = new(StringComparer.Ordinal);
        foreach ((int attempt, AbandonmentEntry entry) in _abandoned)
        {
            abandoned[AbandonedAttemptPath(attempt)] = WriteAbandonedAttempt(attempt, entry, shape, parameters);
        }


        Dictionary<Hash256, OpenedBallot> openings = [];
        foreach (Artifact a in All(RecordPart.Opening))
        {
            Hash256 id = OpeningId(a);
            if (!byId.TryGetValue(id, out EncryptedBallot? ballot) || ballot.State != BallotState.Challenged)
            {
                throw new ElectionFormatException(a.Source, "$.id", $"no challenged ballot {id} is among the ballots");
            }

            OpenedBallot opened = Read(a, x => RecordFormat.ReadOpened(x.Source, x.Bytes, context, ballot));
            if (!openings.TryAdd(id, opened))
            {
                throw new ElectionFormatException(a.Source, "$.id", $"a second, different opening of ballot {id}");
            }
        }

        Dictionary<Hash256, PreEncryption.UncastBallot> uncast = [];
        foreach (Artifact a in All(RecordPart.Uncast))
        {
            PreEncryption.UncastBallot opened = Read(a, x => PreEncryption.PreEncryptionFormat.ReadUncast(x.Source, x.Bytes, context));
            if (byId.ContainsKey(opened.Id))
            {
                throw new ElectionFormatException(a.Source, "$.id", $"ballot {opened.Id} is among the cast or challenged ballots: a pre-encrypted ballot is cast or uncast, never both");
            }

            if (!uncast.TryAdd(opened.Id, opened))
            {
                throw new ElectionFormatException(a.Source, "$.id", $"a second, different opening of uncast ballot {opened.Id}");
            }
        }

        return new ElectionRecord(context, orderedDevices, ballots, encryptedTally, tally, [.. openings.Values])
        {
            Uncast = [.. uncast.Values.OrderBy(u => u.Id.ToHex(), StringComparer.Ordinal)],
            Abandoned = abandoned,
        };
    }

    /// <summary>
    /// The ballots in the order the record commits to: each device's ballots in its encryption order (devices by
    /// name), then any ballot no device lists, in the order given.
    /// </summary>
    public static List<EncryptedBallot> Assemble(IReadOnlyList<DeviceRecord> devices, IReadOnlyList<EncryptedBallot> ballots)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(ballots);
        Dictionary<Hash256, EncryptedBallot> byId = [];
        foreach (EncryptedBallot b in ballots)
        {
            byId.TryAdd(b.Id, b);
        }

        HashSet<Hash256> placed = [];
        List<EncryptedBallot> ordered = [];
        foreach (Hash256 id in devices.SelectMany(d => d.Ballots))
        {
            if (byId.TryGetValue(id, out EncryptedBallot? ballot) && placed.Add(id))
            {
                ordered.Add(ballot);
            }
        }

        ordered.AddRange(ballots.Where(b => placed.Add(b.Id)));
        return ordered;
    }

    /// <summary>
    /// <paramref name="tally"/> with each guardian's part of each option (M_i, d_i, a_i, b_i, v_i) from its decryption
    /// rounds, for the record's <c>tally/partial_decryptions.json</c> (docs/record-format.md §4.12). The tally is
    /// returned unchanged when a guardian of its U has no complete rounds here; the verifier then reports that nothing
    /// binds U (step 10), which is the truth about such a board.
    /// </summary>
    private DecryptedTally WithShares(DecryptedTally tally, DecryptionRoundShape shape, int attempt, ElectionParameters parameters)
    {
        Dictionary<int, DecryptionCommit> commits = Rounds(RecordPart.DecryptionCommit, a => DecryptionRoundFormat.ReadCommit(a.Source, a.Bytes, parameters, shape), c => c.Index, c => c.Attempt == attempt).ToDictionary(x => x.Key, x => x.Value.Round);
        Dictionary<int, DecryptionReveal> reveals = Rounds(RecordPart.DecryptionReveal, a => DecryptionRoundFormat.ReadReveal(a.Source, a.Bytes, parameters, shape), r => r.Index, r => r.Attempt == attempt).ToDictionary(x => x.Key, x => x.Value.Round);
        Dictionary<int, DecryptionResponse> responses = Rounds(RecordPart.DecryptionResponse, a => DecryptionRoundFormat.ReadResponse(a.Source, a.Bytes, parameters, shape), r => r.Index, r => r.Attempt == attempt).ToDictionary(x => x.Key, x => x.Value.Round);
        if (!tally.Guardians.All(i => commits.ContainsKey(i) && reveals.ContainsKey(i) && responses.ContainsKey(i)))
        {
            return tally;
        }

        int n = 0;
        return tally with
        {
            Contests = [.. tally.Contests.Select(contest => contest with
            {
                Options = [.. contest.Options.Select(option =>
                {
                    int at = n++;
                    return option with
                    {
                        Shares = [.. tally.Guardians.Select(i => new PartialDecryptionShare(i, commits[i].Tally[at].M, commits[i].Tally[at].D, reveals[i].A[at], reveals[i].B[at], responses[i].V[at]))],
                    };
                })],
            })],
        };
    }

    /// <summary>
    /// The decryption rounds of one kind in one attempt (<paramref name="inAttempt"/>) by guardian, with their bytes; a
    /// second, different round of one guardian in one attempt is refused.
    /// </summary>
    private SortedDictionary<int, (T Round, byte[] Bytes)> Rounds<T>(RecordPart part, Func<Artifact, T> read, Func<T, int> guardian, Func<T, bool> inAttempt)
    {
        SortedDictionary<int, (T, byte[])> rounds = [];
        foreach (Artifact a in All(part))
        {
            T round = Read(a, read);
            if (inAttempt(round) && !rounds.TryAdd(guardian(round), (round, a.Bytes)))
            {
                throw new ElectionFormatException(a.Source, "$.i", $"a second, different {part} of guardian {guardian(round)} in one attempt");
            }
        }

        return rounds;
    }

    /// <summary>The record path of abandoned attempt <paramref name="attempt"/>.</summary>
    public static string AbandonedAttemptPath(int attempt) => $"tally/abandoned/attempt-{attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)}.json";

    /// <summary>
    /// <c>tally/abandoned/attempt-&lt;a&gt;.json</c> (docs/record-format.md §11): {attempt, guardians (U, or [] when
    /// nobody committed), abandonment {index, time, party, guardian, step, reason}, missed {opened {index, time}, deadline,
    /// due}, commits, reveals, responses (the round documents as logged, by guardian)}.
    /// </summary>
    private byte[] WriteAbandonedAttempt(int attempt, AbandonmentEntry entry, DecryptionRoundShape shape, ElectionParameters parameters)
    {
        string source = $"log entry {entry.Index} (decryption.abandon)";
        DecryptionAbandonment abandonment = Read(new Artifact(entry.Artifact, source), a => DecryptionRoundFormat.ReadAbandonment(a.Source, a.Bytes, parameters));
        if (entry.Time is not { } time || entry.OpenedTime is not { } opened || entry.Deadline is not long deadline || entry.Due is not { } due)
        {
            string missing = entry.Time is null ? "the abandonment entry's time" : entry.OpenedTime is null ? $"the time of the entry that opened guardian {abandonment.Guardian}'s {abandonment.Step} step" : entry.Deadline is null ? "the charter's deadline for the step" : "the step's due time";
            throw new ElectionFormatException(source, "", $"the abandonment of attempt {attempt} cannot be dated from the log: {missing} is unknown (an untimed entry, a step with no deadline, or no step table)");
        }

        SortedDictionary<int, (DecryptionCommit Round, byte[] Bytes)> commits = Rounds(RecordPart.DecryptionCommit, a => DecryptionRoundFormat.ReadCommit(a.Source, a.Bytes, parameters, shape), c => c.Index, c => c.Attempt == attempt);
        SortedDictionary<int, (DecryptionReveal Round, byte[] Bytes)> reveals = Rounds(RecordPart.DecryptionReveal, a => DecryptionRoundFormat.ReadReveal(a.Source, a.Bytes, parameters, shape), r => r.Index, r => r.Attempt == attempt);
        SortedDictionary<int, (DecryptionResponse Round, byte[] Bytes)> responses = Rounds(RecordPart.DecryptionResponse, a => DecryptionRoundFormat.ReadResponse(a.Source, a.Bytes, parameters, shape), r => r.Index, r => r.Attempt == attempt);
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("attempt", attempt);
        RecordFormat.WriteList(w, "guardians", commits.Count > 0 ? commits.Values.First().Round.Guardians : []);
        w.Name("abandonment");
        w.StartObject();
        w.Property("index", entry.Index);
        w.Property("time", Time(time));
        w.Property("party", entry.Party);
        w.Property("guardian", abandonment.Guardian);
        w.Property("step", abandonment.Step);
        w.Property("reason", abandonment.Reason);
        w.EndObject();
        w.Name("missed");
        w.StartObject();
        w.Name("opened");
        w.StartObject();
        w.Property("index", entry.OpenedIndex);
        w.Property("time", Time(opened));
        w.EndObject();
        w.Property("deadline", deadline);
        w.Property("due", Time(due));
        w.EndObject();
        Raw(w, "commits", commits.Values.Select(c => c.Bytes));
        Raw(w, "reveals", reveals.Values.Select(c => c.Bytes));
        Raw(w, "responses", responses.Values.Select(c => c.Bytes));
        w.EndObject();
        return w.ToArray();

        static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

        static void Raw(CanonicalJsonWriter w, string name, IEnumerable<byte[]> documents)
        {
            w.Name(name);
            w.StartArray();
            foreach (byte[] d in documents)
            {
                w.RawValue(d);
            }

            w.EndArray();
        }
    }

    private Artifact Single(RecordPart part) =>
        _parts.TryGetValue(part, out List<Artifact>? list) && list.Count > 0
            ? list[0]
            : throw new ElectionFormatException(FileOf(part), "", "missing: no artifact on the board for this record file");

    private List<Artifact> All(RecordPart part) => _parts.TryGetValue(part, out List<Artifact>? list) ? list : [];

    private static T Read<T>(Artifact artifact, Func<Artifact, T> read)
    {
        try
        {
            return read(artifact);
        }
        catch (ElectionFormatException e) when (e.File is null or "")
        {
            throw e.InFile(artifact.Source);
        }
        catch (ArgumentException e)
        {
            throw new ElectionFormatException(artifact.Source, "", e.Message, e);
        }
    }

    private static Hash256 OpeningId(Artifact a)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(a.Bytes);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out JsonElement id)
                && id.ValueKind == JsonValueKind.String && Hash256.TryDecodeHex(id.GetString()!, out Hash256? hash))
            {
                return hash;
            }
        }
        catch (JsonException e)
        {
            throw new ElectionFormatException(a.Source, "$", "not JSON: " + e.Message, e);
        }

        throw new ElectionFormatException(a.Source, "$.id", "an opening needs the id of its ballot (64 uppercase hex digits)");
    }
}

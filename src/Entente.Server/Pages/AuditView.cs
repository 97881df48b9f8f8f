using System.Text;
using System.Text.Json;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Entente.Transparency.Log;

namespace Entente.Server.Pages;

/// <summary>One audit entry of the log (<c>audit.*</c>: seed commitments, reveals, dice, the plan) and its artifact.</summary>
/// <param name="Index">Its log index.</param>
/// <param name="Type">Its entry type.</param>
/// <param name="Party">Who logged it.</param>
/// <param name="Sha256">The artifact's SHA-256.</param>
/// <param name="Artifact">The artifact, or null when the blob is missing.</param>
public sealed record AuditEntry(long Index, string Type, string Party, string Sha256, byte[]? Artifact)
{
    /// <summary>The artifact as JSON, or null when it is not JSON.</summary>
    public JsonElement? Json
    {
        get
        {
            if (Artifact is null || Artifact.Length == 0 || Artifact[0] is not ((byte)'{' or (byte)'['))
            {
                return null;
            }

            try
            {
                using JsonDocument doc = JsonDocument.Parse(Artifact, new JsonDocumentOptions { MaxDepth = 32 });
                return doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The 32 bytes of a commitment or secret: the raw artifact, or a hex member of a JSON artifact.</summary>
    public byte[]? Value32
    {
        get
        {
            if (Artifact is { Length: SeedProtocol.SecretLength })
            {
                return Artifact;
            }

            if (Json is { ValueKind: JsonValueKind.Object } o)
            {
                foreach (string name in new[] { "commitment", "secret", "reveal", "value" })
                {
                    if (o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: 64 } hex
                        && hex.All(char.IsAsciiHexDigit))
                    {
                        return Convert.FromHexString(hex);
                    }
                }
            }

            return null;
        }
    }

    /// <summary>The artifact for people: JSON indented, 32 bytes as hex, ASCII as text, else hex.</summary>
    public string Display()
    {
        if (Artifact is null)
        {
            return "(the artifact is missing from the board's store)";
        }

        if (Json is JsonElement json)
        {
            return JsonSerializer.Serialize(json, IndentedJson);
        }

        if (Artifact.Length > 0 && Artifact.All(b => b is >= 0x20 and < 0x7f))
        {
            return Encoding.ASCII.GetString(Artifact);
        }

        return Convert.ToHexStringLower(Artifact);
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };
}

/// <summary>One party's part in the seed: its commitment, its reveal, and whether they match.</summary>
/// <param name="Party">The party.</param>
/// <param name="Commit">Its commitment entry, or null.</param>
/// <param name="Reveal">Its reveal entry, or null.</param>
/// <param name="Matches">True when the reveal hashes to the commitment, false when not, null when that cannot be told yet.</param>
public sealed record SeedParty(string Party, AuditEntry? Commit, AuditEntry? Reveal, bool? Matches);

/// <summary>
/// The audit as the log holds it: every <c>audit.*</c> entry in log order, each party's commitment and reveal checked
/// against each other (docs/audit.md: commitment = SHA-256 of the audit id, the party and the secret), the seed the plan
/// states, and the seed recomputed from the reveals and dice in log order.
/// </summary>
/// <param name="Entries">Every audit entry, in log order.</param>
/// <param name="AuditId">The audit id (from the plan or any JSON artifact that names it), or null.</param>
/// <param name="Parties">Each party that committed or revealed.</param>
/// <param name="StatedSeed">The seed the plan states, or null.</param>
/// <param name="RecomputedSeed">The seed recomputed from the log, or null when there is nothing to recompute from.</param>
public sealed record AuditView(IReadOnlyList<AuditEntry> Entries, string? AuditId, IReadOnlyList<SeedParty> Parties, string? StatedSeed, string? RecomputedSeed)
{
    /// <summary>Every unofficial results entry on the log (the board logged them, so each reads).</summary>
    public IReadOnlyList<PublishedUnitResults> Published { get; init; } = [];

    /// <summary>Reads the audit entries and their artifacts.</summary>
    public static async Task<AuditView> ReadAsync(BoardPages pages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pages);
        List<AuditEntry> entries = [];
        foreach (PageEntry e in (await pages.EntriesAsync(cancellationToken)).Where(e => e.Type.StartsWith("audit.", StringComparison.Ordinal)))
        {
            byte[]? artifact = await pages.Log.Blobs.GetCheckedAsync(e.Entry!.Sha256, cancellationToken);
            entries.Add(new AuditEntry(e.Index, e.Type, e.Party, e.Entry.Sha256.ToHex(), artifact));
        }

        // The unofficial results on the log, which an audit's reported results must equal (docs/audit.md).
        List<PublishedUnitResults> published = [];
        foreach (PageEntry e in (await pages.EntriesAsync(cancellationToken)).Where(e => e.Type == Entente.Rolls.Results.UnitResults.Type))
        {
            if (await pages.Log.Blobs.GetCheckedAsync(e.Entry!.Sha256, cancellationToken) is byte[] artifact)
            {
                published.Add(Entente.Rolls.Results.UnitResults.Read(artifact).ToPublished(e.Index));
            }
        }

        return Build(entries) with { Published = published };
    }

    /// <summary>Builds the view from the entries.</summary>
    public static AuditView Build(IReadOnlyList<AuditEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        string? auditId = null;
        string? stated = null;
        foreach (AuditEntry e in entries)
        {
            if (e.Json is { ValueKind: JsonValueKind.Object } o)
            {
                foreach (string name in new[] { "audit", "audit_id", "auditId" })
                {
                    if (auditId is null && o.TryGetProperty(name, out JsonElement id) && id.ValueKind == JsonValueKind.String)
                    {
                        auditId = id.GetString();
                    }
                }

                if (o.TryGetProperty("seed", out JsonElement seed) && seed.ValueKind == JsonValueKind.String)
                {
                    stated = seed.GetString();
                }
            }
        }

        static bool Is(AuditEntry e, string kind) => e.Type == "audit." + kind || e.Type.EndsWith("." + kind, StringComparison.Ordinal);
        List<SeedParty> parties = [];
        foreach (string party in entries.Where(e => Is(e, "commit") || Is(e, "reveal")).Select(e => e.Party).Distinct(StringComparer.Ordinal))
        {
            AuditEntry? commit = entries.FirstOrDefault(e => e.Party == party && Is(e, "commit"));
            AuditEntry? reveal = entries.FirstOrDefault(e => e.Party == party && Is(e, "reveal") && (commit is null || e.Index > commit.Index));
            bool? matches = auditId is not null && commit?.Value32 is byte[] c && reveal?.Value32 is byte[] r
                ? SeedProtocol.Commitment(auditId, party, r).AsSpan().SequenceEqual(c)
                : null;
            parties.Add(new SeedParty(party, commit, reveal, matches));
        }

        return new AuditView(entries, auditId, parties, stated, Recompute(auditId, entries, parties));
    }

    /// <summary>
    /// The seed from the log alone (docs/audit.md): the commit window closes at the first reveal, the reveal window after
    /// the last reveal, the dice window after the last dice; log indices stand for times, so the order of the log decides.
    /// </summary>
    private static string? Recompute(string? auditId, IReadOnlyList<AuditEntry> entries, IReadOnlyList<SeedParty> parties)
    {
        if (auditId is null || parties.All(p => p.Reveal is null))
        {
            return null;
        }

        DateTimeOffset At(long index) => DateTimeOffset.UnixEpoch.AddSeconds(index);
        List<SeedLogRecord> records = [];
        foreach (AuditEntry e in entries)
        {
            SeedRecordKind? kind = e.Type.EndsWith(".commit", StringComparison.Ordinal) ? SeedRecordKind.Commit
                : e.Type.EndsWith(".reveal", StringComparison.Ordinal) ? SeedRecordKind.Reveal
                : e.Type.EndsWith(".dice", StringComparison.Ordinal) ? SeedRecordKind.Dice
                : null;
            byte[]? payload = kind == SeedRecordKind.Dice ? e.Artifact : e.Value32;
            if (kind is SeedRecordKind k && payload is not null)
            {
                records.Add(new SeedLogRecord(auditId, e.Party, k, payload, e.Index, At(e.Index)));
            }
        }

        long firstReveal = records.Where(r => r.Kind == SeedRecordKind.Reveal).Min(r => r.LogIndex);
        long lastReveal = records.Where(r => r.Kind == SeedRecordKind.Reveal).Max(r => r.LogIndex);
        long lastDice = records.Where(r => r.Kind == SeedRecordKind.Dice).Select(r => r.LogIndex).DefaultIfEmpty(lastReveal).Max();
        SeedSchedule schedule = new(auditId, [.. parties.Select(p => p.Party)], At(firstReveal), At(lastReveal + 1), At(Math.Max(lastReveal, lastDice) + 1));
        try
        {
            return SeedProtocol.Evaluate(schedule, records, At(Math.Max(lastReveal, lastDice) + 2)).Seed;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>
/// One audit recomputed from its entries on the log (docs/audit.md, "Readings and sign-offs on the board"): the verifier's
/// steps, its rounds with their retrieval lists, readings and sign-offs, and the risk per contest after each round and
/// each draw, with the log index of every entry.
/// </summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Result">What <see cref="AuditTrailVerifier"/> found.</param>
/// <param name="Indexes">The log index of each step's entry: "round:n", "signoff:n:board", "reading:n:ballot key".</param>
public sealed record AuditTrailView(string AuditId, AuditTrailResult Result, IReadOnlyDictionary<string, long> Indexes)
{
    /// <summary>The log index of an entry, or null.</summary>
    public long? IndexOf(string key) => Indexes.TryGetValue(key, out long i) ? i : null;

    private static readonly Lock CacheLock = new();
    private static (long LastIndex, int Count, long LastPublished, string First, string Last, IReadOnlyList<AuditTrailView> Views)? _cache;

    /// <summary>
    /// The audit trails of every audit whose inputs are among <paramref name="entries"/>. A log only grows, so the last
    /// audit entry's index and the number of entries identify the set of one log, and the first and last entries' SHA-256
    /// tell two logs apart (the cache is the process's, and a process may serve pages of several boards): the page
    /// (which reloads itself) recomputes the samples only when an audit entry arrived.
    /// </summary>
    public static IReadOnlyList<AuditTrailView> Build(IReadOnlyList<AuditEntry> entries, IReadOnlyList<PublishedUnitResults>? published = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        published ??= [];
        long last = entries.Count == 0 ? -1 : entries[^1].Index;
        long lastPublished = published.Count == 0 ? -1 : published.Max(p => p.Index);
        string firstSha = entries.Count == 0 ? "" : entries[0].Sha256, lastSha = entries.Count == 0 ? "" : entries[^1].Sha256;
        lock (CacheLock)
        {
            if (_cache is { } c && c.LastIndex == last && c.Count == entries.Count && c.LastPublished == lastPublished && c.First == firstSha && c.Last == lastSha)
            {
                return c.Views;
            }
        }

        IReadOnlyList<AuditTrailView> views = Compute(entries, published);
        lock (CacheLock)
        {
            _cache = (last, entries.Count, lastPublished, firstSha, lastSha, views);
        }

        return views;
    }

    private static List<AuditTrailView> Compute(IReadOnlyList<AuditEntry> entries, IReadOnlyList<PublishedUnitResults> published)
    {
        List<AuditTrailEntry> log = [.. entries.Where(e => e.Artifact is not null).Select(e => new AuditTrailEntry(e.Index, e.Type, e.Artifact!) { Party = e.Party })];
        List<AuditTrailView> audits = [];
        foreach (AuditTrailEntry inputs in log.Where(e => e.Type == AuditTrailArtifacts.InputsType))
        {
            string id;
            try
            {
                id = AuditTrailArtifacts.ReadInputs($"entry {inputs.Index}", inputs.Body).AuditId;
            }
            catch (Entente.Audit.Io.AuditInputException)
            {
                continue; // the verifier of the audit it names reports it; an unreadable one names none
            }

            if (audits.Any(a => a.AuditId == id))
            {
                continue;
            }

            Dictionary<string, long> indexes = new(StringComparer.Ordinal);
            foreach (AuditTrailEntry e in log)
            {
                try
                {
                    switch (e.Type)
                    {
                        case AuditTrailArtifacts.RoundType when AuditTrailArtifacts.ReadRound("", e.Body) is { } r && r.AuditId == id:
                            indexes.TryAdd($"round:{r.Round}", e.Index);
                            break;
                        case AuditTrailArtifacts.SignOffType when AuditTrailArtifacts.ReadSignOff("", e.Body) is { } s && s.AuditId == id:
                            indexes.TryAdd($"signoff:{s.Round}:{s.Board}", e.Index);
                            break;
                        case AuditTrailArtifacts.ReadingType when AuditTrailArtifacts.ReadReading("", e.Body) is { } r && r.AuditId == id:
                            indexes[$"reading:{r.Round}:{r.BallotKey}"] = e.Index; // a correction's entry replaces the one it corrects
                            break;
                        case AuditTrailArtifacts.TallyType when AuditTrailArtifacts.ReadTally("", e.Body) is { } t && t.AuditId == id:
                            indexes[$"tally:{t.Round}:{t.BatchKey}:{t.Contest}"] = e.Index; // the latest version, as the risk uses
                            break;
                        case AuditTrailArtifacts.UploadType when AuditTrailArtifacts.ReadUpload("", e.Body) is { } u && u.AuditId == id:
                            indexes.TryAdd($"upload:{u.Jurisdiction}", e.Index);
                            break;
                    }
                }
                catch (Entente.Audit.Io.AuditInputException)
                {
                    // a malformed entry: the verifier names it
                }
            }

            audits.Add(new AuditTrailView(id, AuditTrailVerifier.Verify(id, log, published), indexes));
        }

        return audits;
    }

    /// <summary>
    /// A multi-jurisdiction audit's progress in a round, per jurisdiction (in the inputs' order): the ballots (or batches)
    /// of the round in that jurisdiction, how many are done, and per audit board how many of them it read or counted.
    /// </summary>
    public static IReadOnlyList<(string Jurisdiction, int Total, int Done, IReadOnlyList<(string Board, int Recorded)> Boards)> ByJurisdiction(AuditProgress progress, AuditProgressRound round)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(round);
        string JurisdictionOf(string key) => MultiJurisdiction.Split(key.Split('\u001f')[0]).Jurisdiction;
        List<(string Jurisdiction, string Board)> recorded = progress.Method == AuditMethod.Batch
            ? [.. round.Tallies.Values.GroupBy(t => (t.BatchKey, t.Board)).Select(g => (JurisdictionOf(g.Key.BatchKey), g.Key.Board))]
            : [.. round.Readings.Values.Select(r => (JurisdictionOf(r.BallotKey), r.Board))];
        return [.. progress.Inputs.Jurisdictions.Select(j =>
        {
            List<string> mine = [.. round.Ballots.Where(k => JurisdictionOf(k) == j.Name)];
            return (j.Name, mine.Count, mine.Count(k => progress.IsDone(round, k)),
                (IReadOnlyList<(string, int)>)[.. recorded.Where(x => x.Jurisdiction == j.Name).GroupBy(x => x.Board, StringComparer.Ordinal).Select(g => (g.Key, g.Count()))]);
        })];
    }

    /// <summary>A reading in words: "not found", or each contest's choices ("blank", "not on the ballot").</summary>
    public static string Words(AuditReadingArtifact reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return !reading.Found ? "not found"
            : string.Join("; ", reading.Contests.Select(c => $"{c.Contest}: {(!c.OnBallot ? "not on the ballot" : c.Choices.Count == 0 ? "blank" : string.Join(", ", c.Choices))}"));
    }

    /// <summary>A risk for people: up to six significant digits.</summary>
    public static string Risk(double p) => p.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A decision in words.</summary>
    public static string Words(ContestDecision decision) => decision switch
    {
        ContestDecision.Confirmed => "confirmed",
        ContestDecision.FullHandCount => "full hand count",
        _ => "another round",
    };
}

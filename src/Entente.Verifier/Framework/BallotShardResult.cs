using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Entente.Verifier.Framework;

/// <summary>
/// What the ballot pass of a verification found over one shard of a record's ballot files: every step's count,
/// failures and notes over those ballots, the homomorphic products per (contest, option) of its cast ballots, the
/// options whose product cannot be formed, and a small summary per ballot for the steps that need the whole record.
/// Shards combine by <see cref="Merge"/>, which is associative and commutative (counts add, failure lists join,
/// products gather for the verifier to check and multiply, the smallest blocking ballot wins), so shards can be verified in any order, on any machine,
/// and again after a failure, and the report that results is the one a single process writes.
/// </summary>
public sealed class BallotShardResult
{
    /// <summary>The format of <see cref="ToJson"/>.</summary>
    public const string Format = "entente-ballot-shard/1";

    /// <summary>Per step: objects checked, failures and notes over this shard's ballots.</summary>
    public required IReadOnlyList<StepResult> Steps { get; init; }

    /// <summary>Notes of the whole verification raised by this shard.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>One summary per ballot file read.</summary>
    public required IReadOnlyList<ShardBallot> Ballots { get; init; }

    /// <summary>(Π α^W, Π β^W) over the shard's cast ballots per (contest, option), as b(x, l_p); once per option in a
    /// shard, once per option and shard after <see cref="Merge"/>.</summary>
    public required IReadOnlyList<ShardProduct> Products { get; init; }

    /// <summary>Options whose product cannot be formed, with the smallest ballot id of the shard that prevents it.</summary>
    public required IReadOnlyList<ShardBlocker> Unaggregatable { get; init; }

    /// <summary>The file that could not be read, and why; a verification with such a shard ends with that input error.</summary>
    public RecordInputException? InputError { get; init; }

    /// <summary>The ballot files this shard covered, when its <see cref="Ballots"/> went to partitions elsewhere
    /// (a cluster's shards send them to partition grains); null when every file's summary is in <see cref="Ballots"/>.</summary>
    public int? Files { get; init; }

    /// <summary>The ballot files this shard covered.</summary>
    public int FileCount => Files ?? Ballots.Count;

    /// <summary>The canonical JSON form, for shipping a shard's result between processes.</summary>
    public byte[] ToJson()
    {
        ArrayBufferWriter<byte> buffer = new();
        using (Utf8JsonWriter w = new(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("files", FileCount);
            w.WriteStartArray("steps");
            foreach (StepResult step in Steps)
            {
                w.WriteStartObject();
                w.WriteString("number", step.Number);
                w.WriteString("name", step.Name);
                w.WriteNumber("checked", step.Checked);
                w.WriteStartArray("failures");
                foreach (VerificationFailure failure in step.Failures)
                {
                    w.WriteStartObject();
                    w.WriteString("check", failure.Check);
                    WriteSubject(w, failure.Subject);
                    w.WriteString("detail", failure.Detail);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                WriteStrings(w, "notes", step.Notes);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteStrings(w, "notes", Notes);
            w.WriteStartArray("ballots");
            foreach (ShardBallot b in Ballots)
            {
                w.WriteStartObject();
                w.WriteString("file", b.File);
                w.WriteString("id", b.IdHex);
                w.WriteString("device", b.Device);
                w.WriteString("state", b.State);
                w.WriteNumber("style", b.Style);
                w.WriteString("chaining_field", Convert.ToHexString(b.ChainingField));
                w.WriteString("confirmation_code", Convert.ToHexString(b.ConfirmationCode));
                w.WriteStartArray("contests");
                foreach (int c in b.Contests)
                {
                    w.WriteNumberValue(c);
                }

                w.WriteEndArray();
                w.WriteBoolean("pre_encrypted", b.PreEncrypted);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("products");
            foreach (ShardProduct p in Products)
            {
                w.WriteStartObject();
                w.WriteNumber("contest", p.Contest);
                w.WriteNumber("option", p.Option);
                w.WriteString("a", Convert.ToHexString(p.A));
                w.WriteString("b", Convert.ToHexString(p.B));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("unaggregatable");
            foreach (ShardBlocker u in Unaggregatable)
            {
                w.WriteStartObject();
                w.WriteNumber("contest", u.Contest);
                w.WriteNumber("option", u.Option);
                w.WriteString("ballot", u.Ballot);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (InputError is { } error)
            {
                w.WriteStartObject("input_error");
                w.WriteString("file", error.File);
                w.WriteString("reason", error.Reason);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("input_error");
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads <see cref="ToJson"/>'s form.</summary>
    /// <exception cref="FormatException">The bytes are not a shard result of this format; the message names the member.</exception>
    public static BallotShardResult FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json.ToArray());
            JsonElement root = document.RootElement;
            if (Str(root, "format") != Format)
            {
                throw new FormatException($"not a ballot shard result (format \"{Format}\" expected)");
            }

            List<StepResult> steps = [];
            foreach (JsonElement s in Arr(root, "steps"))
            {
                List<VerificationFailure> failures = [];
                foreach (JsonElement f in Arr(s, "failures"))
                {
                    failures.Add(new VerificationFailure(Str(f, "check"), ReadSubject(f.GetProperty("subject")), Str(f, "detail")));
                }

                steps.Add(new StepResult(Str(s, "number"), Str(s, "name"), s.GetProperty("checked").GetInt64(), failures, Strings(s, "notes")));
            }

            List<ShardBallot> ballots = [];
            foreach (JsonElement b in Arr(root, "ballots"))
            {
                ballots.Add(new ShardBallot(
                    Str(b, "file"), Str(b, "id"), Str(b, "device"), Str(b, "state"), b.GetProperty("style").GetInt32(),
                    Convert.FromHexString(Str(b, "chaining_field")), Convert.FromHexString(Str(b, "confirmation_code")),
                    [.. b.GetProperty("contests").EnumerateArray().Select(c => c.GetInt32())], b.GetProperty("pre_encrypted").GetBoolean()));
            }

            List<ShardProduct> products = [];
            foreach (JsonElement p in Arr(root, "products"))
            {
                products.Add(new ShardProduct(p.GetProperty("contest").GetInt32(), p.GetProperty("option").GetInt32(), Convert.FromHexString(Str(p, "a")), Convert.FromHexString(Str(p, "b"))));
            }

            List<ShardBlocker> blockers = [];
            foreach (JsonElement u in Arr(root, "unaggregatable"))
            {
                blockers.Add(new ShardBlocker(u.GetProperty("contest").GetInt32(), u.GetProperty("option").GetInt32(), Str(u, "ballot")));
            }

            JsonElement error = root.GetProperty("input_error");
            return new BallotShardResult
            {
                Steps = steps,
                Notes = Strings(root, "notes"),
                Ballots = ballots,
                Files = root.GetProperty("files").GetInt32(),
                Products = products,
                Unaggregatable = blockers,
                InputError = error.ValueKind == JsonValueKind.Null ? null : new RecordInputException(Str(error, "file"), Str(error, "reason")),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a ballot shard result: {e.Message}", e);
        }
    }

    /// <summary>
    /// Combines shard results into one: counts added, failures and ballots joined, every shard's products listed
    /// (an option may appear once per shard: the verifier checks them together and multiplies them), the ordinally
    /// smallest blocking ballot per option kept. An input error of any shard is kept (the one of the smallest file
    /// name, so the outcome does not depend on shard order).
    /// </summary>
    public static BallotShardResult Merge(IEnumerable<BallotShardResult> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        BallotShardSum sum = new();
        int index = 0;
        foreach (BallotShardResult shard in shards)
        {
            sum.Add(index++, shard);
        }

        return sum.ToResult();
    }

    /// <summary>
    /// Cuts a record's ballot files into shards of at most <paramref name="size"/> files, in the record's order, so
    /// that a shard is named by its first file and its count wherever it runs.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Cut(IReadOnlyList<string> files, int size)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        List<IReadOnlyList<string>> shards = [];
        for (int i = 0; i < files.Count; i += size)
        {
            shards.Add([.. files.Skip(i).Take(size)]);
        }

        return shards;
    }

    private static void WriteSubject(Utf8JsonWriter w, RecordObject o)
    {
        w.WriteStartObject("subject");
        Optional(w, "file", o.File);
        Optional(w, "guardian", o.Guardian);
        Optional(w, "device", o.Device);
        Optional(w, "ballot", o.Ballot);
        Optional(w, "contest", o.Contest);
        Optional(w, "option", o.Option);
        w.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static RecordObject ReadSubject(JsonElement s) => new()
    {
        File = OptionalStr(s, "file"),
        Guardian = OptionalStr(s, "guardian"),
        Device = OptionalStr(s, "device"),
        Ballot = OptionalStr(s, "ballot"),
        Contest = OptionalStr(s, "contest"),
        Option = OptionalStr(s, "option"),
    };

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static string Str(JsonElement e, string name) => e.GetProperty(name).GetString()
        ?? throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"\"{name}\" is null"));

    private static string? OptionalStr(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) ? v.GetString() : null;

    private static JsonElement.ArrayEnumerator Arr(JsonElement e, string name) => e.GetProperty(name).EnumerateArray();

    private static List<string> Strings(JsonElement e, string name) => [.. Arr(e, name).Select(v => v.GetString() ?? throw new FormatException($"a null in \"{name}\""))];
}

/// <summary>What the steps over the whole record need from one ballot.</summary>
/// <param name="File">The ballot's file in the record.</param>
/// <param name="IdHex">id_B in hex.</param>
/// <param name="Device">The device the ballot names.</param>
/// <param name="State">cast or challenged.</param>
/// <param name="Style">The ballot style index.</param>
/// <param name="ChainingField">B_C.</param>
/// <param name="ConfirmationCode">H_C.</param>
/// <param name="Contests">The contest indices on the ballot.</param>
/// <param name="PreEncrypted">Whether the ballot was recorded from a pre-encrypted ballot.</param>
public sealed record ShardBallot(string File, string IdHex, string Device, string State, int Style, byte[] ChainingField, byte[] ConfirmationCode, int[] Contests, bool PreEncrypted);

/// <summary>A shard's (Π α^W, Π β^W) for one option, as b(x, l_p).</summary>
/// <param name="Contest">Contest index.</param>
/// <param name="Option">Option index.</param>
/// <param name="A">Π α^W.</param>
/// <param name="B">Π β^W.</param>
public sealed record ShardProduct(int Contest, int Option, byte[] A, byte[] B);

/// <summary>An option whose product cannot be formed, and the ballot that prevents it.</summary>
/// <param name="Contest">Contest index.</param>
/// <param name="Option">Option index.</param>
/// <param name="Ballot">id_B in hex of the blocking ballot.</param>
public sealed record ShardBlocker(int Contest, int Option, string Ballot);

/// <summary>Runs the ballot pass of a verification somewhere else (for example on a cluster), shard by shard.</summary>
public interface IBallotShardRunner
{
    /// <summary>
    /// Verifies every ballot file (the record's, in its order) and returns one result per shard, each shard counted
    /// exactly once however often it ran. Reports progress as ballots finish.
    /// </summary>
    IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress);

    /// <summary>
    /// As <see cref="Run(IReadOnlyList{string}, IProgress{VerificationProgress}?)"/>, with what the verification read
    /// of <c>record.json</c>, so that a shard needs only its own files and the record's small context files, never
    /// the whole record. A runner that has no use for it runs the file list.
    /// </summary>
    IReadOnlyList<BallotShardResult> Run(BallotShardPlan plan, IProgress<VerificationProgress>? progress) => Run(plan?.Files ?? throw new ArgumentNullException(nameof(plan)), progress);
}

/// <summary>What a verification gives the shards of its ballot pass.</summary>
/// <param name="Files">Every ballot file of the record, in its order.</param>
/// <param name="Listed">The SHA-256 that <c>record.json</c> lists for each file (a file it does not list is absent).</param>
/// <param name="Context">
/// The files every shard reads besides its ballots (parameters, manifest, guardians, election), in the order they are
/// read, each with the SHA-256 that <c>record.json</c> lists for it, or null when it lists none.
/// </param>
public sealed record BallotShardPlan(IReadOnlyList<string> Files, IReadOnlyDictionary<string, byte[]> Listed, IReadOnlyList<(string Path, byte[]? Sha256)> Context)
{
    /// <summary>
    /// The verification's own reduction of products (<see cref="BallotShardSum.ProductFold"/>), for a runner that sums
    /// its shards as they arrive; null when the verification gives none.
    /// </summary>
    public Func<IReadOnlyList<ShardProduct>, IReadOnlyList<ShardProduct>>? ProductFold { get; init; }
}

/// <summary>
/// The running sum of a ballot pass's shard results, added as they arrive in any order (the reduction of
/// <see cref="BallotShardResult.Merge"/>, which is this sum over shards in order): counts added, failures and ballots
/// joined, notes kept once in the order of the first shard that gave them, the smallest blocking ballot per option and
/// the input error of the smallest file name kept. With a <see cref="ProductFold"/>, products are multiplied per option
/// as they pile up, so a coordinator holds a bounded number of them, not one per shard and option.
/// </summary>
public sealed class BallotShardSum
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Name, long Checked, List<VerificationFailure> Failures, Dictionary<string, int> Notes)> _steps = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Dictionary<string, int> _notes = new(StringComparer.Ordinal);
    private readonly List<ShardBallot> _ballots = [];
    private readonly Dictionary<(int, int), string> _blockers = [];
    private List<ShardProduct> _products = [];
    private int _files;
    private int _shards;
    private (int Index, RecordInputException Error)? _error;

    /// <summary>
    /// Reduces a list of products to one per option (checking each, throwing <see cref="RecordInputException"/> for one
    /// that is not a group member); null keeps every shard's products for the caller to check and multiply.
    /// </summary>
    public Func<IReadOnlyList<ShardProduct>, IReadOnlyList<ShardProduct>>? ProductFold { get; init; }

    /// <summary>Products held before they are folded.</summary>
    public int FoldAt { get; init; } = 4096;

    /// <summary>Shards added so far.</summary>
    public int Shards
    {
        get
        {
            lock (_gate)
            {
                return _shards;
            }
        }
    }

    /// <summary>Adds shard number <paramref name="index"/>'s result (each shard once: the caller counts shards).</summary>
    public void Add(int index, BallotShardResult shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        lock (_gate)
        {
            _shards++;
            foreach (StepResult step in shard.Steps)
            {
                if (!_steps.TryGetValue(step.Number, out var sum))
                {
                    sum = (step.Name, 0, [], new Dictionary<string, int>(StringComparer.Ordinal));
                    _order.Add(step.Number);
                }

                sum.Checked += step.Checked;
                sum.Failures.AddRange(step.Failures);
                foreach (string note in step.Notes)
                {
                    First(sum.Notes, note, index);
                }

                _steps[step.Number] = sum;
            }

            foreach (string note in shard.Notes)
            {
                First(_notes, note, index);
            }

            _ballots.AddRange(shard.Ballots);
            _files += shard.FileCount;
            _products.AddRange(shard.Products);
            if (ProductFold is { } fold && _products.Count >= FoldAt)
            {
                _products = [.. fold(_products)];
            }

            foreach (ShardBlocker u in shard.Unaggregatable)
            {
                if (!_blockers.TryGetValue((u.Contest, u.Option), out string? have) || string.CompareOrdinal(u.Ballot, have) < 0)
                {
                    _blockers[(u.Contest, u.Option)] = u.Ballot;
                }
            }

            if (shard.InputError is { } e && (_error is not { } kept || string.CompareOrdinal(e.File, kept.Error.File) < 0))
            {
                _error = (index, e);
            }
        }
    }

    /// <summary>The sum as one result.</summary>
    public BallotShardResult ToResult()
    {
        lock (_gate)
        {
            if (ProductFold is { } fold && _products.Count > 0 && _error is null)
            {
                _products = [.. fold(_products)];
            }

            return new BallotShardResult
            {
                Steps = [.. _order.Select(n => new StepResult(n, _steps[n].Name, _steps[n].Checked, [.. _steps[n].Failures], InOrder(_steps[n].Notes)))],
                Notes = InOrder(_notes),
                Ballots = [.. _ballots],
                Files = _files,
                Products = [.. _products],
                Unaggregatable = [.. _blockers.Select(b => new ShardBlocker(b.Key.Item1, b.Key.Item2, b.Value))],
                InputError = _error?.Error,
            };
        }
    }

    private static void First(Dictionary<string, int> notes, string note, int index)
    {
        if (!notes.TryGetValue(note, out int seen) || index < seen)
        {
            notes[note] = index;
        }
    }

    private static List<string> InOrder(Dictionary<string, int> notes) => [.. notes.OrderBy(n => n.Value).Select(n => n.Key)];
}

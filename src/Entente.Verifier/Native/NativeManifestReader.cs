using System.Globalization;
using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// Reads the canonical manifest of docs/record-format.md §6 and computes the effective limits: an
/// option's R = min(stated, the contest's integer limit) (<c>CONTEST_LIMIT</c> = the contest's limit),
/// a contest's L = min(stated, Σ R), or Σ R for <c>NO_LIMIT</c>; both at least 1. Problems that make
/// the manifest unusable are input errors; the others (duplicate labels, bad label text) are returned
/// so that step 1 reports them.
/// </summary>
internal static class NativeManifestReader
{
    private const string File = "manifest.json";

    public static (NativeManifest Manifest, IReadOnlyList<string> Problems) Read(byte[] bytes, JsonElement root)
    {
        List<string> problems = [];
        NObject o = NObject.Of(File, "", root);
        string label = o.String("label");
        CheckLabel(label, "label", problems);
        List<NativeManifestContest> contests = [];
        JsonElement contestArray = o.Required("contests");
        int ci = 0;
        foreach (JsonElement element in Items(contestArray, "contests"))
        {
            contests.Add(ReadContest(element, ++ci, problems));
        }

        List<NativeBallotStyle> styles = [];
        int si = 0;
        foreach (JsonElement element in Items(o.Required("ballot_styles"), "ballot_styles"))
        {
            string path = Path("ballot_styles", si);
            NObject s = NObject.Of(File, path, element);
            string styleLabel = s.String("label");
            CheckLabel(styleLabel, path + ".label", problems);
            IReadOnlyList<int> indices = s.Array("contests", (e, p) => (int)NObject.Number(File, p, e, int.MaxValue));
            s.End();
            foreach (int index in indices)
            {
                if (index < 1 || index > contests.Count)
                {
                    throw new RecordInputException(File, string.Create(CultureInfo.InvariantCulture, $"{path}.contests refers to contest {index}; the manifest has contests 1 to {contests.Count}."));
                }
            }

            if (indices.Count == 0 || indices.Distinct().Count() != indices.Count)
            {
                throw new RecordInputException(File, $"{path}.contests must list at least one contest, each once.");
            }

            styles.Add(new NativeBallotStyle(++si, styleLabel, indices));
        }

        string chaining = o.OptionalString("chaining_mode") ?? "none";
        if (chaining != "simple" && chaining != "none")
        {
            throw new RecordInputException(File, $"chaining_mode must be \"simple\" (or absent for none), found \"{chaining}\".");
        }

        string? deviceInformation = o.OptionalString("device_information");
        int weight = o.OptionalInt("max_ballot_weight") ?? 1;
        o.End();
        if (contests.Count == 0 || styles.Count == 0)
        {
            throw new RecordInputException(File, "the manifest needs at least one contest and one ballot style.");
        }

        if (weight < 1)
        {
            throw new RecordInputException(File, "max_ballot_weight must be at least 1.");
        }

        Unique(contests.Select(c => c.Label), "contest", problems);
        Unique(styles.Select(s => s.Label), "ballot style", problems);
        return (new NativeManifest(bytes, label, contests, styles, chaining, deviceInformation, weight), problems);
    }

    private static NativeManifestContest ReadContest(JsonElement element, int index, List<string> problems)
    {
        string path = Path("contests", index - 1);
        NObject c = NObject.Of(File, path, element);
        string label = c.String("label");
        CheckLabel(label, path + ".label", problems);
        (long? stated, string? word) = Limit(c, "selection_limit", "NO_LIMIT");
        JsonElement optionArray = c.Optional("contest_options") ?? c.Required("options");
        List<(string Label, long R)> options = [];
        int oi = 0;
        foreach (JsonElement optionElement in Items(optionArray, path + ".contest_options"))
        {
            string optionPath = Path(path + ".contest_options", oi++);
            NObject x = NObject.Of(File, optionPath, optionElement);
            string optionLabel = x.String("label");
            CheckLabel(optionLabel, optionPath + ".label", problems);
            (long? optionStated, string? optionWord) = Limit(x, "selection_limit", "CONTEST_LIMIT");
            x.End();
            long r;
            if (optionWord is null)
            {
                r = word is null ? Math.Min(optionStated!.Value, stated!.Value) : optionStated!.Value;
            }
            else if (word is null)
            {
                r = stated!.Value;
            }
            else
            {
                throw new RecordInputException(File, $"{optionPath}.selection_limit is CONTEST_LIMIT but the contest has NO_LIMIT.");
            }

            if (r < 1)
            {
                throw new RecordInputException(File, $"{optionPath}.selection_limit: the effective option limit must be at least 1.");
            }

            options.Add((optionLabel, r));
        }

        int blocks = c.OptionalInt("contest_data_blocks") ?? 0;
        c.End();
        if (options.Count == 0)
        {
            throw new RecordInputException(File, $"{path}.contest_options must have at least one option.");
        }

        if (blocks > 1024)
        {
            throw new RecordInputException(File, $"{path}.contest_data_blocks must be from 0 to 1024.");
        }

        long sum = options.Sum(o => o.R);
        long limit = word is null ? Math.Min(stated!.Value, sum) : Math.Min(sum, int.MaxValue);
        if (limit < 1)
        {
            throw new RecordInputException(File, $"{path}.selection_limit: the effective contest limit must be at least 1.");
        }

        Unique(options.Select(o => o.Label), $"option of contest \"{label}\"", problems);
        return new NativeManifestContest(index, label, limit, [.. options.Select((o, i) => new NativeManifestOption(i + 1, o.Label, o.R))], blocks);
    }

    private static (long? Value, string? Word) Limit(NObject o, string name, string word)
    {
        if (o.Optional(name) is not JsonElement e)
        {
            return (1, null);
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            string text = e.GetString()!;
            return text == word ? (null, word) : throw o.Error(name, $"must be an integer or \"{word}\", found \"{text}\"");
        }

        return (NObject.Number(File, o.Child(name), e, int.MaxValue), null);
    }

    private static JsonElement.ArrayEnumerator Items(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : throw new RecordInputException(File, $"{path} must be a JSON array.");

    private static string Path(string array, int i) => string.Create(CultureInfo.InvariantCulture, $"{array}[{i}]");

    private static void CheckLabel(string label, string path, List<string> problems)
    {
        if (label.Length == 0 || char.IsWhiteSpace(label[0]) || char.IsWhiteSpace(label[^1]))
        {
            problems.Add($"{path}: a label must be non-empty without leading or trailing whitespace");
        }
        else if (label.Any(c => c is '\u00A0' or '\u202F' || (char.IsControl(c) && c != '\n')))
        {
            problems.Add($"{path}: a label must not contain U+00A0, U+202F or control characters other than line feed");
        }
    }

    private static void Unique(IEnumerable<string> labels, string what, List<string> problems)
    {
        foreach (IGrouping<string, string> same in labels.GroupBy(l => l, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"the {what} label \"{same.Key}\" is used {same.Count()} times");
        }
    }
}

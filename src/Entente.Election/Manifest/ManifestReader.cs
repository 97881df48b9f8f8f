using System.Globalization;
using System.Text.Json;
using Entente.Election.Record;

namespace Entente.Election.Manifest;

/// <summary>
/// Reads and validates a manifest (spec 2.1 §3.1.3, serialization draft §"Election Manifest").
/// Strict: a size limit first, UTF-8 without BOM, no unknown or duplicate members, every rule of
/// docs/record-format.md §Manifest checked, each error naming the field.
/// </summary>
public static class ManifestReader
{
    /// <summary>Largest manifest accepted, in bytes.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>Largest number of contests, of options per contest and of ballot styles.</summary>
    public const int MaxItems = 100_000;

    /// <summary>Largest contest data size b_Λ in 32-byte blocks.</summary>
    public const int MaxContestDataBlocks = 1024;

    /// <summary>Largest device-information text, in UTF-8 bytes.</summary>
    public const int MaxDeviceInformationBytes = 64 * 1024;

    /// <summary>Parses and validates a manifest. Throws <see cref="ElectionFormatException"/> naming the field.</summary>
    public static ElectionManifest Parse(ReadOnlySpan<byte> utf8, string? file = null)
    {
        if (utf8.Length > MaxBytes)
        {
            throw new ElectionFormatException(file, "$", $"the manifest is {utf8.Length} bytes; at most {MaxBytes} are accepted");
        }

        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            throw new ElectionFormatException(file, "$", "the manifest starts with a byte order mark; UTF-8 without BOM is required");
        }

        ManifestDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(utf8, ManifestJsonContext.Default.ManifestDocument);
        }
        catch (JsonException ex)
        {
            throw new ElectionFormatException(file, ex.Path ?? "$", "not a valid manifest: " + FirstSentence(ex.Message), ex);
        }

        if (document is null)
        {
            throw new ElectionFormatException(file, "$", "the manifest is null");
        }

        try
        {
            return Build(document);
        }
        catch (ElectionFormatException ex) when (file is not null)
        {
            throw ex.InFile(file);
        }
    }

    /// <summary>Reads a manifest file (size checked before reading).</summary>
    public static async Task<ElectionManifest> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await RecordFiles.ReadLimitedAsync(path, MaxBytes, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, path);
    }

    /// <summary>The same manifest with another chaining mode (new canonical bytes, so a new H_B).</summary>
    public static ElectionManifest WithChainingMode(ElectionManifest manifest, ChainingMode mode)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.ChainingMode == mode)
        {
            return manifest;
        }

        ManifestDocument document = JsonSerializer.Deserialize(manifest.CanonicalSpan, ManifestJsonContext.Default.ManifestDocument)!;
        document.ChainingMode = mode == ChainingMode.None ? null : "simple";
        return Build(document);
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static ElectionManifest Build(ManifestDocument document)
    {
        CheckLabel(document.Label, "$.label");
        if (document.Contests.Count == 0)
        {
            throw new ElectionFormatException(null, "$.contests", "the manifest lists no contest");
        }

        CheckCount(document.Contests.Count, "$.contests");
        List<Contest> contests = new(document.Contests.Count);
        HashSet<string> contestLabels = new(StringComparer.Ordinal);
        for (int c = 0; c < document.Contests.Count; c++)
        {
            ContestDocument? contest = document.Contests[c];
            string where = $"$.contests[{c}]";
            if (contest is null)
            {
                throw new ElectionFormatException(null, where, "a contest is an object, not null");
            }

            CheckLabel(contest.Label, where + ".label");
            if (!contestLabels.Add(contest.Label))
            {
                throw new ElectionFormatException(null, where + ".label", $"duplicate contest label \"{contest.Label}\"");
            }

            contests.Add(BuildContest(contest, c + 1, where));
        }

        if (document.BallotStyles.Count == 0)
        {
            throw new ElectionFormatException(null, "$.ballot_styles", "the manifest lists no ballot style");
        }

        CheckCount(document.BallotStyles.Count, "$.ballot_styles");
        List<BallotStyle> styles = new(document.BallotStyles.Count);
        HashSet<string> styleLabels = new(StringComparer.Ordinal);
        for (int s = 0; s < document.BallotStyles.Count; s++)
        {
            BallotStyleDocument? style = document.BallotStyles[s];
            string where = $"$.ballot_styles[{s}]";
            if (style is null)
            {
                throw new ElectionFormatException(null, where, "a ballot style is an object, not null");
            }

            CheckLabel(style.Label, where + ".label");
            if (!styleLabels.Add(style.Label))
            {
                throw new ElectionFormatException(null, where + ".label", $"duplicate ballot style label \"{style.Label}\"");
            }

            if (style.Contests.Count == 0)
            {
                throw new ElectionFormatException(null, where + ".contests", "the ballot style lists no contest");
            }

            HashSet<int> seen = [];
            for (int i = 0; i < style.Contests.Count; i++)
            {
                int index = style.Contests[i];
                if (index < 1 || index > contests.Count)
                {
                    throw new ElectionFormatException(null, $"{where}.contests[{i}]", $"unknown contest index {index}; contests are numbered 1 to {contests.Count}");
                }

                if (!seen.Add(index))
                {
                    throw new ElectionFormatException(null, $"{where}.contests[{i}]", $"contest index {index} is listed twice");
                }
            }

            styles.Add(new BallotStyle(s + 1, style.Label, [.. style.Contests]));
        }

        ChainingMode chaining = document.ChainingMode switch
        {
            null or "none" => ChainingMode.None,
            "simple" => ChainingMode.Simple,
            _ => throw new ElectionFormatException(null, "$.chaining_mode", $"unknown chaining mode \"{document.ChainingMode}\"; use \"none\" or \"simple\""),
        };

        if (document.DeviceInformation is not null)
        {
            CheckText(document.DeviceInformation, "$.device_information");
            if (System.Text.Encoding.UTF8.GetByteCount(document.DeviceInformation) > MaxDeviceInformationBytes)
            {
                throw new ElectionFormatException(null, "$.device_information", $"longer than {MaxDeviceInformationBytes} bytes");
            }
        }

        int maxWeight = document.MaxBallotWeight ?? 1;
        if (maxWeight < 1)
        {
            throw new ElectionFormatException(null, "$.max_ballot_weight", $"must be a positive integer, not {maxWeight}");
        }

        byte[] canonical = WriteCanonical(document.Label, contests, styles, chaining, document.DeviceInformation, maxWeight);
        return new ElectionManifest(document.Label, contests, styles, chaining, document.DeviceInformation, maxWeight, canonical);
    }

    private static Contest BuildContest(ContestDocument contest, int index, string where)
    {
        if (contest.ContestOptions is not null && contest.Options is not null)
        {
            throw new ElectionFormatException(null, where, "both \"contest_options\" and \"options\" are present; use one");
        }

        List<OptionDocument>? options = contest.ContestOptions ?? contest.Options;
        string optionsName = contest.ContestOptions is not null ? "contest_options" : "options";
        if (options is null || options.Count == 0)
        {
            throw new ElectionFormatException(null, where + "." + optionsName, "the contest has no options");
        }

        CheckCount(options.Count, where + "." + optionsName);
        if (contest.SelectionLimit is { IsInteger: false, Word: not StatedLimit.NoLimit })
        {
            throw new ElectionFormatException(null, where + ".selection_limit", $"a contest limit must be an integer or \"{StatedLimit.NoLimit}\"");
        }

        StatedLimit contestStated = contest.SelectionLimit ?? StatedLimit.Of(1);
        bool contestHasInteger = contestStated.IsInteger;
        HashSet<string> labels = new(StringComparer.Ordinal);
        List<(string Label, StatedLimit? Stated, long Limit)> parsed = new(options.Count);
        long sum = 0;
        for (int o = 0; o < options.Count; o++)
        {
            OptionDocument? option = options[o];
            string optionWhere = $"{where}.{optionsName}[{o}]";
            if (option is null)
            {
                throw new ElectionFormatException(null, optionWhere, "an option is an object, not null");
            }

            CheckLabel(option.Label, optionWhere + ".label");
            if (!labels.Add(option.Label))
            {
                throw new ElectionFormatException(null, optionWhere + ".label", $"duplicate option label \"{option.Label}\" in contest \"{contest.Label}\"");
            }

            StatedLimit optionStated = option.SelectionLimit ?? StatedLimit.Of(1);
            long effective;
            if (optionStated.IsInteger)
            {
                effective = contestHasInteger ? Math.Min(optionStated.Value, contestStated.Value) : optionStated.Value;
            }
            else if (optionStated.Word == StatedLimit.ContestLimit && contestHasInteger)
            {
                effective = contestStated.Value;
            }
            else
            {
                throw new ElectionFormatException(null, optionWhere + ".selection_limit",
                    optionStated.Word == StatedLimit.ContestLimit
                        ? $"\"{StatedLimit.ContestLimit}\" needs an integer contest limit, but the contest says \"{StatedLimit.NoLimit}\""
                        : $"an option limit must be an integer or \"{StatedLimit.ContestLimit}\"");
            }

            if (effective < 1)
            {
                throw new ElectionFormatException(null, optionWhere + ".selection_limit", "the effective option selection limit must be at least 1");
            }

            sum += effective;
            parsed.Add((option.Label, option.SelectionLimit, effective));
        }

        long contestLimit = contestHasInteger ? Math.Min(contestStated.Value, sum) : Math.Min(sum, int.MaxValue);
        if (contestLimit < 1)
        {
            throw new ElectionFormatException(null, where + ".selection_limit", "the effective contest selection limit must be at least 1");
        }

        int blocks = contest.ContestDataBlocks ?? 0;
        if (blocks < 0 || blocks > MaxContestDataBlocks)
        {
            throw new ElectionFormatException(null, where + ".contest_data_blocks", $"must be from 0 to {MaxContestDataBlocks}, not {blocks}");
        }

        List<ContestOption> built = new(parsed.Count);
        for (int o = 0; o < parsed.Count; o++)
        {
            built.Add(new ContestOption(o + 1, parsed[o].Label, parsed[o].Stated, (int)parsed[o].Limit));
        }

        return new Contest(index, contest.Label, contest.SelectionLimit, built, (int)contestLimit, blocks);
    }

    private static void CheckCount(int count, string where)
    {
        if (count > MaxItems)
        {
            throw new ElectionFormatException(null, where, $"{count} entries; at most {MaxItems} are accepted");
        }
    }

    /// <summary>
    /// Label rules of the serialization draft: non-empty, no leading or trailing whitespace, no run
    /// of whitespace, no NO-BREAK SPACE (U+00A0, U+202F), no control characters other than line feed
    /// (the draft's own examples and the reference manifest put line feeds in labels).
    /// </summary>
    internal static void CheckLabel(string label, string where)
    {
        if (label.Length == 0)
        {
            throw new ElectionFormatException(null, where, "a label must not be empty");
        }

        CheckText(label, where);
        if (char.IsWhiteSpace(label[0]) || char.IsWhiteSpace(label[^1]))
        {
            throw new ElectionFormatException(null, where, "a label must not start or end with whitespace");
        }

        for (int i = 0; i < label.Length; i++)
        {
            char c = label[i];
            if (c is '\u00A0' or '\u202F')
            {
                throw new ElectionFormatException(null, where, $"a label must not contain U+{(int)c:X4} (no-break space)");
            }

            if (char.IsControl(c) && c != '\n')
            {
                throw new ElectionFormatException(null, where, $"a label must not contain the control character U+{(int)c:X4}");
            }

            if (i > 0 && char.IsWhiteSpace(c) && char.IsWhiteSpace(label[i - 1]))
            {
                throw new ElectionFormatException(null, where, "a label must not contain consecutive whitespace characters");
            }
        }
    }

    private static void CheckText(string text, string where)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                throw new ElectionFormatException(null, where, "the text contains an unpaired surrogate (malformed UTF-16 escape)");
            }
        }
    }

    private static byte[] WriteCanonical(
        string label, List<Contest> contests, List<BallotStyle> styles, ChainingMode chaining, string? deviceInformation, int maxWeight)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("label", label);
        w.Name("contests");
        w.StartArray();
        foreach (Contest contest in contests)
        {
            w.StartObject();
            w.Property("label", contest.Label);
            WriteLimit(w, contest.StatedLimit);
            w.Name("contest_options");
            w.StartArray();
            foreach (ContestOption option in contest.Options)
            {
                w.StartObject();
                w.Property("label", option.Label);
                WriteLimit(w, option.StatedLimit);
                w.EndObject();
            }

            w.EndArray();
            if (contest.ContestDataBlocks != 0)
            {
                w.Property("contest_data_blocks", contest.ContestDataBlocks);
            }

            w.EndObject();
        }

        w.EndArray();
        w.Name("ballot_styles");
        w.StartArray();
        foreach (BallotStyle style in styles)
        {
            w.StartObject();
            w.Property("label", style.Label);
            w.Name("contests");
            w.StartArray();
            foreach (int index in style.ContestIndices)
            {
                w.Number(index);
            }

            w.EndArray();
            w.EndObject();
        }

        w.EndArray();
        if (chaining != ChainingMode.None)
        {
            w.Property("chaining_mode", chaining.ToString().ToLowerInvariant());
        }

        if (deviceInformation is not null)
        {
            w.Property("device_information", deviceInformation);
        }

        if (maxWeight != 1)
        {
            w.Property("max_ballot_weight", maxWeight);
        }

        w.EndObject();
        return w.ToArray();
    }

    private static void WriteLimit(CanonicalJsonWriter w, StatedLimit? stated)
    {
        // The default (integer 1) is never written (serialization draft: "MUST be omitted").
        if (stated is not { } limit || (limit.IsInteger && limit.Value == 1))
        {
            return;
        }

        w.Name("selection_limit");
        if (limit.IsInteger)
        {
            w.Number(limit.Value);
        }
        else
        {
            w.String(limit.Word!);
        }
    }

    internal static string Describe(int value) => value.ToString(CultureInfo.InvariantCulture);
}

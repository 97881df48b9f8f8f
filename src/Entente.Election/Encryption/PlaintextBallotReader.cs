using System.Text.Json;
using Entente.Election.Manifest;
using Entente.Election.Record;

namespace Entente.Election.Encryption;

/// <summary>A plaintext ballot as read from a ballots file, with the voter's cast/challenge choice.</summary>
public sealed record PlaintextBallotEntry(PlaintextBallot Ballot, bool Challenge);

/// <summary>
/// Reads the plaintext ballots file of <c>entente encrypt</c> (docs/record-format.md §5.1): labels, not
/// indices, so a person can write it; every unknown style, contest or option label and every value out
/// of range is refused naming the file, the ballot and the field.
/// </summary>
public static class PlaintextBallotReader
{
    /// <summary>Largest ballots file accepted.</summary>
    public const long MaxBytes = 256L * 1024 * 1024;

    /// <summary>Parses and validates every ballot of the file.</summary>
    public static IReadOnlyList<PlaintextBallotEntry> Parse(string file, byte[] bytes, ElectionManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, null);
        JsonElement root = r.Object(document.RootElement, "$", "ballots");
        List<PlaintextBallotEntry> entries = [];
        int n = 0;
        foreach (JsonElement element in r.Array(root, "$", "ballots").EnumerateArray())
        {
            string path = $"$.ballots[{n}]";
            JsonElement o = r.Object(element, path, "style", "weight", "selections", "contest_data", "challenge");
            string styleLabel = r.String(o, path, "style");
            BallotStyle style = manifest.FindBallotStyle(styleLabel) ?? throw r.Error(path + ".style", $"unknown ballot style \"{styleLabel}\"");
            int weight = JsonReading.Has(o, "weight") ? r.Int(o, path, "weight", 1) : 1;
            Dictionary<int, int[]> selections = [];
            foreach (int index in style.ContestIndices)
            {
                selections[index] = new int[manifest.Contests[index - 1].Options.Count];
            }

            JsonElement chosen = r.Member(o, path, "selections");
            if (chosen.ValueKind != JsonValueKind.Object)
            {
                throw r.Error(path + ".selections", "an object of contest labels is required");
            }

            foreach (JsonProperty contestProperty in chosen.EnumerateObject())
            {
                string contestPath = $"{path}.selections[\"{contestProperty.Name}\"]";
                Contest contest = manifest.Contests.FirstOrDefault(c => c.Label == contestProperty.Name) ?? throw r.Error(contestPath, $"unknown contest \"{contestProperty.Name}\"");
                if (!selections.TryGetValue(contest.Index, out int[]? values))
                {
                    throw r.Error(contestPath, $"contest \"{contest.Label}\" is not on ballot style \"{style.Label}\"");
                }

                if (contestProperty.Value.ValueKind != JsonValueKind.Object)
                {
                    throw r.Error(contestPath, "an object of option labels is required");
                }

                foreach (JsonProperty optionProperty in contestProperty.Value.EnumerateObject())
                {
                    string optionPath = $"{contestPath}[\"{optionProperty.Name}\"]";
                    ContestOption option = contest.FindOption(optionProperty.Name) ?? throw r.Error(optionPath, $"unknown option \"{optionProperty.Name}\" in contest \"{contest.Label}\"");
                    if (optionProperty.Value.ValueKind != JsonValueKind.Number || !optionProperty.Value.TryGetInt32(out int value) || value < 0)
                    {
                        throw r.Error(optionPath, "a non-negative integer is required");
                    }

                    values[option.Index - 1] = value;
                }
            }

            Dictionary<int, byte[]> data = [];
            if (JsonReading.Has(o, "contest_data"))
            {
                foreach (JsonProperty property in r.Member(o, path, "contest_data").EnumerateObject())
                {
                    string dataPath = $"{path}.contest_data[\"{property.Name}\"]";
                    Contest contest = manifest.Contests.FirstOrDefault(c => c.Label == property.Name) ?? throw r.Error(dataPath, $"unknown contest \"{property.Name}\"");
                    data[contest.Index] = property.Value.ValueKind == JsonValueKind.String
                        ? System.Text.Encoding.UTF8.GetBytes(property.Value.GetString()!)
                        : throw r.Error(dataPath, "a string is required");
                }
            }

            bool challenge = JsonReading.Has(o, "challenge") && r.Member(o, path, "challenge").ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw r.Error(path + ".challenge", "true or false is required"),
            };
            PlaintextBallot ballot = new(style.Index, selections, data, weight);
            try
            {
                BallotValidator.Validate(manifest, ballot, path);
            }
            catch (ElectionFormatException ex)
            {
                throw ex.InFile(file);
            }

            entries.Add(new PlaintextBallotEntry(ballot, challenge));
            n++;
        }

        return entries;
    }
}

using Entente.Election.Manifest;

namespace Entente.Election.Encryption;

/// <summary>
/// Checks a plaintext ballot against the manifest before anything is encrypted: a known style, every
/// contest of the style present exactly once and no other, one value per option, 0 ≤ σ ≤ R,
/// Σ σ ≤ L, contest data only where the manifest allows it and no longer than 32·b_Λ bytes, and a
/// weight within 1..W. Errors name the ballot, the contest and the field.
/// </summary>
public static class BallotValidator
{
    /// <summary>Throws <see cref="ElectionFormatException"/> on the first problem.</summary>
    public static void Validate(ElectionManifest manifest, PlaintextBallot ballot, string ballotName = "ballot")
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(ballot);
        if (ballot.StyleIndex < 1 || ballot.StyleIndex > manifest.BallotStyles.Count)
        {
            throw new ElectionFormatException(null, ballotName + ".style", $"unknown ballot style {ballot.StyleIndex}; styles are numbered 1 to {manifest.BallotStyles.Count}");
        }

        if (ballot.Weight < 1 || ballot.Weight > manifest.MaxBallotWeight)
        {
            throw new ElectionFormatException(null, ballotName + ".weight", $"the weight must be from 1 to {manifest.MaxBallotWeight}, not {ballot.Weight}");
        }

        BallotStyle style = manifest.BallotStyles[ballot.StyleIndex - 1];
        foreach (int contestIndex in ballot.Selections.Keys)
        {
            if (contestIndex < 1 || contestIndex > manifest.Contests.Count)
            {
                throw new ElectionFormatException(null, $"{ballotName}.contests[{contestIndex}]", $"unknown contest {contestIndex}");
            }

            if (!style.Contains(contestIndex))
            {
                throw new ElectionFormatException(null, $"{ballotName}.contests[{contestIndex}]", $"contest {contestIndex} is not on ballot style \"{style.Label}\"");
            }
        }

        foreach (int contestIndex in style.ContestIndices)
        {
            Contest contest = manifest.Contests[contestIndex - 1];
            string where = $"{ballotName}.contests[{contestIndex}]";
            if (!ballot.Selections.TryGetValue(contestIndex, out int[]? values))
            {
                throw new ElectionFormatException(null, where, $"contest {contestIndex} (\"{contest.Label}\") is missing");
            }

            if (values.Length != contest.Options.Count)
            {
                throw new ElectionFormatException(null, where + ".selections", $"{values.Length} values given; contest \"{contest.Label}\" has {contest.Options.Count} options");
            }

            long sum = 0;
            for (int j = 0; j < values.Length; j++)
            {
                ContestOption option = contest.Options[j];
                if (values[j] < 0 || values[j] > option.SelectionLimit)
                {
                    throw new ElectionFormatException(null, $"{where}.selections[{j + 1}]", $"value {values[j]} for option \"{option.Label}\" is outside 0..{option.SelectionLimit}");
                }

                sum += values[j];
            }

            if (sum > contest.SelectionLimit)
            {
                throw new ElectionFormatException(null, where + ".selections", $"{sum} selections made; contest \"{contest.Label}\" allows at most {contest.SelectionLimit}");
            }
        }

        foreach ((int contestIndex, byte[] data) in ballot.ContestData)
        {
            string where = $"{ballotName}.contests[{contestIndex}].contest_data";
            if (!ballot.Selections.ContainsKey(contestIndex))
            {
                throw new ElectionFormatException(null, where, $"contest data for contest {contestIndex}, which is not on the ballot");
            }

            int capacity = 32 * manifest.Contests[contestIndex - 1].ContestDataBlocks;
            if (data.Length > capacity)
            {
                throw new ElectionFormatException(null, where, capacity == 0
                    ? "the manifest allows no contest data for this contest"
                    : $"{data.Length} bytes; at most {capacity} are allowed");
            }
        }
    }
}

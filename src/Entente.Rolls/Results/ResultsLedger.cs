namespace Entente.Rolls.Results;

/// <summary>
/// The rules of unofficial results on the board (docs/results.md): a jurisdiction's results come from one authority (the
/// one keeping its roll when the roll is on the board, else the first to post them); a unit's versions are numbered
/// 1, 2, 3…, and each correction names the version it corrects (the unit's latest).
/// </summary>
public sealed class ResultsLedger
{
    private readonly Dictionary<string, string> _authorities = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), UnitResults> _latest = [];

    /// <summary>Each unit's latest version, by (jurisdiction, unit).</summary>
    public IReadOnlyDictionary<(string Jurisdiction, string Unit), UnitResults> Latest => _latest;

    /// <summary>The authority of each jurisdiction with results.</summary>
    public IReadOnlyDictionary<string, string> Authorities => _authorities;

    /// <summary>Why <paramref name="results"/> posted by <paramref name="party"/> may not be logged, or null; <paramref name="rolls"/> names the roll's authority.</summary>
    public string? Check(UnitResults results, string party, RollLedger rolls)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(rolls);
        string? authority = rolls.Rolls.TryGetValue(results.Jurisdiction, out RollState? roll) ? roll.Authority : _authorities.GetValueOrDefault(results.Jurisdiction);
        if (authority is not null && authority != party)
        {
            return $"$.jurisdiction: the results of {results.Jurisdiction} are posted by \"{authority}\", not \"{party}\"";
        }

        if (roll is not null && !roll.Init.Precincts.Contains(results.Unit) && results.Unit != results.Jurisdiction)
        {
            return $"$.unit: \"{results.Unit}\" is neither a precinct of {results.Jurisdiction}'s roll nor the jurisdiction itself";
        }

        UnitResults? latest = _latest.GetValueOrDefault((results.Jurisdiction, results.Unit));
        if (results.Seq != (latest?.Seq ?? 0) + 1)
        {
            return $"$.seq: unit {results.Unit} has {latest?.Seq ?? 0} version(s); the next is {(latest?.Seq ?? 0) + 1}";
        }

        return latest is not null && results.Corrects != latest.Id ? $"$.corrects: a correction names the unit's latest version, {latest.Id}" : null;
    }

    /// <summary>Applies logged results.</summary>
    public void Apply(UnitResults results, string party)
    {
        ArgumentNullException.ThrowIfNull(results);
        _authorities.TryAdd(results.Jurisdiction, party);
        _latest[(results.Jurisdiction, results.Unit)] = results;
    }
}

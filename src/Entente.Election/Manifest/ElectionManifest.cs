using System.Collections.ObjectModel;

namespace Entente.Election.Manifest;

/// <summary>Chaining mode of confirmation codes (spec 2.1 §3.4.4); the value is the 4-byte mode identifier.</summary>
public enum ChainingMode
{
    /// <summary>No chaining, identifier 0x00000000 (eq 73).</summary>
    None = 0,

    /// <summary>Simple chaining, identifier 0x00000001 (eqs 74–78).</summary>
    Simple = 1,
}

/// <summary>
/// A validated ElectionGuard 2.1 election manifest (spec §3.1.3). Contests, options and ballot styles
/// are 1-based ordered lists; the index is what the hashes use. <see cref="CanonicalBytes"/> is the
/// canonical JSON that H_B hashes (eq 5). Build one with <see cref="ManifestReader"/>.
/// </summary>
public sealed class ElectionManifest
{
    private readonly byte[] _canonicalBytes;

    internal ElectionManifest(
        string label,
        IList<Contest> contests,
        IList<BallotStyle> ballotStyles,
        ChainingMode chainingMode,
        string? deviceInformation,
        int maxBallotWeight,
        byte[] canonicalBytes)
    {
        Label = label;
        Contests = new ReadOnlyCollection<Contest>(contests);
        BallotStyles = new ReadOnlyCollection<BallotStyle>(ballotStyles);
        ChainingMode = chainingMode;
        DeviceInformation = deviceInformation;
        MaxBallotWeight = maxBallotWeight;
        _canonicalBytes = canonicalBytes;
    }

    /// <summary>The election's unique label.</summary>
    public string Label { get; }

    /// <summary>All contests; <c>Contests[i - 1].Index == i</c>.</summary>
    public IReadOnlyList<Contest> Contests { get; }

    /// <summary>All ballot styles; <c>BallotStyles[i - 1].Index == i</c>.</summary>
    public IReadOnlyList<BallotStyle> BallotStyles { get; }

    /// <summary>How confirmation codes are chained on each device.</summary>
    public ChainingMode ChainingMode { get; }

    /// <summary>What S_device contains (free text for people; eq 72), when the manifest says.</summary>
    public string? DeviceInformation { get; }

    /// <summary>Largest ballot weight W allowed (§3.5); 1 means unweighted.</summary>
    public int MaxBallotWeight { get; }

    /// <summary>The canonical bytes (a copy): no whitespace, fixed member order, defaults omitted.</summary>
    public byte[] CanonicalBytes => (byte[])_canonicalBytes.Clone();

    /// <summary>The canonical bytes without a copy.</summary>
    public ReadOnlySpan<byte> CanonicalSpan => _canonicalBytes;

    /// <summary>The contest with this 1-based index.</summary>
    public Contest GetContest(int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Contests.Count);
        return Contests[index - 1];
    }

    /// <summary>The ballot style with this label, or null.</summary>
    public BallotStyle? FindBallotStyle(string label) =>
        BallotStyles.FirstOrDefault(s => string.Equals(s.Label, label, StringComparison.Ordinal));
}

/// <summary>A contest Λ: its index ind_c, label, options and effective contest selection limit L.</summary>
public sealed class Contest
{
    internal Contest(int index, string label, StatedLimit? stated, IList<ContestOption> options, int selectionLimit, int contestDataBlocks)
    {
        Index = index;
        Label = label;
        StatedLimit = stated;
        Options = new ReadOnlyCollection<ContestOption>(options);
        SelectionLimit = selectionLimit;
        ContestDataBlocks = contestDataBlocks;
    }

    /// <summary>The contest index ind_c (1-based).</summary>
    public int Index { get; }

    /// <summary>The contest label λ_C, unique in the election.</summary>
    public string Label { get; }

    /// <summary>The selection limit as the manifest states it (null: the default 1).</summary>
    public StatedLimit? StatedLimit { get; }

    /// <summary>The selectable options; <c>Options[j - 1].Index == j</c>.</summary>
    public IReadOnlyList<ContestOption> Options { get; }

    /// <summary>The effective contest selection limit L.</summary>
    public int SelectionLimit { get; }

    /// <summary>b_Λ: the size of the optional contest data in 32-byte blocks (0: none), §3.3.10.</summary>
    public int ContestDataBlocks { get; }

    /// <summary>The option with this label, or null.</summary>
    public ContestOption? FindOption(string label) =>
        Options.FirstOrDefault(o => string.Equals(o.Label, label, StringComparison.Ordinal));
}

/// <summary>A selectable option: its index ind_o, label and effective option selection limit R.</summary>
public sealed class ContestOption
{
    internal ContestOption(int index, string label, StatedLimit? stated, int selectionLimit)
    {
        Index = index;
        Label = label;
        StatedLimit = stated;
        SelectionLimit = selectionLimit;
    }

    /// <summary>The option index ind_o (1-based, within its contest).</summary>
    public int Index { get; }

    /// <summary>The option label λ_O, unique in its contest.</summary>
    public string Label { get; }

    /// <summary>The selection limit as the manifest states it (null: the default 1).</summary>
    public StatedLimit? StatedLimit { get; }

    /// <summary>The effective option selection limit R ≥ 1.</summary>
    public int SelectionLimit { get; }
}

/// <summary>A ballot style: its index, label and the set of contest indices present on its ballots.</summary>
public sealed class BallotStyle
{
    internal BallotStyle(int index, string label, IList<int> contests)
    {
        Index = index;
        Label = label;
        ContestIndices = new ReadOnlyCollection<int>(contests);
    }

    /// <summary>The ballot style index (1-based).</summary>
    public int Index { get; }

    /// <summary>The ballot style label λ_S.</summary>
    public string Label { get; }

    /// <summary>The contest indices as the manifest lists them (no duplicates).</summary>
    public IReadOnlyList<int> ContestIndices { get; }

    /// <summary>True when the contest with this index is on the style.</summary>
    public bool Contains(int contestIndex) => ContestIndices.Contains(contestIndex);
}

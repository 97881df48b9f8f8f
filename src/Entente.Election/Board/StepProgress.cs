namespace Entente.Election.Board;

/// <summary>How far a long step is: <paramref name="Done"/> of <paramref name="Total"/> items of <paramref name="Phase"/>.</summary>
/// <param name="Phase">What is being done, for people ("encrypting ballots", "posting ballots", "reading ballots").</param>
/// <param name="Done">Items done.</param>
/// <param name="Total">Items in all.</param>
public readonly record struct StepProgress(string Phase, int Done, int Total);

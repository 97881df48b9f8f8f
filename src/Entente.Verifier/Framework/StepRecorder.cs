namespace Entente.Verifier.Framework;

/// <summary>
/// Collects the outcome of one step while it runs, from any number of threads: a count of checked
/// objects, every failure and notes. <see cref="ToResult"/> orders failures by object then check, so
/// reports do not depend on thread scheduling.
/// </summary>
public sealed class StepRecorder
{
    private readonly Lock _lock = new();
    private readonly List<VerificationFailure> _failures = [];
    private readonly List<string> _notes = [];
    private long _checked;

    /// <summary>Starts recording a step.</summary>
    public StepRecorder(string number, string name)
    {
        Number = number;
        Name = name;
    }

    /// <summary>The step's number in the specification.</summary>
    public string Number { get; }

    /// <summary>The step's name in the specification.</summary>
    public string Name { get; }

    /// <summary>Failures so far.</summary>
    public int FailureCount
    {
        get
        {
            lock (_lock)
            {
                return _failures.Count;
            }
        }
    }

    /// <summary>Counts <paramref name="count"/> more checked objects.</summary>
    public void Checked(long count = 1) => Interlocked.Add(ref _checked, count);

    /// <summary>Records a failed check.</summary>
    public void Fail(string check, RecordObject recordObject, string detail)
    {
        lock (_lock)
        {
            _failures.Add(new VerificationFailure(check, recordObject, detail));
        }
    }

    /// <summary>Records <paramref name="check"/> as failed unless <paramref name="condition"/> holds; returns the condition.</summary>
    public bool Require(bool condition, string check, RecordObject recordObject, string detail)
    {
        if (!condition)
        {
            Fail(check, recordObject, detail);
        }

        return condition;
    }

    /// <summary>Records an observation that is not a failure (once per distinct text).</summary>
    public void Note(string text)
    {
        lock (_lock)
        {
            if (!_notes.Contains(text))
            {
                _notes.Add(text);
            }
        }
    }

    /// <summary>The step's result.</summary>
    public StepResult ToResult()
    {
        lock (_lock)
        {
            VerificationFailure[] failures = [.. _failures
                .OrderBy(f => f.Subject.ToString(), StringComparer.Ordinal)
                .ThenBy(f => f.Check, StringComparer.Ordinal)
                .ThenBy(f => f.Detail, StringComparer.Ordinal)];
            return new StepResult(Number, Name, Interlocked.Read(ref _checked), failures, [.. _notes]);
        }
    }
}

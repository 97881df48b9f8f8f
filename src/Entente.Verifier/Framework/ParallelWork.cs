namespace Entente.Verifier.Framework;

/// <summary>
/// The verifiers' parallel loops. Whatever a loop body throws, the caller gets one
/// <see cref="RecordInputException"/> naming a file, never an <see cref="AggregateException"/>: an input error
/// passes through as itself, and any other exception (a file that makes the checking code fail in a way no
/// check foresaw, memory exhausted…) becomes an input error naming the file the body was working on, with the
/// exception's message. A loop stops starting bodies at the first failure; when several bodies that were running
/// fail, the error of the first file in ordinal order is reported.
/// </summary>
internal static class ParallelWork
{
    /// <summary>Runs <paramref name="body"/> for every item on at most <paramref name="threads"/> threads.</summary>
    public static void ForEach<T>(IEnumerable<T> items, int threads, Func<T, string> fileOf, Action<T> body)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(fileOf);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            Parallel.ForEach(items, Options(threads), item => Guard(fileOf(item), () => body(item)));
        }
        catch (AggregateException e)
        {
            throw First(e);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every item with a state per thread (<paramref name="init"/>, then
    /// <paramref name="finish"/> once per thread), as <see cref="Parallel.ForEach{TSource, TLocal}(IEnumerable{TSource}, ParallelOptions, Func{TLocal}, Func{TSource, ParallelLoopState, TLocal, TLocal}, Action{TLocal})"/>.
    /// </summary>
    public static void ForEach<T, TLocal>(IEnumerable<T> items, int threads, Func<T, string> fileOf, Func<TLocal> init, Func<T, TLocal, TLocal> body, Action<TLocal> finish)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(fileOf);
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(finish);
        try
        {
            Parallel.ForEach(
                items,
                Options(threads),
                init,
                (item, _, local) =>
                {
                    TLocal result = local;
                    Guard(fileOf(item), () => result = body(item, local));
                    return result;
                },
                finish);
        }
        catch (AggregateException e)
        {
            throw First(e);
        }
    }

    /// <summary>Runs <paramref name="action"/>; any exception but an input error becomes an input error naming <paramref name="file"/>.</summary>
    public static void Guard(string file, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            action();
        }
        catch (RecordInputException)
        {
            throw;
        }
        catch (AggregateException e)
        {
            throw First(e, file);
        }
        catch (Exception e)
        {
            throw AsInputError(file, e);
        }
    }

    private static ParallelOptions Options(int threads) => new() { MaxDegreeOfParallelism = Math.Max(1, threads) };

    private static RecordInputException AsInputError(string file, Exception e) => e is OutOfMemoryException
        ? new RecordInputException(file, "the file cannot be checked: not enough memory.", e)
        : new RecordInputException(file, $"the file cannot be checked: {e.GetType().Name}: {e.Message}", e);

    /// <summary>The input error of the first file in ordinal order among everything <paramref name="e"/> holds.</summary>
    private static RecordInputException First(AggregateException e, string? file = null)
    {
        List<RecordInputException> errors = [];
        foreach (Exception inner in e.Flatten().InnerExceptions)
        {
            errors.Add(inner as RecordInputException ?? AsInputError(file ?? "(record)", inner));
        }

        return errors.Count == 0
            ? AsInputError(file ?? "(record)", e)
            : errors.OrderBy(x => x.File, StringComparer.Ordinal).ThenBy(x => x.Reason, StringComparer.Ordinal).First();
    }
}

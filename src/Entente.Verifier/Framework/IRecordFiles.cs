namespace Entente.Verifier.Framework;

/// <summary>
/// Where a verifier reads a record's files from: a directory (<see cref="RecordDirectory"/>) or files already in
/// memory (<see cref="RecordFileSet"/>, for example fetched from a board by the SHA-256 that <c>record.json</c> lists).
/// Paths are relative with '/' separators; every refusal is a <see cref="RecordInputException"/> naming the file.
/// </summary>
public interface IRecordFiles
{
    /// <summary>Where the files come from, as given (a directory's path, a board's URL).</summary>
    string Path { get; }

    /// <summary>Whether anything has this relative path.</summary>
    bool Exists(string relative);

    /// <summary>The entries of a folder as relative paths <c>folder/name</c>, sorted by ordinal; empty when there is none.</summary>
    IReadOnlyList<string> List(string folder);

    /// <summary>Every file, relative, sorted by ordinal.</summary>
    IReadOnlyList<string> ListAll();

    /// <summary>The bytes of a file, refused when it is missing or larger than <paramref name="limit"/> bytes.</summary>
    byte[] ReadFile(string relative, long limit);
}

/// <summary>
/// A record's files held in memory, by relative path. A file larger than the limit its reader gives is refused
/// as it would be from a directory, so a record read from a board is held to the same bounds.
/// </summary>
public sealed class RecordFileSet : IRecordFiles
{
    private readonly SortedDictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    /// <summary>An empty set whose files come from <paramref name="path"/> (named in messages).</summary>
    public RecordFileSet(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <summary>How many files the set holds.</summary>
    public int Count => _files.Count;

    /// <summary>Adds (or replaces) the file at <paramref name="relative"/>.</summary>
    public void Add(string relative, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(relative);
        ArgumentNullException.ThrowIfNull(bytes);
        if (relative.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new RecordInputException(relative, "is not a path inside the record.");
        }

        _files[relative] = bytes;
    }

    /// <inheritdoc/>
    public bool Exists(string relative) => _files.ContainsKey(relative) || _files.Keys.Any(k => k.StartsWith(relative + "/", StringComparison.Ordinal));

    /// <inheritdoc/>
    public IReadOnlyList<string> List(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string prefix = folder + "/";
        HashSet<string> entries = new(StringComparer.Ordinal);
        foreach (string key in _files.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            int slash = key.IndexOf('/', prefix.Length);
            entries.Add(slash < 0 ? key : key[..slash]);
        }

        return [.. entries.Order(StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListAll() => [.. _files.Keys];

    /// <inheritdoc/>
    public byte[] ReadFile(string relative, long limit)
    {
        ArgumentNullException.ThrowIfNull(relative);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (!_files.TryGetValue(relative, out byte[]? bytes))
        {
            throw new RecordInputException(relative, $"the file is missing from {Path}.");
        }

        return bytes.LongLength <= limit
            ? bytes
            : throw new RecordInputException(relative, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the file is {bytes.LongLength} bytes; the limit for this file is {limit}."));
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Entente.Verifier.Framework;

/// <summary>
/// Remembers the outcome of expensive, deterministic checks across verifications in one process:
/// a party that re-verifies a growing record (or a test suite that verifies many variants of one
/// record) pays only for what changed. Each entry is keyed by SHA-256 over a label and every input
/// the outcome depends on, so a hit is exactly as sound as recomputing (up to SHA-256 collisions).
/// Off unless passed in <see cref="VerificationOptions.Memo"/>; entries are never evicted.
/// </summary>
public sealed class VerificationMemo
{
    private readonly ConcurrentDictionary<string, object?> _entries = new(StringComparer.Ordinal);

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>The remembered outcome for these inputs, or <paramref name="compute"/>'s (then remembered).</summary>
    public T GetOrAdd<T>(string label, ReadOnlySpan<byte> inputs, Func<T> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        string key = Key(label, inputs);
        if (_entries.TryGetValue(key, out object? known))
        {
            return (T)known!;
        }

        T value = compute();
        _entries.TryAdd(key, value);
        return value;
    }

    /// <summary>The remembered outcome for these inputs, if there is one (nothing is computed).</summary>
    public bool TryGet<T>(string label, ReadOnlySpan<byte> inputs, out T value)
    {
        if (_entries.TryGetValue(Key(label, inputs), out object? known))
        {
            value = (T)known!;
            return true;
        }

        value = default!;
        return false;
    }

    private static string Key(string label, ReadOnlySpan<byte> inputs)
    {
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(label));
        sha.AppendData([0]);
        sha.AppendData(inputs);
        return label + ":" + Convert.ToHexString(sha.GetHashAndReset());
    }
}

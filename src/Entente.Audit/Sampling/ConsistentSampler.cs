// Rivest's consistent sampler (R. L. Rivest, "Consistent Sampling with Replacement", arXiv:1808.10016;
// github.com/ron-rivest/consistent_sampler, the version Arlo pins). Each id gets a ticket number, a decimal
// fraction in (0, 1) written as a string; the sample is the ids in increasing ticket order. With replacement,
// a drawn id gets a new ticket, uniform above the old one. Tickets are compared as ordinal strings and have
// 64 to 78 digits; they are trimmed only for display.
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Audit.Sampling;

/// <summary>One draw of the consistent sampler.</summary>
/// <param name="Number">The untrimmed ticket number, for example "0.4103108585...".</param>
/// <param name="IdIndex">Index of the drawn id in the list given to the sampler.</param>
/// <param name="Generation">1 for the id's first ticket, 2 for its second (with replacement), and so on.</param>
public readonly record struct SampledTicket(string Number, int IdIndex, int Generation)
{
    /// <summary>The ticket trimmed to <paramref name="digits"/> digits after the leading run of nines.</summary>
    public string Trimmed(int digits) => ConsistentSampler.Trim(Number, digits);
}

/// <summary>Rivest's consistent sampler, byte for byte.</summary>
public static class ConsistentSampler
{
    /// <summary>Lowercase hexadecimal SHA-256 of the UTF-8 text.</summary>
    public static string Sha256Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// "0." followed by the decimal digits of SHA-256(text) as an integer, left-padded to 64 digits, reversed.
    /// </summary>
    public static string Sha256Uniform(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        BigInteger value = new(SHA256.HashData(Encoding.UTF8.GetBytes(text)), isUnsigned: true, isBigEndian: true);
        char[] digits = value.ToString("D64", CultureInfo.InvariantCulture).ToCharArray();
        Array.Reverse(digits);
        return string.Concat("0.", new string(digits));
    }

    /// <summary>The first ticket of an id: sha256_uniform(sha256_hex(seed) + str(id)).</summary>
    public static string FirstFraction(string idText, string seedText) => FirstFractionFromSeedHash(idText, Sha256Hex(seedText));

    private static string FirstFractionFromSeedHash(string idText, string seedHash)
    {
        ArgumentNullException.ThrowIfNull(idText);
        return Sha256Uniform(seedHash + idText);
    }

    /// <summary>The next ticket after <paramref name="x"/>: uniform in (x, 1), keeping x's leading run of nines.</summary>
    public static string NextFraction(string x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckTicket(x);
        string x0 = x + "0";
        int p = FirstBelowNine(x0);
        string prefix = x0[..p];
        string y = "0.";
        for (long i = 1; string.CompareOrdinal(y, x0) <= 0; i++)
        {
            y = prefix + Sha256Uniform(x + ":" + i.ToString(CultureInfo.InvariantCulture))[2..];
        }

        return y;
    }

    /// <summary>The ticket cut after the leading run of nines and <paramref name="digits"/> more digits (truncation).</summary>
    public static string Trim(string x, int digits)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        CheckTicket(x);
        int p = FirstBelowNine(x + "0");
        return x[..Math.Min(x.Length, p + digits)];
    }

    private static int FirstBelowNine(string x0)
    {
        int p = 2;
        while (p < x0.Length - 1 && x0[p] == '9')
        {
            p++;
        }

        return p;
    }

    private static void CheckTicket(string x)
    {
        if (x.Length < 2 || x[0] != '0' || x[1] != '.')
        {
            throw new ArgumentException("A ticket number starts with \"0.\".", nameof(x));
        }
    }

    /// <summary>
    /// The draws <paramref name="drop"/>+1 … <paramref name="drop"/>+<paramref name="take"/> in ticket order.
    /// </summary>
    /// <param name="idTexts">str(id) of each id; must be distinct.</param>
    /// <param name="seedText">str(seed).</param>
    /// <param name="take">How many draws to return; null for every id (only without replacement).</param>
    /// <param name="drop">How many draws to skip (earlier rounds).</param>
    /// <param name="withReplacement">Whether a drawn id gets another ticket.</param>
    public static IReadOnlyList<SampledTicket> Sample(IReadOnlyList<string> idTexts, string seedText, long? take, long drop, bool withReplacement)
    {
        ArgumentNullException.ThrowIfNull(idTexts);
        ArgumentNullException.ThrowIfNull(seedText);
        ArgumentOutOfRangeException.ThrowIfNegative(drop);
        if (take is null && withReplacement)
        {
            throw new ArgumentException("Sampling with replacement needs a number of draws.", nameof(take));
        }

        if (take is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(take));
        }

        HashSet<string> distinct = new(StringComparer.Ordinal);
        foreach (string id in idTexts)
        {
            if (!distinct.Add(id))
            {
                throw new ArgumentException($"The id {id} appears twice; every ballot id must be distinct.", nameof(idTexts));
            }
        }

        long wanted = take is null ? idTexts.Count : drop + take.Value;
        if (!withReplacement)
        {
            wanted = Math.Min(wanted, idTexts.Count);
        }

        // Only the `wanted` smallest first-generation tickets can be among the first `wanted` draws.
        string seedHash = Sha256Hex(seedText);
        int keep = (int)Math.Min(wanted, idTexts.Count);
        PriorityQueue<Entry, Entry> largestFirst = new(keep + 1, DescendingEntries.Instance);
        for (int i = 0; i < idTexts.Count && keep > 0; i++)
        {
            Entry entry = new(FirstFractionFromSeedHash(idTexts[i], seedHash), i, idTexts[i], 1);
            if (largestFirst.Count < keep)
            {
                largestFirst.Enqueue(entry, entry);
            }
            else if (AscendingEntries.Instance.Compare(entry, largestFirst.Peek()) < 0)
            {
                largestFirst.EnqueueDequeue(entry, entry);
            }
        }

        PriorityQueue<Entry, Entry> heap = new(largestFirst.UnorderedItems.Select(x => (x.Element, x.Priority)), AscendingEntries.Instance);
        List<SampledTicket> result = [];
        for (long count = 0; count < wanted && heap.Count > 0; count++)
        {
            Entry next = heap.Dequeue();
            if (count >= drop)
            {
                result.Add(new SampledTicket(next.Ticket, next.Index, next.Generation));
            }

            if (withReplacement)
            {
                Entry again = next with { Ticket = NextFraction(next.Ticket), Generation = next.Generation + 1 };
                heap.Enqueue(again, again);
            }
        }

        return result;
    }

    private readonly record struct Entry(string Ticket, int Index, string IdText, int Generation);

    private sealed class AscendingEntries : IComparer<Entry>
    {
        public static readonly AscendingEntries Instance = new();

        public int Compare(Entry x, Entry y)
        {
            int c = string.CompareOrdinal(x.Ticket, y.Ticket);
            if (c == 0)
            {
                c = string.CompareOrdinal(x.IdText, y.IdText);
            }

            return c != 0 ? c : x.Generation.CompareTo(y.Generation);
        }
    }

    private sealed class DescendingEntries : IComparer<Entry>
    {
        public static readonly DescendingEntries Instance = new();

        public int Compare(Entry x, Entry y) => AscendingEntries.Instance.Compare(y, x);
    }
}

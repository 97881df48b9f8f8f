using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Mirror;

/// <summary>
/// The wire format of C2SP tlog-mirror <c>add-entries</c> (request body) and of <c>text/x.tlog.mirror-info</c> (the
/// 409 and 202 answers). A request is <c>u16 origin length, origin, u64 upload_start, u64 upload_end, u16 ticket
/// length, ticket</c>, then a prefix of the canonical sequence of entry packages: package <c>i</c> covers
/// <c>[max(start, rs + 256i), min(end, rs + 256(i+1)))</c> (rs: upload_start rounded down to 256) and holds those
/// entries, each with a u16 length, then <c>u8 num_hashes</c> (≤ 63) and the subtree consistency proof of
/// <c>[rs + 256i, package end)</c> in the tree of size upload_end.
/// </summary>
public static class AddEntries
{
    /// <summary>Package alignment (the entry bundle width).</summary>
    public const int PackageWidth = TilePath.FullWidth;

    /// <summary>Most packages a client sends in one request (the spec's recommendation).</summary>
    public const int MaxPackagesPerRequest = 32;

    /// <summary>The content type of the 409 and 202 answers.</summary>
    public const string MirrorInfoType = "text/x.tlog.mirror-info";

    /// <summary>The bounds of package <paramref name="i"/> of the canonical sequence of <c>[start, end)</c>: its entries and the subtree its proof is for.</summary>
    public static (long EntriesStart, long End, long SubtreeStart) Package(long start, long end, long i)
    {
        long rounded = start - (start % PackageWidth);
        long subtreeStart = rounded + (i * PackageWidth);
        return (Math.Max(start, subtreeStart), Math.Min(end, subtreeStart + PackageWidth), subtreeStart);
    }

    /// <summary>The number of packages in the canonical sequence of <c>[start, end)</c>.</summary>
    public static long PackageCount(long start, long end)
    {
        if (start >= end)
        {
            return 0;
        }

        long rounded = start - (start % PackageWidth);
        long roundedEnd = end % PackageWidth == 0 ? end : end + PackageWidth - (end % PackageWidth);
        return (roundedEnd - rounded) / PackageWidth;
    }

    /// <summary>The request header.</summary>
    public static byte[] FormatHeader(string origin, long uploadStart, long uploadEnd, ReadOnlySpan<byte> ticket)
    {
        ArgumentNullException.ThrowIfNull(origin);
        byte[] name = Encoding.UTF8.GetBytes(origin);
        if (name.Length > ushort.MaxValue || ticket.Length > ushort.MaxValue)
        {
            throw new ArgumentException("The origin and the ticket are at most 65535 bytes.", nameof(origin));
        }

        byte[] header = new byte[2 + name.Length + 8 + 8 + 2 + ticket.Length];
        BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)name.Length);
        name.CopyTo(header, 2);
        int at = 2 + name.Length;
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(at), (ulong)uploadStart);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(at + 8), (ulong)uploadEnd);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(at + 16), (ushort)ticket.Length);
        ticket.CopyTo(header.AsSpan(at + 18));
        return header;
    }

    /// <summary>One package: the entries (each u16-length-prefixed), the proof length and the proof.</summary>
    public static byte[] FormatPackage(IReadOnlyList<byte[]> entries, IReadOnlyList<Hash256> proof)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(proof);
        if (proof.Count > 63)
        {
            throw new ArgumentException("A subtree consistency proof has at most 63 hashes.", nameof(proof));
        }

        using MemoryStream package = new();
        Span<byte> length = stackalloc byte[2];
        foreach (byte[] entry in entries)
        {
            if (entry.Length > ushort.MaxValue)
            {
                throw new ArgumentException("An entry is at most 65535 bytes.", nameof(entries));
            }

            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)entry.Length);
            package.Write(length);
            package.Write(entry);
        }

        package.WriteByte((byte)proof.Count);
        foreach (Hash256 h in proof)
        {
            package.Write(h.Span);
        }

        return package.ToArray();
    }

    /// <summary>A parsed request header and where the packages start.</summary>
    /// <param name="Origin">The log origin.</param>
    /// <param name="UploadStart">upload_start.</param>
    /// <param name="UploadEnd">upload_end.</param>
    /// <param name="Ticket">The ticket.</param>
    /// <param name="PackagesOffset">Offset of the first package in the body.</param>
    public sealed record Header(string Origin, long UploadStart, long UploadEnd, byte[] Ticket, int PackagesOffset);

    /// <summary>Parses the header, or returns false with the reason.</summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> body, out Header? header, out string? error)
    {
        header = null;
        error = null;
        if (body.Length < 2)
        {
            error = "the body ends before the origin length";
            return false;
        }

        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (body.Length < 2 + nameLength + 18)
        {
            error = "the body ends inside the header (origin, upload_start, upload_end, ticket length)";
            return false;
        }

        string origin;
        try
        {
            origin = new UTF8Encoding(false, true).GetString(body.Slice(2, nameLength));
        }
        catch (DecoderFallbackException)
        {
            error = "the origin is not UTF-8";
            return false;
        }

        int at = 2 + nameLength;
        ulong start = BinaryPrimitives.ReadUInt64BigEndian(body[at..]);
        ulong end = BinaryPrimitives.ReadUInt64BigEndian(body[(at + 8)..]);
        int ticketLength = BinaryPrimitives.ReadUInt16BigEndian(body[(at + 16)..]);
        if (start > long.MaxValue || end > long.MaxValue)
        {
            error = "upload_start or upload_end is beyond 2^63";
            return false;
        }

        if (body.Length < at + 18 + ticketLength)
        {
            error = "the body ends inside the ticket";
            return false;
        }

        header = new Header(origin, (long)start, (long)end, body.Slice(at + 18, ticketLength).ToArray(), at + 18 + ticketLength);
        return true;
    }

    /// <summary>
    /// Reads the package covering <c>[entriesStart, end)</c> at <paramref name="offset"/>: its entries and proof, and the
    /// offset after it; false when the body ends inside it (the spec discards partial bytes) or it is malformed.
    /// </summary>
    public static bool TryReadPackage(ReadOnlySpan<byte> body, ref int offset, long entriesStart, long end, out List<byte[]> entries, out List<byte[]> proof)
    {
        entries = [];
        proof = [];
        int at = offset;
        for (long i = entriesStart; i < end; i++)
        {
            if (body.Length - at < 2)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            at += 2;
            if (body.Length - at < length)
            {
                return false;
            }

            entries.Add(body.Slice(at, length).ToArray());
            at += length;
        }

        if (body.Length - at < 1)
        {
            return false;
        }

        int hashes = body[at++];
        if (hashes > 63 || body.Length - at < hashes * Hash256.Size)
        {
            return false;
        }

        for (int h = 0; h < hashes; h++)
        {
            proof.Add(body.Slice(at, Hash256.Size).ToArray());
            at += Hash256.Size;
        }

        offset = at;
        return true;
    }

    /// <summary>The body of a <c>text/x.tlog.mirror-info</c> answer: the pending checkpoint's size, the next entry, the ticket in base64.</summary>
    public static string FormatMirrorInfo(long pendingSize, long nextEntry, ReadOnlySpan<byte> ticket) =>
        string.Create(CultureInfo.InvariantCulture, $"{pendingSize}\n{nextEntry}\n{Convert.ToBase64String(ticket)}\n");

    /// <summary>Parses a <c>text/x.tlog.mirror-info</c> body, or returns false.</summary>
    public static bool TryParseMirrorInfo(string text, out long pendingSize, out long nextEntry, out byte[] ticket)
    {
        ArgumentNullException.ThrowIfNull(text);
        pendingSize = nextEntry = 0;
        ticket = [];
        string[] lines = text.Split('\n');
        if (lines.Length != 4 || lines[3].Length != 0 || !Decimal(lines[0], out pendingSize) || !Decimal(lines[1], out nextEntry))
        {
            return false;
        }

        try
        {
            ticket = Convert.FromBase64String(lines[2]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }

        static bool Decimal(string s, out long value)
        {
            value = 0;
            return s.Length is > 0 and <= 19 && s.All(char.IsAsciiDigit) && (s.Length == 1 || s[0] != '0')
                && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
    }
}

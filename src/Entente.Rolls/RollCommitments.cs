// Commitments to voter records (docs/rolls.md, "Commitments"). Per voter, the authority draws a 16-byte salt at
// registration and hands it to the voter with the registration notice; the public log carries only
//   key        = SHA-256("entente.org/roll/key/v1" 0x00 || salt || LP(jurisdiction) || LP(voter_id))
//   commitment = SHA-256("entente.org/roll/record/v1" 0x00 || salt || LP(jurisdiction) || LP(voter_id) || LP(precinct)
//                        || LP(name) || LP(birth_date) || LP(address))
// where LP(x) is the 4-byte big-endian length of x's UTF-8 bytes followed by those bytes, every field in canonical
// form (RollText). The key is the record's stable pseudonym (its history and the snapshot's sort order); the commitment
// changes with every change of the record. wwwroot/roll-check.js computes both the same way in the browser.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Entente.Transparency;

namespace Entente.Rolls;

/// <summary>The salt, key and commitment of a voter record (see the comment at the top of the file).</summary>
public static class RollCommitments
{
    /// <summary>Bytes of a salt (128 bits: guessing it is out of reach, so no dictionary of names and birth dates helps).</summary>
    public const int SaltLength = 16;

    private static readonly byte[] KeyLabel = Encoding.ASCII.GetBytes("entente.org/roll/key/v1\0");
    private static readonly byte[] RecordLabel = Encoding.ASCII.GetBytes("entente.org/roll/record/v1\0");

    /// <summary>A fresh random salt.</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltLength);

    /// <summary>The salt as the voter's notice prints it: 32 lowercase hex digits in groups of four.</summary>
    public static string FormatSalt(ReadOnlySpan<byte> salt)
    {
        string hex = Convert.ToHexStringLower(salt);
        return string.Join('-', Enumerable.Range(0, hex.Length / 4).Select(i => hex.Substring(i * 4, 4)));
    }

    /// <summary>Parses a salt as typed (hex, any case, spaces and dashes ignored) or throws <see cref="RollFormatException"/>.</summary>
    public static byte[] ParseSalt(string typed)
    {
        ArgumentNullException.ThrowIfNull(typed);
        StringBuilder hex = new();
        foreach (char c in typed)
        {
            if (char.IsAsciiHexDigit(c))
            {
                hex.Append(c);
            }
            else if (c is not (' ' or '-' or '\t'))
            {
                throw new RollFormatException("salt: only the characters 0–9 and a–f (spaces and dashes are ignored).");
            }
        }

        return hex.Length == 2 * SaltLength
            ? Convert.FromHexString(hex.ToString())
            : throw new RollFormatException($"salt: {2 * SaltLength} hexadecimal digits are expected, found {hex.Length}.");
    }

    /// <summary>The record's key (its pseudonym on the log).</summary>
    public static Hash256 Key(ReadOnlySpan<byte> salt, string jurisdiction, string voterId)
    {
        CheckSalt(salt);
        using IncrementalHash h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(KeyLabel);
        h.AppendData(salt);
        Field(h, jurisdiction);
        Field(h, voterId);
        return Hash256.FromBytes(h.GetHashAndReset());
    }

    /// <summary>The record's key.</summary>
    public static Hash256 Key(ReadOnlySpan<byte> salt, VoterRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Key(salt, record.Jurisdiction, record.VoterId);
    }

    /// <summary>The commitment to the record's current content.</summary>
    public static Hash256 Commitment(ReadOnlySpan<byte> salt, VoterRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        CheckSalt(salt);
        using IncrementalHash h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(RecordLabel);
        h.AppendData(salt);
        foreach (string field in (string[])[record.Jurisdiction, record.VoterId, record.Precinct, record.Name, record.BirthDate, record.Address])
        {
            Field(h, field);
        }

        return Hash256.FromBytes(h.GetHashAndReset());
    }

    private static void CheckSalt(ReadOnlySpan<byte> salt)
    {
        if (salt.Length != SaltLength)
        {
            throw new ArgumentException($"A salt is {SaltLength} bytes.", nameof(salt));
        }
    }

    private static void Field(IncrementalHash h, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
        h.AppendData(length);
        h.AppendData(bytes);
    }
}

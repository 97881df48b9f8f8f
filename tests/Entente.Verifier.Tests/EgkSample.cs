using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Verifier.Egk20;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests;

/// <summary>
/// The egk 2.0 sample record (tests/vectors/egk-2.0/someAvailable) and copies of it to mutate.
/// </summary>
public static class EgkSample
{
    /// <summary>The pristine sample, read only.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "vectors", "egk-2.0", "someAvailable");

    /// <summary>The sample's trustee files (secrets of a test election), for building synthetic decryptions.</summary>
    public static string Trustees { get; } = Path.Combine(AppContext.BaseDirectory, "vectors", "egk-2.0", "someAvailable-private", "trustees");

    /// <summary>The device folder of the sample's ballots.</summary>
    public const string Device = "runWorkflowSomeAvailableJson";

    /// <summary>Remembered proof outcomes shared by every test: each variant re-checks only what changed.</summary>
    public static VerificationMemo Memo { get; } = new();

    /// <summary>Verifies a record with the shared memo.</summary>
    public static VerificationReport Verify(string directory, int threads = 2)
        => Egk20Verifier.Verify(directory, new VerificationOptions { Threads = threads, Memo = Memo });

    /// <summary>Relative path of a ballot file of the sample.</summary>
    public static string Ballot(string id) => $"encrypted_ballots/{Device}/eballot-{id}.json";

    /// <summary>The standard q.</summary>
    public static BigInteger Q { get; } = Entente.Cryptography.Group.Standard.Q;

    /// <summary>The standard p.</summary>
    public static BigInteger P { get; } = Entente.Cryptography.Group.Standard.P;

    /// <summary>Parses upper-case hex as an unsigned integer.</summary>
    public static BigInteger FromHex(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);

    /// <summary>Upper-case hex of a value at a fixed byte width.</summary>
    public static string ToHex(BigInteger value, int width)
    {
        byte[] bytes = new byte[width];
        value.TryWriteBytes(bytes.AsSpan(width - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return Convert.ToHexString(bytes);
    }

    /// <summary>
    /// HMAC-SHA-256 written out independently of the verifier's hash code, for building synthetic
    /// records: H(key; parts…).
    /// </summary>
    public static byte[] H(byte[] key, params byte[][] parts)
    {
        using IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        foreach (byte[] part in parts)
        {
            hmac.AppendData(part);
        }

        return hmac.GetHashAndReset();
    }
}

/// <summary>A writable copy of the sample in a temporary folder, deleted on dispose.</summary>
public sealed class TempRecord : IDisposable
{
    public TempRecord(string? source = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "entente-verify-" + Guid.NewGuid().ToString("N"));
        Copy(source ?? EgkSample.Directory, Directory);
    }

    public string Directory { get; }

    public string PathOf(string relative) => Path.Combine(Directory, relative);

    public JsonNode Read(string relative) => JsonNode.Parse(File.ReadAllText(PathOf(relative)))!;

    public void Write(string relative, JsonNode node) => File.WriteAllText(PathOf(relative), node.ToJsonString());

    /// <summary>Reads a JSON file, lets <paramref name="change"/> edit it and writes it back.</summary>
    public void Edit(string relative, Action<JsonNode> change)
    {
        JsonNode node = Read(relative);
        change(node);
        Write(relative, node);
    }

    public byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    public void WriteBytes(string relative, byte[] bytes) => File.WriteAllBytes(PathOf(relative), bytes);

    public void Delete(string relative) => File.Delete(PathOf(relative));

    public VerificationReport Verify() => EgkSample.Verify(Directory);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private static void Copy(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (string file in System.IO.Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string directory in System.IO.Directory.GetDirectories(from))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}

/// <summary>Assertions on reports.</summary>
public static class ReportAssert
{
    /// <summary>Every failure of the report has one of these check ids; and each id occurs.</summary>
    public static void FailsExactly(VerificationReport report, params string[] checks)
    {
        string[] found = [.. report.Failures.Select(f => f.Check).Distinct().Order(StringComparer.Ordinal)];
        Assert.Equal(checks.Order(StringComparer.Ordinal).ToArray(), found);
    }

    /// <summary>The report has a failure with this check id concerning this object.</summary>
    public static VerificationFailure HasFailure(VerificationReport report, string check, Func<RecordObject, bool> about)
    {
        VerificationFailure? failure = report.Failures.FirstOrDefault(f => f.Check == check && about(f.Subject));
        Assert.True(failure is not null, $"expected a {check} failure; the report has: {string.Join("; ", report.Failures.Take(10))}");
        return failure!;
    }

    /// <summary>Every step ran (verification went on past the failures): the ballot and tally steps checked objects.</summary>
    public static void AllStepsRan(VerificationReport report)
    {
        Assert.Equal(14, report.Steps.Count);
        foreach (string number in new[] { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10" })
        {
            Assert.True(report.Step(number)!.Checked > 0, $"step {number} checked nothing");
        }
    }

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

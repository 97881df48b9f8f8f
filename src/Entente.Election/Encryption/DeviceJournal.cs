using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;

namespace Entente.Election.Encryption;

/// <summary>
/// An encryption device's journal: every ballot it seals is written here, and forced to disk, before it is published,
/// so that a run stopped by a crash or an unreachable board can be run again with the same ballots and journal and
/// continue where it stopped: the ballots of the journal are published again (the board answers "already published"
/// for those it holds) and the chain continues from the last of them, so nothing is encrypted, cast or counted twice.
/// <para>The file is text: a header line (JSON: format <c>entente-device-journal/v1</c>, the device, S_device, H_E and
/// the SHA-256 of the plaintext ballots file), then one line per sealed ballot, the base64 of its canonical bytes
/// (record-format §4.7). A last line without its newline is a write a crash cut short; that ballot was never published
/// and is dropped. The journal holds only public data (encrypted ballots), never a plaintext.</para>
/// </summary>
public sealed class DeviceJournal : IDisposable
{
    private const string Format = "entente-device-journal/v1";
    private readonly FileStream _file;
    private readonly List<EncryptedBallot> _sealed;

    private DeviceJournal(string path, FileStream file, List<EncryptedBallot> sealedBallots)
    {
        Path = path;
        _file = file;
        _sealed = sealedBallots;
    }

    /// <summary>The journal file.</summary>
    public string Path { get; }

    /// <summary>The ballots the journal held when it was opened, in sealing order.</summary>
    public IReadOnlyList<EncryptedBallot> Sealed => _sealed;

    /// <summary>
    /// Opens the journal at <paramref name="path"/> for device <paramref name="device"/> (S_device
    /// <paramref name="deviceInformation"/>) in <paramref name="context"/>, encrypting the plaintext ballots file whose
    /// bytes are <paramref name="ballotsFile"/>; creates it when missing.
    /// </summary>
    /// <exception cref="ElectionFormatException">The journal is another device's, election's or ballots file's, or unreadable.</exception>
    public static async Task<DeviceJournal> OpenAsync(string path, string device, string deviceInformation, ElectionContext context,
        ReadOnlyMemory<byte> ballotsFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(deviceInformation);
        ArgumentNullException.ThrowIfNull(context);
        string header = Header(device, deviceInformation, context, ballotsFile.Span);
        List<EncryptedBallot> found = [];
        FileStream file = new(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read });
        try
        {
            byte[] bytes = new byte[file.Length];
            await file.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            string text = Encoding.UTF8.GetString(bytes);
            int complete = text.LastIndexOf('\n') + 1; // a line cut short by a crash is dropped
            string[] lines = text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 0)
            {
                file.SetLength(0);
                await WriteLineAsync(file, header, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (lines[0] != header)
                {
                    throw new ElectionFormatException(path, "line 1", "this journal is of another device, election or ballots file; give each device and ballots file its own journal (--journal)");
                }

                for (int i = 1; i < lines.Length; i++)
                {
                    byte[] ballot;
                    try
                    {
                        ballot = Convert.FromBase64String(lines[i]);
                    }
                    catch (FormatException)
                    {
                        throw new ElectionFormatException(path, $"line {i + 1}", "is not base64");
                    }

                    found.Add(RecordFormat.ReadBallot($"{path} line {i + 1}", ballot, context));
                }

                file.SetLength(complete);
                file.Position = complete;
            }
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new DeviceJournal(path, file, found);
    }

    /// <summary>Writes <paramref name="ballot"/> at the end of the journal and forces it to disk.</summary>
    public Task AppendAsync(EncryptedBallot ballot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ballot);
        return WriteLineAsync(_file, Convert.ToBase64String(RecordFormat.WriteBallot(ballot)), cancellationToken);
    }

    private static async Task WriteLineAsync(FileStream file, string line, CancellationToken cancellationToken)
    {
        await file.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
    }

    private static string Header(string device, string deviceInformation, ElectionContext context, ReadOnlySpan<byte> ballotsFile) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["device"] = device,
            ["s_device"] = deviceInformation,
            ["h_e"] = context.ExtendedBaseHash.ToHex(),
            ["ballots_sha256"] = Convert.ToHexString(SHA256.HashData(ballotsFile)).ToLower(CultureInfo.InvariantCulture),
        }, JournalJson.Default.SortedDictionaryStringString);

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(SortedDictionary<string, string>))]
internal sealed partial class JournalJson : System.Text.Json.Serialization.JsonSerializerContext;

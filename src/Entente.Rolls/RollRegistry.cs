using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Transparency;

namespace Entente.Rolls;

/// <summary>One voter in the authority's own database: the record, its salt and where its history on the log stands.</summary>
public sealed class RegisteredVoter
{
    /// <summary>The record (canonical).</summary>
    [JsonPropertyName("record")]
    public required VoterRecordJson Record { get; set; }

    /// <summary>The salt, hex.</summary>
    [JsonPropertyName("salt")]
    public required string Salt { get; set; }

    /// <summary>The record's latest version on the log.</summary>
    [JsonPropertyName("version")]
    public int Version { get; set; }

    /// <summary>SHA-256 of its latest change artifact, hex.</summary>
    [JsonPropertyName("sha256")]
    public required string Sha256 { get; set; }

    /// <summary>When its latest change was made.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset At { get; set; }

    /// <summary>True while registered.</summary>
    [JsonPropertyName("registered")]
    public bool Registered { get; set; }

    /// <summary>The salt's bytes.</summary>
    public byte[] SaltBytes() => Convert.FromHexString(Salt);

    /// <summary>The record.</summary>
    public VoterRecord ToRecord() => VoterRecord.Create(Record.Jurisdiction, Record.VoterId, Record.Precinct, Record.Name, Record.BirthDate, Record.Address);
}

/// <summary>A voter record as JSON.</summary>
public sealed class VoterRecordJson
{
    /// <summary>Jurisdiction.</summary>
    [JsonPropertyName("jurisdiction")]
    public required string Jurisdiction { get; set; }

    /// <summary>Voter id.</summary>
    [JsonPropertyName("voter_id")]
    public required string VoterId { get; set; }

    /// <summary>Precinct.</summary>
    [JsonPropertyName("precinct")]
    public required string Precinct { get; set; }

    /// <summary>Name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; set; }

    /// <summary>Birth date.</summary>
    [JsonPropertyName("birth_date")]
    public required string BirthDate { get; set; }

    /// <summary>Address.</summary>
    [JsonPropertyName("address")]
    public required string Address { get; set; }

    /// <summary>From a record.</summary>
    public static VoterRecordJson From(VoterRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new() { Jurisdiction = r.Jurisdiction, VoterId = r.VoterId, Precinct = r.Precinct, Name = r.Name, BirthDate = r.BirthDate, Address = r.Address };
    }
}

/// <summary>The authority's database file: the roll's opening and every voter with its salt.</summary>
public sealed class RollRegistryJson
{
    /// <summary>The board the roll is kept on.</summary>
    [JsonPropertyName("board")]
    public required string Board { get; set; }

    /// <summary>The roll's opening.</summary>
    [JsonPropertyName("jurisdiction")]
    public required string Jurisdiction { get; set; }

    /// <summary>Precincts.</summary>
    [JsonPropertyName("precincts")]
    public required List<string> Precincts { get; set; }

    /// <summary>Reason codes.</summary>
    [JsonPropertyName("reasons")]
    public required List<string> Reasons { get; set; }

    /// <summary>Voters by voter id.</summary>
    [JsonPropertyName("voters")]
    public Dictionary<string, RegisteredVoter> Voters { get; set; } = new(StringComparer.Ordinal);
}

[JsonSourceGenerationOptions(WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(RollRegistryJson))]
internal sealed partial class RollRegistryContext : JsonSerializerContext
{
}

/// <summary>
/// The authority's own database of a roll (personal data and salts: it never leaves the authority), a JSON file in the
/// roll's folder written atomically (temporary file, then rename) with owner-only permissions.
/// </summary>
public sealed class RollRegistry
{
    /// <summary>The file name in the roll's folder.</summary>
    public const string FileName = "roll.json";

    private RollRegistry(string folder, RollRegistryJson data)
    {
        Folder = folder;
        Data = data;
    }

    /// <summary>The roll's folder.</summary>
    public string Folder { get; }

    /// <summary>The data.</summary>
    public RollRegistryJson Data { get; }

    /// <summary>The roll's opening.</summary>
    public RollInit Init => new(Data.Jurisdiction, Data.Precincts, Data.Reasons);

    /// <summary>Creates the folder's database (refused when one exists).</summary>
    public static RollRegistry Create(string folder, Uri board, RollInit init)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(init);
        Directory.CreateDirectory(folder);
        if (File.Exists(Path.Combine(folder, FileName)))
        {
            throw new IOException($"{Path.Combine(folder, FileName)} exists already: this folder keeps a roll.");
        }

        RollRegistry r = new(folder, new RollRegistryJson { Board = board.AbsoluteUri, Jurisdiction = init.Jurisdiction, Precincts = [.. init.Precincts], Reasons = [.. init.Reasons] });
        r.Save();
        return r;
    }

    /// <summary>Opens a folder's database.</summary>
    public static RollRegistry Open(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string file = Path.Combine(folder, FileName);
        if (!File.Exists(file))
        {
            throw new IOException($"{file} does not exist: make the roll with `entente roll init --dir {folder}` first.");
        }

        try
        {
            RollRegistryJson data = JsonSerializer.Deserialize(File.ReadAllBytes(file), RollRegistryContext.Default.RollRegistryJson)
                ?? throw new RollFormatException($"{file}: empty.");
            return new RollRegistry(folder, data);
        }
        catch (JsonException e)
        {
            throw new RollFormatException($"{file}: not a roll database: {e.Message}", e);
        }
    }

    /// <summary>Writes the database (atomically).</summary>
    public void Save()
    {
        string file = Path.Combine(Folder, FileName);
        string temporary = file + ".tmp";
        using (FileStream stream = new(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            JsonSerializer.Serialize(stream, Data, RollRegistryContext.Default.RollRegistryJson);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>The log's view of the roll as this database knows it (for planning changes with the ledger's rules).</summary>
    public RollLedger Ledger(string authority)
    {
        RollLedger ledger = new();
        ledger.ApplyInit(Init, authority);
        foreach (RegisteredVoter v in Data.Voters.Values)
        {
            VoterRecord record = v.ToRecord();
            byte[] salt = v.SaltBytes();
            Hash256 key = RollCommitments.Key(salt, record);
            ledger.Rolls[Data.Jurisdiction].Set(new RollRecordState(key, v.Version, v.Registered ? RollCommitments.Commitment(salt, record) : null, record.Precinct, Hash256.FromHex(v.Sha256), v.At));
        }

        return ledger;
    }
}

using Entente.Cli.Tests.Election;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.Data.Sqlite;

namespace Entente.Cli.Tests.Log;

/// <summary><c>entente log fsck --dir</c> on a board's data folder: the store and key found from what is there.</summary>
public sealed class LogFsckTests : IDisposable
{
    private const string Origin = "entente.test/fsck";
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-fsck-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A board data folder as `entente serve` leaves it: board.db and log.key, with <paramref name="entries"/> entries.</summary>
    private async Task<Ed25519NoteSigner> BoardFolderAsync(int entries)
    {
        Ed25519NoteSigner key = Ed25519NoteSigner.Generate(Origin);
        await File.WriteAllTextAsync(Path.Combine(_dir, "log.key"), key.ExportSkey() + "\n");
        await using SqliteLogStore store = new(Path.Combine(_dir, "board.db"));
        await store.CreateSchemaAsync();
        await Sequencer.InitializeLogAsync(store, key, Origin);
        await using (Sequencer sequencer = await Sequencer.StartAsync(store, key, Origin))
        {
            using Ed25519NoteSigner party = Ed25519NoteSigner.Generate("blue");
            for (int i = 0; i < entries; i++)
            {
                await sequencer.AddAsync(new LogEntry("note", Hash256.Compute(BitConverter.GetBytes(i)), "blue").Sign(party));
            }
        }

        return key;
    }

    [Fact]
    public async Task A_board_data_folder_is_checked_without_a_configuration_file()
    {
        using Ed25519NoteSigner key = await BoardFolderAsync(300);
        string output = EntenteProcess.Ok("log", "fsck", "--dir", _dir);
        Assert.Contains("ok: 300 entries", output, StringComparison.Ordinal);

        // The public key alone is enough (a party checking a copy it holds).
        output = EntenteProcess.Ok("log", "fsck", "--dir", _dir, "--key", key.VerifierKey);
        Assert.Contains("ok: 300 entries", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_altered_entry_fails_with_exit_1_and_is_named()
    {
        using Ed25519NoteSigner key = await BoardFolderAsync(20);
        await using (SqliteConnection connection = new($"Data Source={Path.Combine(_dir, "board.db")}"))
        {
            await connection.OpenAsync();
            await using SqliteCommand alter = connection.CreateCommand();
            alter.CommandText = "UPDATE tlog_entries SET data = CAST(x'00' || data AS BLOB) WHERE idx = 7";
            Assert.Equal(1, await alter.ExecuteNonQueryAsync());
        }

        (int code, string output, string error) = EntenteProcess.Run("log", "fsck", "--dir", _dir);
        Assert.True(code == 1, $"exit {code}\n{output}\n{error}");
        Assert.True(output.Contains("PROBLEM", StringComparison.Ordinal) && output.Contains('7', StringComparison.Ordinal), $"stdout: {output}\nstderr: {error}");
    }

    [Fact]
    public async Task A_checkpoint_under_another_key_fails_with_exit_1()
    {
        using Ed25519NoteSigner key = await BoardFolderAsync(3);
        using Ed25519NoteSigner other = Ed25519NoteSigner.Generate(Origin);
        (int code, string output, _) = EntenteProcess.Run("log", "fsck", "--dir", _dir, "--key", other.VerifierKey);
        Assert.Equal(1, code);
        Assert.Contains("PROBLEM", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing-folder")]
    [InlineData("empty-folder")]
    [InlineData("not-a-database")]
    [InlineData("missing-key")]
    [InlineData("bad-key")]
    [InlineData("missing-config")]
    [InlineData("both")]
    public async Task Bad_input_is_one_line_and_exit_2_never_a_stack_trace(string kind)
    {
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        string[] args = kind switch
        {
            "missing-folder" => ["log", "fsck", "--dir", Path.Combine(_dir, "nowhere")],
            "empty-folder" => ["log", "fsck", "--dir", empty],
            "missing-config" => ["log", "fsck", "--config", Path.Combine(_dir, "nowhere.json")],
            "both" => ["log", "fsck", "--dir", _dir, "--config", Path.Combine(_dir, "log.json")],
            _ => ["log", "fsck", "--dir", _dir],
        };
        if (kind == "not-a-database")
        {
            await File.WriteAllTextAsync(Path.Combine(_dir, "board.db"), "this is not SQLite");
            await File.WriteAllTextAsync(Path.Combine(_dir, "log.key"), Ed25519NoteSigner.Generate(Origin).ExportSkey());
        }
        else if (kind == "missing-key")
        {
            using Ed25519NoteSigner key = await BoardFolderAsync(1);
            File.Delete(Path.Combine(_dir, "log.key"));
        }
        else if (kind == "bad-key")
        {
            using Ed25519NoteSigner key = await BoardFolderAsync(1);
            await File.WriteAllTextAsync(Path.Combine(_dir, "log.key"), "PRIVATE+KEY+garbage");
        }

        (int code, string output, string error) = EntenteProcess.Run(args);
        Assert.True(code == 2, $"{kind}: exit {code}\n{output}\n{error}");
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }
}

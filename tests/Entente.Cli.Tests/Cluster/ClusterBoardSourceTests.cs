using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Cli.Tests.Election;
using Entente.Cli.Tests.Record;
using Entente.Client.Tests.Support;

namespace Entente.Cli.Tests.Cluster;

/// <summary>
/// <c>entente verify RECORD --cluster dev --board URL</c>: the silos share no disk with the coordinator; each fetches
/// its shard's files from a real board by the SHA-256 record.json lists, and the report is the one a single process
/// prints for the folder <c>record fetch</c> wrote. A record whose ballot is not the board's cannot be verified that
/// way: the silo names the file the board does not serve.
/// </summary>
public sealed class ClusterBoardSourceTests(ElectionBoardFixture fixture) : IClassFixture<ElectionBoardFixture>
{
    private LoopbackBoard Board => fixture.Board;

    [Fact]
    public void Silos_reading_the_record_from_the_board_give_the_single_process_report()
    {
        using TempFolder temp = new();
        string record = temp.File("record");
        EntenteProcess.Ok("record", "fetch", "--board", Board.Address.ToString(), "--out", record);
        (int code, string single, _) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json");
        Assert.Equal(0, code);

        (int clusterCode, string clustered, string error) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json", "--cluster", "dev", "--silos", "2", "--shard-size", "2", "--board", Board.Address.ToString());
        Assert.True(clusterCode == 0, $"exit {clusterCode}: {error}");
        Assert.Equal(single, clustered);
    }

    [Fact]
    public void A_ballot_that_is_not_the_boards_is_named_and_the_run_exits_2()
    {
        using TempFolder temp = new();
        string record = temp.File("record");
        EntenteProcess.Ok("record", "fetch", "--board", Board.Address.ToString(), "--out", record);
        string ballot = Directory.EnumerateFiles(Path.Combine(record, "ballots")).Order(StringComparer.Ordinal).First();
        JsonNode node = JsonNode.Parse(File.ReadAllBytes(ballot))!;
        JsonNode pair = node["contests"]![0]!["selections"]![0]!["proof"]![0]!;
        string v = pair["v"]!.GetValue<string>();
        pair["v"] = (v[0] == '0' ? "1" : "0") + v[1..];
        File.WriteAllText(ballot, node.ToJsonString());
        JsonNode header = JsonNode.Parse(File.ReadAllBytes(Path.Combine(record, "record.json")))!;
        foreach (JsonNode? file in header["files"]!.AsArray())
        {
            file!["sha256"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(record, file["path"]!.GetValue<string>()))));
        }

        File.WriteAllText(Path.Combine(record, "record.json"), header.ToJsonString());
        Assert.Equal(1, EntenteProcess.Run("verify", record, "--allow-toy-groups").Code);

        (int code, _, string error) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--cluster", "dev", "--silos", "1", "--board", Board.Address.ToString());
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("ballots/" + Path.GetFileName(ballot), error, StringComparison.Ordinal);
        Assert.Contains("does not serve the file by the SHA-256 record.json lists for it", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Board_is_refused_without_a_cluster_or_when_it_is_not_an_http_url()
    {
        using TempFolder temp = new();
        (int code, _, string error) = EntenteProcess.Run("verify", temp.Path, "--board", Board.Address.ToString());
        Assert.Equal(2, code);
        Assert.Contains("--board is for --cluster", error, StringComparison.Ordinal);
        (code, _, error) = EntenteProcess.Run("verify", temp.Path, "--cluster", "dev", "--board", "ftp://board.example/");
        Assert.Equal(2, code);
        Assert.Contains("--board must be an http or https URL", error, StringComparison.Ordinal);
    }
}

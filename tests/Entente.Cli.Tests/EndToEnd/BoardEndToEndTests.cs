using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Election.Record;
using static Entente.Cli.Tests.Election.BoardSteps;

namespace Entente.Cli.Tests.EndToEnd;

/// <summary>
/// The whole unit as separate processes over loopback HTTP (issue #13, "Tests"): <c>entente serve</c> with a
/// configuration naming two witnesses, each an <c>entente witness serve</c> process the board reaches over HTTP, and
/// every guardian step and every device its own <c>entente</c> process with <c>--board URL --key KEY</c>; the record is
/// then fetched from the board under the witness policy (both witnesses required) and verified. On the tiny group.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class BoardEndToEndTests
{
    /// <summary>Two cast ballots on device-2 besides device-1's four (<see cref="BoardSteps.Ballots"/>, one challenged).</summary>
    private const string MoreBallots = """
        {"ballots":[
          {"style":"mayor only","selections":{"Mayor":{"A":1}}},
          {"style":"all","selections":{"Mayor":{"C":1},"Council":{"F":1}}}
        ]}
        """;

    [Fact]
    public async Task A_board_two_witnesses_and_every_party_in_its_own_process_give_a_record_that_record_fetch_and_verify_accept()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 2);
        await CeremonyAsync(board);
        await File.WriteAllTextAsync(board.File("ballots-1.json"), Ballots);
        await File.WriteAllTextAsync(board.File("ballots-2.json"), MoreBallots);
        Assert.Equal(4, Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots-1.json")).GetProperty("ballots").GetArrayLength());
        Assert.Equal(2, Ok(board, "device-2", "device 2", "encrypt", "--ballots", board.File("ballots-2.json")).GetProperty("ballots").GetArrayLength());
        TallyAndDecrypt(board);
        Assert.Equal("complete", (await board.GetJsonAsync("board")).GetProperty("stage").GetString());

        string record = FetchAndVerify(board);

        ElectionRecord fetched = await RecordStore.ReadAsync(record);
        Assert.Equal(new long[] { 1, 2, 2 }, fetched.Tally.Contests[0].Options.Select(o => o.Value));
        Assert.Equal(new long[] { 1, 2, 2 }, fetched.Tally.Contests[1].Options.Select(o => o.Value));
        Assert.Equal(6, fetched.Ballots.Count);
        Assert.Single(fetched.Challenged);
        await AssertCosignedByEveryWitnessAsync(board);
    }

    [Fact]
    public async Task A_witness_killed_mid_election_holds_back_the_published_checkpoint_and_once_restarted_the_election_completes_under_the_policy()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 2);
        ServerProcess witness = board.Witnesses[1];
        long before = 0;
        await CeremonyAsync(board, afterKeygen: () =>
        {
            witness.Kill();
            before = LogSize(board);
        });

        // While witness 2 is down the board goes on taking entries, but /checkpoint (all witnesses required) stays behind.
        await File.WriteAllTextAsync(board.File("ballots-1.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots-1.json"));
        long size = await board.LogSizeAsync();
        Assert.True(size > before + 5, $"the board took entries while a witness was down ({before} -> {size})");
        await Task.Delay(500); // several collector rounds
        Assert.True(await PublishedSizeAsync(board) <= before, "the board published a checkpoint that only one of two required witnesses cosigned");

        await witness.RestartAsync();
        await File.WriteAllTextAsync(board.File("ballots-2.json"), MoreBallots);
        Ok(board, "device-2", "device 2", "encrypt", "--ballots", board.File("ballots-2.json"));
        TallyAndDecrypt(board);

        FetchAndVerify(board);
        await AssertCosignedByEveryWitnessAsync(board);
    }

    /// <summary>record fetch under the witness policy, then verify; both exit 0. Returns the record folder.</summary>
    private static string FetchAndVerify(BoardProcess board)
    {
        string record = board.File("fetched");
        (int code, string output, string error) = EntenteProcess.Run("record", "fetch", "--board", board.Url, "--out", record, "--policy", board.PolicyFile, "--json");
        Assert.True(code == 0, $"record fetch exited {code}\nstdout: {output}\nstderr: {error}");
        // One member per record file: a decryption's commitments, reveals and responses all go to partial_decryptions.json.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "\"tally/partial_decryptions.json\":"));
        (code, output, error) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json");
        Assert.True(code == 0, $"verify exited {code}\nstdout: {output}\nstderr: {error}");
        using JsonDocument report = JsonDocument.Parse(output);
        Assert.All(report.RootElement.GetProperty("steps").EnumerateArray(), s => Assert.True(s.GetProperty("passed").GetBoolean(), s.ToString()));
        return record;
    }

    /// <summary>/checkpoint covers the whole log and carries a cosignature of each witness.</summary>
    private static async Task AssertCosignedByEveryWitnessAsync(BoardProcess board)
    {
        long size = await board.LogSizeAsync();
        DateTime end = DateTime.UtcNow.AddSeconds(30);
        while (await PublishedSizeAsync(board) < size && DateTime.UtcNow < end)
        {
            await Task.Delay(100);
        }

        string checkpoint = await board.GetTextAsync("checkpoint");
        Assert.Equal(size, long.Parse(checkpoint.Split('\n')[1], System.Globalization.CultureInfo.InvariantCulture));
        foreach (string witness in new[] { "witness-1.example", "witness-2.example" })
        {
            Assert.Contains($"\u2014 {witness} ", checkpoint, StringComparison.Ordinal);
        }
    }

    private static async Task<long> PublishedSizeAsync(BoardProcess board) =>
        long.Parse((await board.GetTextAsync("checkpoint")).Split('\n')[1], System.Globalization.CultureInfo.InvariantCulture);

    private static long LogSize(BoardProcess board) => board.LogSizeAsync().GetAwaiter().GetResult();
}

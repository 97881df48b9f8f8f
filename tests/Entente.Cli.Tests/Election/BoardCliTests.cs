using System.Text.Json;
using Entente.Election.Record;
using static Entente.Cli.Tests.Election.BoardSteps;

namespace Entente.Cli.Tests.Election;

/// <summary>
/// The election verbs against a real board (<c>entente serve</c> on loopback), each guardian and device step a
/// separate <c>entente</c> process that shares nothing with the others but the board and its own key and secret files,
/// as the parties of a joint unit run them on their own machines.
/// </summary>
[Trait("Category", "Slow")]
public sealed class BoardCliTests
{
    [Fact]
    public async Task A_two_of_three_election_runs_through_a_board_with_every_step_its_own_process_and_joint_artifacts_signed_in_turn()
    {
        using BoardProcess board = await BoardProcess.StartAsync();
        await CeremonyAsync(board);

        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        JsonElement encrypted = Ok(board, "device-1", "encrypt", "encrypt", "--ballots", board.File("ballots.json"), "--device-info", "Booth 1, Town Hall");
        Assert.Equal("device-1", encrypted.GetProperty("device").GetString());
        Assert.Equal(4, encrypted.GetProperty("ballots").GetArrayLength());
        Assert.Equal(4, (await board.GetJsonAsync("board")).GetProperty("counts").GetProperty("ballots").GetInt32());

        // The encrypted tally: blue computes it from the board and proposes it; red computes the same bytes and signs.
        JsonElement blueTally = Ok(board, "blue.example", "blue's tally", "tally");
        AssertState(blueTally.GetProperty("encrypted_tally"), "awaiting_signatures", "red.example");
        JsonElement proposal = await board.GetJsonAsync("board/proposals/encrypted-tally");
        Assert.Equal(["blue.example"], proposal.GetProperty("signed_by").EnumerateArray().Select(e => e.GetString()));
        AssertState(Ok(board, "red.example", "red's tally", "tally").GetProperty("encrypted_tally"), "published");
        Assert.Equal(0, (await board.GetJsonAsync("board/proposals")).GetProperty("items").GetArrayLength());

        foreach (string step in new[] { "commit", "reveal", "respond" })
        {
            foreach (int i in new[] { 1, 3 })
            {
                string[] args = ["decrypt", "--step", step];
                Ok(Guardian(board, i, step == "commit" ? [.. args, "--guardians", "1,3"] : args), $"decrypt {step} {i}");
            }
        }

        AssertState(Ok(board, "blue.example", "blue's combine", "decrypt", "--combine").GetProperty("publication"), "awaiting_signatures", "red.example");
        AssertState(Ok(board, "red.example", "red's combine", "decrypt", "--combine", "--out", board.File("record")).GetProperty("publication"), "published");
        Assert.Equal("complete", (await board.GetJsonAsync("board")).GetProperty("stage").GetString());

        ElectionRecord record = await RecordStore.ReadAsync(board.File("record"));
        Assert.Empty(RecordSelfCheck.Check(record));
        Assert.Equal([1, 3], record.Tally.Guardians);
        Assert.Equal(new long[] { 0, 2, 1 }, record.Tally.Contests[0].Options.Select(o => o.Value));
        Assert.Equal(new long[] { 1, 2, 1 }, record.Tally.Contests[1].Options.Select(o => o.Value));
        Assert.Single(record.Challenged);
        using JsonDocument report = JsonDocument.Parse(EntenteProcess.Ok("verify", board.File("record"), "--allow-toy-groups", "--json"));
        Assert.All(report.RootElement.GetProperty("steps").EnumerateArray(), s => Assert.True(s.GetProperty("passed").GetBoolean(), s.ToString()));

        // The secrets stayed with their guardians: the board holds none.
        Assert.DoesNotContain(Directory.GetFiles(board.File("board"), "*", SearchOption.AllDirectories), f => f.Contains("secret", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Out_of_order_and_forbidden_posts_print_the_boards_reason_and_a_step_run_again_adds_nothing()
    {
        using BoardProcess board = await BoardProcess.StartAsync();

        // Usage: exactly one of --folder and --board; --board needs --key.
        (int code, _, string error) = EntenteProcess.Run("tally", "--board", board.Url);
        Assert.Equal(2, code);
        Assert.Contains("--key", error, StringComparison.Ordinal);
        (code, _, error) = EntenteProcess.Run("tally", "--board", board.Url, "--key", board.Key("blue.example"), "--folder", board.File("x"));
        Assert.Equal(2, code);
        Assert.Contains("exactly one", error, StringComparison.Ordinal);

        await CeremonyAsync(board, () =>
        {
            // Blue does not hold guardian 2: the board answers 403 and the verb prints its reason on one line.
            (int forbidden, _, string why) = EntenteProcess.Run(["guardian", "keygen", .. On(board, "blue.example"), "--index", "2", "--secret", board.File("stolen.json"), "--insecure-plaintext-secrets"]);
            Assert.Equal(2, forbidden);
            Assert.Contains("403 Not this party's guardian", why, StringComparison.Ordinal);
            Assert.Single(why.Trim().Split('\n'));
        });
        long size = await board.LogSizeAsync();

        // Steps run again (as after a lost answer) report they are done and add nothing to the log.
        Assert.Contains("already", Ok(Guardian(board, 1, "guardian", "keygen"), "keygen again").GetProperty("message").GetString(), StringComparison.Ordinal);
        Ok(Guardian(board, 2, "guardian", "share"), "share again");
        AssertState(Ok(board, "red.example", "red's init again", "election", "init", "--manifest", board.File("manifest.json"), "--guardians", "3", "--quorum", "2", "--group", "tiny").GetProperty("parameters"), "already_published");
        Assert.Equal(size, await board.LogSizeAsync());

        await File.WriteAllTextAsync(board.File("ballots.json"), """{"ballots":[{"style":"mayor only","selections":{"Mayor":{"A":1}}}]}""");
        Ok(board, "device-1", "encrypt", "encrypt", "--ballots", board.File("ballots.json"));
        Ok(board, "blue.example", "blue's tally", "tally");
        long pending = await board.LogSizeAsync();
        AssertState(Ok(board, "blue.example", "blue's tally again", "tally").GetProperty("encrypted_tally"), "awaiting_signatures", "red.example");
        Assert.Equal(pending, await board.LogSizeAsync());
        Ok(board, "red.example", "red's tally", "tally");

        // Voting is closed: a device that posts now gets the board's 409.
        (code, _, error) = EntenteProcess.Run(["encrypt", "--ballots", board.File("ballots.json"), .. On(board, "device-2")]);
        Assert.Equal(2, code);
        Assert.Contains("409 Voting closed", error, StringComparison.Ordinal);

        // Guardian 1 reveals before guardian 3 committed: refused, naming who is missing; committing again changes nothing.
        Ok(Guardian(board, 1, "decrypt", "--step", "commit", "--guardians", "1,3"), "commit 1");
        (code, _, error) = Guardian(board, 1, "decrypt", "--step", "reveal");
        Assert.Equal(2, code);
        Assert.Contains("guardian 3 has not committed yet", error, StringComparison.Ordinal);
        long committed = await board.LogSizeAsync();
        AssertState(Ok(Guardian(board, 1, "decrypt", "--step", "commit", "--guardians", "1,3"), "commit 1 again").GetProperty("publication"), "already_published");
        Assert.Equal(committed, await board.LogSizeAsync());
    }
}

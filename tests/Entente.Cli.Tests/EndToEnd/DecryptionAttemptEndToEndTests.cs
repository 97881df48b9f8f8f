using System.Globalization;
using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Election.Record;
using static Entente.Cli.Tests.Election.BoardSteps;

namespace Entente.Cli.Tests.EndToEnd;

/// <summary>
/// Decryption that survives an absent guardian (issue #17 part 4; docs/record-format.md §11, "attempts"), every party
/// in its own <c>entente</c> process against <c>entente serve</c> with one witness: a guardian of U stops answering
/// after its commit, its reveal's deadline passes, another party abandons the attempt, a new U′ of the two other
/// guardians decrypts in attempt 2, and the fetched record verifies with the abandoned attempt and the late guardian
/// named. On the tiny group, with a 20-second reveal deadline.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class DecryptionAttemptEndToEndTests
{
    private const string Deadlines = """{ "decryption.commit": 600, "decryption.reveal": 20, "decryption.response": 600 }""";

    [Fact]
    public async Task A_guardian_that_stops_answering_mid_decryption_is_replaced_by_a_new_U_and_the_record_names_the_abandoned_attempt_and_the_late_guardian()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1, deadlines: Deadlines);

        // The parties log the charter first (entry 0; the demo does the same): record fetch reads the deadlines from it.
        using (Entente.Transparency.Notes.Ed25519NoteSigner blueKey = Entente.Transparency.Notes.Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(board.Key("blue.example"))).Trim()))
        using (Entente.Transparency.Notes.Ed25519NoteSigner redKey = Entente.Transparency.Notes.Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(board.Key("red.example"))).Trim()))
        using (Entente.Client.Board.BoardClient blue = new(new Uri(board.Url), blueKey))
        {
            HttpResponseMessage charter = await blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(board.Data, "charter.json")), "charter", cosigners: [redKey]);
            Assert.True(charter.IsSuccessStatusCode, $"charter: {(int)charter.StatusCode} {await charter.Content.ReadAsStringAsync()}");
        }

        await CeremonyAsync(board);
        await File.WriteAllTextAsync(board.File("ballots-1.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots-1.json"));
        AssertState(Ok(board, "blue.example", "blue's tally", "tally").GetProperty("encrypted_tally"), "awaiting_signatures", "red.example");
        AssertState(Ok(board, "red.example", "red's tally", "tally").GetProperty("encrypted_tally"), "published");

        // Attempt 1, U = {1, 3}: both commit, guardian 1 reveals; guardian 3's holder stops answering (it never reveals).
        foreach (int i in new[] { 1, 3 })
        {
            Assert.Equal(1, Ok(Guardian(board, i, "decrypt", "--step", "commit", "--guardians", "1,3"), $"commit {i}").GetProperty("attempt").GetInt32());
        }

        Ok(Guardian(board, 1, "decrypt", "--step", "reveal"), "reveal 1");
        string[] abandon = ["decrypt", "--abandon", "--attempt", "1", "--guardian", "3", "--step", "reveal", "--reason", "guardian 3 did not reveal by its deadline"];

        // Before the reveal is due, the board refuses the abandonment (and nothing is logged).
        JsonElement reveal3 = (await board.GetJsonAsync("board/schedule")).GetProperty("steps").EnumerateArray()
            .Single(s => s.GetProperty("step").GetString() == "decryption.reveal" && s.GetProperty("party").GetString() == "red.example");
        DateTimeOffset due = DateTimeOffset.Parse(reveal3.GetProperty("due").GetString()!, CultureInfo.InvariantCulture);
        if (DateTimeOffset.UtcNow < due.AddSeconds(-3))
        {
            (int code, string output, string error) = EntenteProcess.Run([.. abandon, .. On(board, "blue.example"), "--json"]);
            Assert.True(code == 2, $"an early abandonment exited {code}\nstdout: {output}\nstderr: {error}");
            Assert.Contains("Not yet due", error, StringComparison.Ordinal);
        }

        // Once the due time has passed on the board's clock, blue abandons attempt 1; its entry carries the later time.
        TimeSpan wait = due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        JsonElement abandoned = Ok(board, "blue.example", "blue's abandonment", abandon);
        Assert.Equal(1, abandoned.GetProperty("attempt").GetInt32());
        Assert.Equal("published", abandoned.GetProperty("publication").GetProperty("state").GetString());

        // Attempt 2, U' = {1, 2}: guardian 1 commits with fresh nonces, guardian 2 joins; they decrypt; the parties combine.
        foreach (string step in new[] { "commit", "reveal", "respond" })
        {
            foreach (int i in new[] { 1, 2 })
            {
                string[] args = ["decrypt", "--step", step];
                JsonElement done = Ok(Guardian(board, i, step == "commit" ? [.. args, "--guardians", "1,2"] : args), $"attempt 2: {step} {i}");
                Assert.Equal(2, done.GetProperty("attempt").GetInt32());
            }
        }

        AssertState(Ok(board, "blue.example", "blue's combine", "decrypt", "--combine").GetProperty("publication"), "awaiting_signatures", "red.example");
        AssertState(Ok(board, "red.example", "red's combine", "decrypt", "--combine").GetProperty("publication"), "published");

        // record fetch under the witness policy, then verify: both pass, naming the abandoned attempt and the late guardian.
        string record = board.File("fetched");
        (int fetchCode, string fetched, string fetchError) = EntenteProcess.Run("record", "fetch", "--board", board.Url, "--out", record, "--policy", board.PolicyFile);
        Assert.True(fetchCode == 0, $"record fetch exited {fetchCode}\nstdout: {fetched}\nstderr: {fetchError}\nschedule: {await board.GetTextAsync("board/schedule")}");
        Assert.Contains("schedule    ", fetched, StringComparison.Ordinal);
        (int verifyCode, string verified, string verifyError) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json");
        Assert.True(verifyCode == 0, $"verify exited {verifyCode}\nstdout: {verified}\nstderr: {verifyError}");
        using JsonDocument report = JsonDocument.Parse(verified);
        JsonElement[] steps = [.. report.RootElement.GetProperty("steps").EnumerateArray()];
        Assert.All(steps, s => Assert.True(s.GetProperty("passed").GetBoolean(), s.ToString()));
        JsonElement attempts = steps.Single(s => s.GetProperty("number").GetString() == "A");
        Assert.Contains(attempts.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("attempt 1 abandoned by blue.example", StringComparison.Ordinal) && n.GetString()!.Contains("guardian 3 did not reveal", StringComparison.Ordinal));
        JsonElement deadlines = steps.Single(s => s.GetProperty("number").GetString() == "D");
        Assert.Contains(deadlines.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("not done: decryption.reveal by red.example (guardian 3, attempt 1)", StringComparison.Ordinal));

        ElectionRecord read = await RecordStore.ReadAsync(record);
        Assert.Equal([1, 2], read.Tally.Guardians);
        Assert.Equal(new long[] { 0, 2, 1 }, read.Tally.Contests[0].Options.Select(o => o.Value));
        using JsonDocument attempt1 = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(record, "tally", "abandoned", "attempt-1.json")));
        JsonElement file = attempt1.RootElement;
        Assert.Equal([1, 3], file.GetProperty("guardians").EnumerateArray().Select(g => g.GetInt32()));
        Assert.Equal("blue.example", file.GetProperty("abandonment").GetProperty("party").GetString());
        Assert.Equal(3, file.GetProperty("abandonment").GetProperty("guardian").GetInt32());
        Assert.Equal("reveal", file.GetProperty("abandonment").GetProperty("step").GetString());
        Assert.Equal(20, file.GetProperty("missed").GetProperty("deadline").GetInt32());
        Assert.Equal([2, 1, 0], new[] { "commits", "reveals", "responses" }.Select(k => file.GetProperty(k).GetArrayLength()));
        using JsonDocument schedule = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(record, "schedule.json")));
        JsonElement late = schedule.RootElement.GetProperty("steps").EnumerateArray()
            .Single(s => s.GetProperty("step").GetString() == "decryption.reveal" && s.GetProperty("attempt").GetInt32() == 1 && s.GetProperty("party").GetString() == "red.example");
        Assert.Equal("not_done", late.GetProperty("status").GetString());
    }
}

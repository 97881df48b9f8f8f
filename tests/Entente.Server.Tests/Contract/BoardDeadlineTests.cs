using System.Net;
using System.Text;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Cryptography;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Server.Tests.Contract;

/// <summary>Entry times and the step table on a board whose charter sets deadlines (docs/record-format.md §11).</summary>
public sealed class BoardDeadlineTests
{
    private static async Task<TestBoard> BoardWithDeadlinesAsync()
    {
        TestBoard board = await TestBoard.CreateAsync(board: true);
        string path = Path.Combine(board.Dir, "charter.json");
        string charter = (await File.ReadAllTextAsync(path)).TrimEnd().TrimEnd('}') + """, "deadlines": { "decryption.commit": 60, "guardian.commitment": 60 } }""";
        await File.WriteAllTextAsync(path, charter);
        return board;
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, string title)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"expected 422 {title}, got {(int)response.StatusCode} {body}");
        JsonElement problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(title, problem.GetProperty("title").GetString());
        return problem;
    }

    [Fact]
    public async Task A_board_whose_charter_sets_deadlines_refuses_untimed_entries_and_times_off_its_clock_and_logs_a_timed_one()
    {
        await using TestBoard board = await BoardWithDeadlinesAsync();
        byte[] charter = await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json"));
        await using WebApplication app = await board.StartLogAsync();
        Uri address = new(TestBoard.Address(app));

        using BoardClient blue = new(address, board.Blue);
        byte[] untimed = new LogEntry("charter", Entente.Transparency.Hash256.Compute(charter), "blue.example").Sign(board.Blue);
        untimed = SignedNote.Parse(untimed).WithSignature(board.Red.Sign(SignedNote.Parse(untimed).TextBytes)).ToBytes();
        string required = (await Problem(await blue.PostWithEntryAsync("board/charter", charter, untimed), "Entry time required")).GetProperty("detail").GetString()!;
        Assert.Contains("charter sets deadlines", required, StringComparison.Ordinal);

        FakeTimeProvider ahead = new(DateTimeOffset.UtcNow.AddMinutes(10));
        using BoardClient fast = new(address, board.Blue) { Clock = ahead };
        string off = (await Problem(await fast.PostAsync("board/charter", charter, "charter", cosigners: [board.Red]), "Entry time off")).GetProperty("detail").GetString()!;
        Assert.Contains("board's clock reads", off, StringComparison.Ordinal);

        HttpResponseMessage logged = await blue.PostAsync("board/charter", charter, "charter", cosigners: [board.Red]);
        Assert.Equal(HttpStatusCode.Created, logged.StatusCode);

        // No step has opened: the table is empty, served as JSON and as a page.
        using HttpClient http = new() { BaseAddress = address };
        JsonElement schedule = JsonDocument.Parse(await http.GetStringAsync("board/schedule")).RootElement;
        Assert.Equal("entente-schedule/1", schedule.GetProperty("format").GetString());
        Assert.Equal(0, schedule.GetProperty("steps").GetArrayLength());
        Assert.Equal(JsonValueKind.String, schedule.GetProperty("log_time").ValueKind);
        string page = await http.GetStringAsync("schedule");
        Assert.Contains("id=\"no-steps\"", page, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">Deadlines", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guardian_that_commits_late_and_one_that_never_commits_are_named_on_the_board_schedule_and_its_page()
    {
        await using TestBoard board = await BoardWithDeadlinesAsync();
        byte[] charter = await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json"));
        await using WebApplication app = await board.StartLogAsync();
        Uri address = new(TestBoard.Address(app));
        using BoardClient blue = new(address, board.Blue);
        // Red's clock runs 90 s ahead: within the board's 2-minute skew, so its entries are logged, 90 s after blue's.
        using BoardClient red = new(address, board.Red) { Clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(90)) };
        Ed25519NoteSigner[] withRed = [board.Red];
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("board/charter", charter, "charter", cosigners: withRed)).StatusCode);
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(Browser.LiveElection.ManifestJson), "manifest");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("board/manifest", BoardArtifacts.Manifest(manifest), "manifest", cosigners: withRed)).StatusCode);
        ElectionParameters parameters = ElectionParameters.Create(Group.Tiny, manifest, 3, 2);
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("board/parameters", BoardArtifacts.Parameters(parameters), "election.parameters", cosigners: withRed)).StatusCode);

        List<KeyCeremonyMessage> messages = [];
        (_, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters, observer: messages.Add);
        try
        {
            GuardianCommitted[] keys = [.. messages.OfType<GuardianCommitted>().OrderBy(m => m.Sender)];
            Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("board/guardians", BoardArtifacts.Guardian(keys[0].Key), "guardian.commitment")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("board/guardians", BoardArtifacts.Guardian(keys[1].Key), "guardian.commitment")).StatusCode);
        }
        finally
        {
            foreach (GuardianSecrets secret in secrets)
            {
                secret.Dispose();
            }
        }

        // Key generation has 60 s from the parameters: blue took it on time; red logged one key of its two, 90 s after
        // the parameters, so by the log's time its step is past due and not done.
        using HttpClient http = new() { BaseAddress = address };
        JsonElement steps = JsonDocument.Parse(await http.GetStringAsync("board/schedule")).RootElement.GetProperty("steps");
        Assert.Equal(["on_time", "not_done"], steps.EnumerateArray().OrderBy(s => s.GetProperty("party").GetString(), StringComparer.Ordinal).Select(s => s.GetProperty("status").GetString()));
        JsonElement redRow = steps.EnumerateArray().Single(s => s.GetProperty("party").GetString() == "red.example");
        Assert.Equal([2, 3], redRow.GetProperty("guardians").EnumerateArray().Select(g => g.GetInt32()));
        Assert.Equal(JsonValueKind.Null, redRow.GetProperty("done").ValueKind);
        Assert.Equal(60, redRow.GetProperty("deadline").GetInt32());
        string page = await http.GetStringAsync("schedule");
        Assert.Contains("data-party=\"blue.example\" data-status=\"on_time\"", page, StringComparison.Ordinal);
        Assert.Contains("data-party=\"red.example\" data-status=\"not_done\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"missed\">1 step(s) late or not done: red.example key generation", page, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Server.Tests.Contract;

/// <summary>Entry times and the step table on a board whose charter sets deadlines (docs/record-format.md §11).</summary>
public sealed class BoardDeadlineTests
{
    private static async Task<(TestBoard Board, byte[] Charter)> BoardWithDeadlinesAsync()
    {
        TestBoard board = await TestBoard.CreateAsync(board: true);
        string path = Path.Combine(board.Dir, "charter.json");
        string charter = (await File.ReadAllTextAsync(path)).TrimEnd().TrimEnd('}') + """, "deadlines": { "decryption.commit": 60, "guardian.commitment": 3600 } }""";
        await File.WriteAllTextAsync(path, charter);
        return (board, await File.ReadAllBytesAsync(path));
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
        (TestBoard board, byte[] charter) = await BoardWithDeadlinesAsync();
        await using TestBoard _ = board;
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
}

using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Election.Encryption;
using Entente.Election.Record;
using static Entente.Cli.Tests.Election.BoardSteps;

namespace Entente.Cli.Tests.EndToEnd;

/// <summary>
/// <c>entente encrypt --two-step</c> against a board in its own process: every ballot's seal notice (its H_C) is on the
/// log before the voter's choice, a challenged ballot among them; the record fetched from the board verifies. On the tiny group.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class TwoStepDeviceTests
{
    [Fact]
    public async Task Each_ballot_is_sealed_on_the_board_before_the_voters_choice_and_the_election_still_verifies()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1);
        await CeremonyAsync(board);
        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        JsonElement encrypted = Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots.json"), "--two-step", "--json");
        string[] ids = [.. encrypted.GetProperty("ballots").EnumerateArray().Select(b => b.GetProperty("id").GetString()!)];
        Assert.Equal(4, ids.Length);

        using HttpClient http = new() { BaseAddress = new Uri(board.Url) };
        foreach (string id in ids)
        {
            BallotSeal seal = BallotSeal.Read("seal", await http.GetByteArrayAsync($"board/sealed/{id}"));
            using HttpResponseMessage sealResponse = await http.GetAsync($"board/sealed/{id}");
            using HttpResponseMessage ballotResponse = await http.GetAsync($"board/ballots/{id}");
            long sealedAt = long.Parse(sealResponse.Headers.GetValues("Entente-Log-Index").Single(), System.Globalization.CultureInfo.InvariantCulture);
            long decidedAt = long.Parse(ballotResponse.Headers.GetValues("Entente-Log-Index").Single(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(sealedAt < decidedAt, $"ballot {id}: sealed at entry {sealedAt}, decided at entry {decidedAt}");
            JsonElement ballot = JsonDocument.Parse(await ballotResponse.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(seal.ConfirmationCode.ToHex(), ballot.GetProperty("confirmation_code").GetString());
        }

        Assert.Equal(1, (await board.GetJsonAsync("board/ballots?state=challenged")).GetProperty("total").GetInt32());
        TallyAndDecrypt(board);
        string record = board.File("fetched");
        Ok(EntenteProcess.Run("record", "fetch", "--board", board.Url, "--out", record, "--policy", board.PolicyFile, "--json"), "record fetch");
        Ok(EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json"), "verify");
        ElectionRecord fetched = await RecordStore.ReadAsync(record);
        Assert.Single(fetched.Challenged);
    }
}

using System.Net;
using Entente.Client.Board;
using Entente.Election.Encryption;
using Entente.Election.Tally;
using Entente.Server.Tests.Browser;
using Entente.Transparency.Notes;

namespace Entente.Server.Tests.Contract;

/// <summary>
/// The board checks a posted encrypted tally against every ballot on it, reading the ballots a few hundred at a time
/// (<c>IBoardBallots.EachAsync</c>) rather than all at once: a tally that leaves out a ballot past the first read is
/// refused, and the whole tally closes voting; in the form that commits to the ballots rather than listing them too.
/// </summary>
public sealed class BoardTallyCheckTests
{
    [Fact]
    public async Task An_encrypted_tally_of_more_ballots_than_the_board_reads_at_once_is_checked_against_every_one()
    {
        await using LiveElection election = await LiveElection.StartAsync();
        await election.SetUpAsync();
        await election.OpenVotingAsync();
        EncryptedBallot[] ballots = election.Seal(300);
        foreach (EncryptedBallot[] batch in ballots.Chunk(64))
        {
            IReadOnlyList<BoardBatchItem> results = await election.DeviceClient.PostBallotsAsync(batch);
            Assert.All(results, r => Assert.True(r.Logged, $"{r.Status} {r.Title}: {r.Detail}"));
        }

        using BoardClient blue = new(new Uri(election.BaseUrl + "/"), election.Board.Blue);
        Ed25519NoteSigner[] withRed = [election.Board.Red];
        EncryptedTally withoutTheLast = EncryptedTally.Aggregate(election.Context, ballots[..^1]);
        await Problems.AssertAsync(await blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(withoutTheLast), "tally.encrypted", cosigners: withRed),
            HttpStatusCode.UnprocessableEntity, "Invalid tally");

        // The form of a tally of more than 65,536 ballots (docs/record-format.md §4.8): their number and the SHA-256 of
        // their sorted ids, checked against the board's cast ballots in the same way.
        EncryptedTally committedWithoutTheLast = EncryptedTally.Aggregate(election.Context, ballots[..^1], maxListed: 0);
        System.Text.Json.JsonElement refused = await Problems.AssertAsync(
            await blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(committedWithoutTheLast), "tally.encrypted", cosigners: withRed),
            HttpStatusCode.UnprocessableEntity, "Invalid tally");
        Assert.Contains("$.ballots_sha256: the tally commits to 299 ballot(s) that are not the 300 cast ballot(s) on the board", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        EncryptedTally whole = EncryptedTally.Aggregate(election.Context, ballots, maxListed: 0);
        HttpResponseMessage created = await blue.PostAsync("board/encrypted-tally", BoardArtifacts.EncryptedTally(whole), "tally.encrypted", cosigners: withRed);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        await Problems.AssertAsync(await election.DeviceClient.PostBallotAsync(election.Seal(1)[0]), HttpStatusCode.Conflict, "Voting closed");
    }
}

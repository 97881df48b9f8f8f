using System.Net;
using System.Text.Json.Nodes;
using Entente.Client.Board;
using Entente.Client.Record;
using Entente.Client.Tests.Support;
using Entente.Election.KeyCeremony;
using Entente.Election.PreEncryption;
using Entente.Election.Record;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Client.Tests.Contract;

/// <summary>
/// Uncast pre-encrypted ballots through the board (<c>POST /board/uncast</c>): the board checks each opening as
/// Verification 19 does and keeps a pre-encrypted ballot either cast or uncast; the record fetched from the board
/// carries <c>uncast/</c> and the verifier checks it.
/// </summary>
[Trait("Category", "Slow")]
public sealed class UncastOnBoardTests
{
    [Fact]
    public async Task An_uncast_opening_is_checked_by_the_board_kept_apart_from_cast_ballots_and_fetched_into_the_record_the_verifier_checks()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync();
        await board.LogPolicyAsync();
        string? uncastId = null;
        List<(HttpStatusCode Status, string Body)> refusals = [];
        await TinyElection.PostAsync(board, beforeTally: async (context, device) =>
        {
            // The recording tool is the charter's device-1; the printer that generated the ballots has the same name, so
            // that a cast copy of the uncast ballot passes the device check and meets the cast-or-uncast rule.
            PreEncryptor printer = new(context, "device-1", "test printer", ShortCodeFormat.Parse("hex4"));
            PreEncryptionRecorder recorder = new(context);
            using GeneratedBallot spoiled = printer.Generate(1);
            using GeneratedBallot other = printer.Generate(1);
            UncastBallot opened = recorder.OpenUncast(spoiled.Ballot, spoiled.Nonce);
            uncastId = opened.Id.ToHex();
            byte[] bytes = PreEncryptionFormat.WriteUncast(opened, context.Parameters.Manifest);
            using (HttpResponseMessage created = await device.PostAsync("board/uncast", bytes, "ballot.uncast"))
            {
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            }

            // The same ballot marked and recorded as cast: refused, it is already uncast.
            Dictionary<int, IReadOnlyList<string>> marks = new() { [1] = [spoiled.Ballot.Contests[0].Selections[0].ShortCode] };
            using (HttpResponseMessage cast = await device.PostBallotAsync(recorder.RecordCast(spoiled.Ballot, spoiled.Nonce, marks, DateTimeOffset.UtcNow)))
            {
                refusals.Add((cast.StatusCode, await cast.Content.ReadAsStringAsync()));
            }

            // Another ballot's opening with two selections' nonces swapped: still canonical, no longer an opening.
            JsonNode tampered = JsonNode.Parse(PreEncryptionFormat.WriteUncast(recorder.OpenUncast(other.Ballot, other.Nonce), context.Parameters.Manifest))!;
            JsonArray selections = tampered["contests"]![0]!["selections"]!.AsArray();
            (selections[0]!["nonces"], selections[1]!["nonces"]) = (selections[1]!["nonces"]!.DeepClone(), selections[0]!["nonces"]!.DeepClone());
            using (HttpResponseMessage forged = await device.PostAsync("board/uncast", System.Text.Encoding.UTF8.GetBytes(tampered.ToJsonString()), "ballot.uncast"))
            {
                refusals.Add((forged.StatusCode, await forged.Content.ReadAsStringAsync()));
            }
        });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refusals[0].Status);
        Assert.Contains("cast or uncast, never both", refusals[0].Body, StringComparison.Ordinal);
        Assert.Contains(uncastId!, refusals[0].Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refusals[1].Status);
        Assert.Contains("Invalid opening", refusals[1].Body, StringComparison.Ordinal);

        await board.WaitForCheckpointAsync();
        using RecordFetcher fetcher = new(board.Address, LoopbackBoard.Fast);
        RecordFetchResult result = await fetcher.FetchAsync(new RecordFetchOptions { WaitForCheckpoint = TimeSpan.FromSeconds(5) });
        Assert.True(result.Ok, string.Join("\n", result.Failures));
        Assert.Equal(1, result.Files[RecordPart.Uncast]);
        string dir = Path.Combine(board.Dir, "fetched");
        await RecordFetcher.WriteAsync(result, dir);
        Assert.True(File.Exists(Path.Combine(dir, "uncast", uncastId + ".json")));
        VerificationReport report = NativeVerifier.Verify(dir, new VerificationOptions { AllowToyGroups = true });
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.True(report.Steps.Single(s => s.Number == "19").Checked > 0, "Verification 19 checked nothing");
    }
}

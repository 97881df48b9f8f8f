using System.Net;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Client.Board;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// The board's rules for a multi-jurisdiction audit (docs/audit.md, "Multi-jurisdiction audits"): an upload by another key
/// than the one the inputs name, of a jurisdiction the audit does not have, with the wrong files, or after the seed is
/// refused; a seed commitment while a jurisdiction has not uploaded is refused naming it; the board rebuilds the rules
/// from its log after a restart.
/// </summary>
public sealed class AuditUploadRefusalTests
{
    private const string Results = "Contest,Choice,Votes,Ballots\nMayor,Alice,6,8\nMayor,Bob,2,8\n";

    private static byte[] Upload(string jurisdiction, string manifest = "Batch,Ballots\nB1,4\n") =>
        AuditTrailArtifacts.Write(new AuditUploadArtifact("two", jurisdiction, [new AuditInputFile("manifest.csv", manifest)]));

    private static byte[] Commit(string party) =>
        SeedArtifacts.Write(new SeedCommitArtifact("two", party, ["blue.example", "red.example"], false, SeedProtocol.Commitment("two", party, new byte[32])));

    [Fact]
    public async Task Uploads_by_the_wrong_key_of_unknown_jurisdictions_or_after_the_seed_and_a_seed_before_every_upload_are_refused_before_and_after_a_restart()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        AuditInputsArtifact inputs = new("two", "bravo", 0.1, "entente", null, [new AuditInputFile("results.csv", Results)])
        {
            Jurisdictions = [new AuditJurisdiction("Kent", "blue.example"), new AuditJurisdiction("Mesa", "red.example")],
        };
        await using (WebApplication first = await board.StartLogAsync())
        {
            Uri address = new(TestBoard.Address(first));
            using BoardClient blue = new(address, board.Blue), red = new(address, board.Red);
            using (HttpResponseMessage charter = await blue.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json")), "charter", cosigners: [board.Red]))
            {
                Assert.Equal(HttpStatusCode.Created, charter.StatusCode);
            }

            var refused = await AuditOnBoard.RefusedAsync(blue, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Kent"));
            Assert.Equal(409, refused.Status);
            Assert.Contains("The inputs of audit two are not on the board", refused.Detail, StringComparison.Ordinal);

            AuditInputsArtifact stranger = inputs with { AuditId = "stranger", Jurisdictions = [new AuditJurisdiction("Kent", "device-1")] };
            refused = await AuditOnBoard.RefusedAsync(blue, "audit-inputs", AuditTrailArtifacts.InputsType, AuditTrailArtifacts.Write(stranger));
            Assert.Equal(422, refused.Status);
            Assert.Contains("\"device-1\" (for Kent) is not an auditor of the charter", refused.Detail, StringComparison.Ordinal);

            await AuditOnBoard.PostAsync(blue, "audit-inputs", AuditTrailArtifacts.InputsType, AuditTrailArtifacts.Write(inputs));
            refused = await AuditOnBoard.RefusedAsync(red, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Kent"));
            Assert.Equal((403, "Wrong party"), (refused.Status, refused.Title));
            Assert.Contains("the files of Kent are uploaded by \"blue.example\", as the audit's inputs name, but the request is signed by \"red.example\"", refused.Detail, StringComparison.Ordinal);
            refused = await AuditOnBoard.RefusedAsync(blue, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Lake"));
            Assert.Equal(422, refused.Status);
            Assert.Contains("\"Lake\" is not a jurisdiction of audit two", refused.Detail, StringComparison.Ordinal);
            refused = await AuditOnBoard.RefusedAsync(blue, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Kent", "Batch,Ballots\nB1,4\nB1,2\n"));
            Assert.Equal(422, refused.Status);
            Assert.Contains("Kent's manifest.csv", refused.Detail, StringComparison.Ordinal);
            await AuditOnBoard.PostAsync(blue, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Kent"));

            refused = await AuditOnBoard.RefusedAsync(blue, "audit-commits", SeedArtifacts.CommitType, Commit("blue.example"));
            Assert.Equal(409, refused.Status);
            Assert.Contains("audit two still waits for the files of Mesa", refused.Detail, StringComparison.Ordinal);
        }

        await using WebApplication again = await board.StartLogAsync();
        {
            Uri address = new(TestBoard.Address(again));
            using BoardClient blue = new(address, board.Blue), red = new(address, board.Red);
            var refused = await AuditOnBoard.RefusedAsync(red, "audit-commits", SeedArtifacts.CommitType, Commit("red.example"));
            Assert.Contains("audit two still waits for the files of Mesa", refused.Detail, StringComparison.Ordinal);
            refused = await AuditOnBoard.RefusedAsync(blue, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Mesa"));
            Assert.Equal(403, refused.Status);

            await AuditOnBoard.PostAsync(red, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Mesa", "Batch,Ballots\nB1,4\n"));
            await AuditOnBoard.PostAsync(blue, "audit-commits", SeedArtifacts.CommitType, Commit("blue.example"));
            refused = await AuditOnBoard.RefusedAsync(blue, "audit-uploads", AuditTrailArtifacts.UploadType, Upload("Kent", "Batch,Ballots\nB1,5\n"));
            Assert.Equal(422, refused.Status);
            Assert.Contains("already has seed commitments on the board", refused.Detail, StringComparison.Ordinal);

            // The union's rules apply: an audit board may be registered now, and the union is the verifier's.
            AuditTrailResult verified = AuditTrailVerifier.Verify("two", [.. (await ReadAsync(address)).Where(e => e.Type.StartsWith("audit.", StringComparison.Ordinal))]);
            Assert.True(verified.Ok, verified.Problem);
            Assert.Equal(["Kent / B1", "Mesa / B1"], verified.Progress!.Manifest.Batches.Select(b => b.Key));
        }
    }

    private static async Task<IReadOnlyList<AuditTrailEntry>> ReadAsync(Uri address)
    {
        using HttpClient http = new() { BaseAddress = address };
        List<AuditTrailEntry> entries = [];
        foreach ((string collection, string type) in new[] { ("audit-inputs", AuditTrailArtifacts.InputsType), ("audit-uploads", AuditTrailArtifacts.UploadType), ("audit-commits", SeedArtifacts.CommitType) })
        {
            foreach (BoardArtifact a in await http.ListAsync(collection))
            {
                entries.Add(new AuditTrailEntry(a.Index, type, (await http.ReadArtifactAsync($"board/{collection}/{Uri.EscapeDataString(a.Id)}", a.Sha256))!) { Party = a.Party });
            }
        }

        return entries;
    }
}

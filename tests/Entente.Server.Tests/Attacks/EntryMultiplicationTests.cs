using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// A captured entry cannot be multiplied: signature lines that are not charter members' valid signatures, or that repeat,
/// are refused, and an entry whose signed text is already logged is the same entry (issue #14, item 1).
/// </summary>
public sealed class EntryMultiplicationTests
{
    private static byte[] WithLines(byte[] entry, params string[] lines) =>
        [.. entry, .. Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")))];

    private static string LastLine(byte[] note) => Encoding.UTF8.GetString(note).TrimEnd('\n').Split('\n')[^1];

    [Fact]
    public async Task Junk_foreign_and_doubled_signature_lines_are_refused_and_a_valid_cosigned_variant_answers_the_original_index()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient raw = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        LogEntry entry = new("incident.report", Hash256.Compute([1, 2, 3]), "blue.example");
        byte[] captured = entry.Sign(board.Blue);
        JsonElement first = await (await raw.PostAsync("add", new ByteArrayContent(captured))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0, false), (first.GetProperty("index").GetInt64(), first.GetProperty("duplicate").GetBoolean()));

        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("x");
        byte[] payload = new byte[68];
        new Random(14).NextBytes(payload);
        string blueLine = LastLine(captured);
        string junk = "\u2014 x " + Convert.ToBase64String(payload);
        string stranger1 = LastLine(stranger.SignNote(entry.ToText()).ToBytes());
        string badRed = "\u2014 red.example " + Convert.ToBase64String([.. BitConverter.GetBytes(board.Red.KeyId).Reverse(), .. new byte[64]]);
        // The last base64 digit before "=" carries two unused bits: set one, the decoded bytes may not change.
        const string Base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        Assert.EndsWith("=", blueLine, StringComparison.Ordinal);
        string nonCanonical = blueLine[..^2] + Base64Digits[Base64Digits.IndexOf(blueLine[^2], StringComparison.Ordinal) ^ 1] + "=";
        byte[][] refused =
        [
            WithLines(captured, junk),
            WithLines(captured, stranger1),
            WithLines(captured, blueLine),
            WithLines(captured, badRed),
            WithLines(captured, junk, junk),
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(captured).Replace(blueLine, nonCanonical, StringComparison.Ordinal)),
        ];
        foreach (byte[] variant in refused)
        {
            HttpResponseMessage r = await raw.PostAsync("add", new ByteArrayContent(variant));
            string body = await r.Content.ReadAsStringAsync();
            if (r.StatusCode == HttpStatusCode.OK)
            {
                // A lenient base64 decoder may read the non-canonical line as blue's signature: then it is the same entry.
                JsonElement same = JsonDocument.Parse(body).RootElement;
                Assert.True(same.GetProperty("index").GetInt64() == 0 && same.GetProperty("duplicate").GetBoolean(), $"variant logged as a new entry: {body}");
                continue;
            }

            Assert.True(r.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"{(int)r.StatusCode} {body}");
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
            Assert.Contains("signature line", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        // Red is a charter member: its valid signature on the same text makes the same entry, not a new one.
        byte[] cosigned = WithLines(captured, LastLine(board.Red.SignNote(entry.ToText()).ToBytes()));
        JsonElement dup = await (await raw.PostAsync("add", new ByteArrayContent(cosigned))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0, true), (dup.GetProperty("index").GetInt64(), dup.GetProperty("duplicate").GetBoolean()));

        // 200 attempts at new bytes for one captured entry leave the log at one entry.
        for (int i = 0; i < 200; i++)
        {
            new Random(i).NextBytes(payload);
            using HttpResponseMessage r = await raw.PostAsync("add", new ByteArrayContent(WithLines(captured, "\u2014 x" + i + " " + Convert.ToBase64String(payload))));
            Assert.NotEqual(HttpStatusCode.OK, r.StatusCode);
        }

        Assert.Equal(1, SignedCheckpoint.Open(await raw.GetByteArrayAsync("checkpoint"), board.LogKey.Verifier).Checkpoint.Size);
        Assert.Equal([captured], Entente.Transparency.Tiles.EntryBundle.Decode(await raw.GetByteArrayAsync("tile/entries/000.p/1"), 1));
    }

    [Fact]
    public async Task A_board_whose_log_already_holds_duplicate_entries_indexes_each_artifact_once_and_names_the_duplicates()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        byte[] charter = await File.ReadAllBytesAsync(Path.Combine(board.Dir, "charter.json"));

        // What a server before the fix let anyone append: a variant of the joint charter entry and of a ballot entry (junk
        // signature lines), and a second ballot entry with the same ballot id, in a log written before identities.
        SignedNote charterNote = board.Blue.SignNote(new LogEntry("charter", Hash256.Compute(charter), "blue.example").ToText());
        byte[] charterEntry = charterNote.WithSignature(board.Red.Sign(charterNote.TextBytes)).ToBytes();
        string junk = "\u2014 x " + Convert.ToBase64String(new byte[68]);
        byte[] ballot = new LogEntry("ballot.cast", Hash256.Compute([7]), "device-1", "B-1", "C1").Sign(board.Device);
        byte[] sameId = new LogEntry("ballot.cast", Hash256.Compute([8]), "device-1", "B-1", "C2").Sign(board.Device);
        await board.WriteLegacyLogAsync([charterEntry, WithLines(charterEntry, junk), ballot, WithLines(ballot, junk), sameId]);
        Entente.Storage.Sqlite.Log.SqliteBlobStore blobs = new(Path.Combine(board.Dir, "log.db"));
        await blobs.CreateSchemaAsync();
        await blobs.PutAsync(charter);

        await using WebApplication log = await board.StartLogAsync();
        using HttpClient http = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        BoardStatus status = (await http.GetFromJsonAsync<BoardStatus>("board"))!;
        Assert.Equal(1, status.Counts["charter"]);
        Assert.Equal(1, status.Counts["ballots"]);
        Assert.Equal(1, (await http.GetFromJsonAsync<BoardPage>("board/ballots"))!.Total);
        Assert.Contains(status.Problems, p => p.Contains("entry 1 ", StringComparison.Ordinal) && p.Contains("entry 0", StringComparison.Ordinal));
        Assert.Contains(status.Problems, p => p.Contains("entry 3 ", StringComparison.Ordinal) && p.Contains("entry 2", StringComparison.Ordinal));
        Assert.Contains(status.Problems, p => p.Contains("entry 4 ", StringComparison.Ordinal) && p.Contains("B-1", StringComparison.Ordinal));
        Assert.Equal(3, status.Problems.Count);

        // The log itself is untouched, and a variant sent now is the entry already there.
        Assert.Equal(5, status.LogSize);
        using BoardClient blue = new(new Uri(TestBoard.Address(log)), board.Blue);
        Assert.Equal(HttpStatusCode.Conflict, (await blue.PostAsync("board/charter", charter, "charter", cosigners: [board.Red])).StatusCode);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;
using Entente.Server.Exchange;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// Entry types that a subsystem owns (board artifacts, exchange messages, audit steps) reach the log only through that
/// subsystem, and the exchange finds its board entries by content, not by counting types (issue #14, item 2).
/// </summary>
public sealed class OwnedEntryTypeTests
{
    private const string TaxiiMedia = "application/taxii+json;version=2.1";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Owned_entry_types_are_refused_on_add_with_403_naming_the_path_to_use(bool hostsBoard)
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: hostsBoard);
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient raw = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        (string Type, string Path)[] owned =
        [
            ("ballot.cast", "/board/ballots"), ("ballot.challenged", "/board/ballots"), ("charter", "/board/charter"), ("manifest", "/board/manifest"),
            ("election.key", "/board/election"), ("tally.decrypted", "/board/tally"), ("decryption.commit", "/board/decryptions/commit"),
            ("ballot.opened", "/board/challenged"), ("exchange.note", "/taxii2/"), ("exchange.entente-assistance-request", "/taxii2/"),
            ("audit.commit", "/board"), ("audit.reveal", "/board"),
        ];
        foreach ((string type, string path) in owned)
        {
            byte[] entry = new LogEntry(type, Hash256.Compute(Encoding.UTF8.GetBytes(type)), "blue.example", "B-1").Sign(board.Blue);
            HttpResponseMessage r = await raw.PostAsync("add", new ByteArrayContent(entry));
            string body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.Forbidden, $"{type}: {(int)r.StatusCode} {body}");
            JsonElement problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal("Owned entry type", problem.GetProperty("title").GetString());
            Assert.Contains(path, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // A type no subsystem owns is a raw entry as before.
        byte[] report = new LogEntry("incident.report", Hash256.Compute([1]), "blue.example").Sign(board.Blue);
        Assert.Equal(HttpStatusCode.OK, (await raw.PostAsync("add", new ByteArrayContent(report))).StatusCode);
        Assert.Equal(1, SignedCheckpoint.Open(await raw.GetByteArrayAsync("checkpoint"), board.LogKey.Verifier).Checkpoint.Size);
    }

    [Fact]
    public async Task After_a_restart_exchange_messages_find_their_board_entries_by_content_so_a_stray_exchange_entry_changes_nothing()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        board.Options.Exchange = new HostedExchangeOptions();
        await using (WebApplication first = await board.StartLogAsync())
        {
            await PostNoteAsync(first, board, "first");
            await first.StopAsync();
        }

        // A stray exchange.note entry, as POST /add used to accept from any submitter, lands after the first message.
        (ILogStore store, _, _) = StoreLocator.OpenLog(board.Options.Store, board.Options.Resolve);
        await using (store)
        {
            await using Sequencer seq = await Sequencer.StartAsync(store, board.LogKey, TestBoard.Origin);
            await seq.AddAsync(new LogEntry("exchange.note", Hash256.Compute([6, 6, 6]), "blue.example").Sign(board.Blue));
        }

        await using WebApplication again = await board.StartLogAsync();
        await PostNoteAsync(again, board, "second");
        await PostNoteAsync(again, board, "third");

        using HttpClient red = TestBoard.Signed(again, board.Red);
        long previous = -1;
        for (int i = 0; i < 3; i++)
        {
            HttpResponseMessage r = await red.GetAsync($"exchange/entries/{i}");
            string body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"exchange entry {i}: {(int)r.StatusCode} {body}");
            JsonElement proof = JsonDocument.Parse(body).RootElement;
            (LogEntry boardEntry, SignedNote note) = LogEntry.Parse(Convert.FromBase64String(proof.GetProperty("board_entry").GetString()!));
            Assert.Equal("exchange.note", boardEntry.Type);
            Assert.Equal(board.LogKey.Name, boardEntry.Party);
            Assert.True(NoteVerification.HasValidSignature(note, board.LogKey.Verifier));
            long boardIndex = proof.GetProperty("board_index").GetInt64();
            Assert.True(boardIndex > previous, $"exchange entry {i} at board index {boardIndex}, after {previous}");
            Assert.NotEqual(1, boardIndex);
            previous = boardIndex;
        }
    }

    private static async Task PostNoteAsync(WebApplication app, TestBoard board, string content)
    {
        byte[] seed = Convert.FromBase64String(board.Red.ExportSkey().Split('+', 5)[4])[1..];
        using PartyKey redKey = PartyKey.FromSeed(seed);
        string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
        StixObject note = StixObject.Parse(Encoding.UTF8.GetBytes($$"""
            {"type":"note","spec_version":"2.1","id":"note--{{Guid.NewGuid()}}","created":"{{now}}","modified":"{{now}}","content":"{{content}}","object_refs":["{{TestBoard.RedIdentity}}"],"created_by_ref":"{{TestBoard.RedIdentity}}"}
            """));
        SignedEnvelope envelope = SignedEnvelope.Create(redKey, TestBoard.RedIdentity, HostedExchange.DefaultCollectionId, null, DateTimeOffset.UtcNow, note);
        using HttpClient red = TestBoard.Signed(app, board.Red);
        using HttpRequestMessage post = new(HttpMethod.Post, $"taxii2/api/collections/{HostedExchange.DefaultCollectionId}/objects/")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"objects\":[" + Encoding.UTF8.GetString(envelope.ToCanonicalJson()) + "]}")),
        };
        post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiMedia);
        post.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiMedia));
        using HttpResponseMessage r = await red.SendAsync(post);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Accepted, body);
        Assert.Equal(1, JsonDocument.Parse(body).RootElement.GetProperty("success_count").GetInt32());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Contract;

/// <summary>The log and witness over real HTTP (Kestrel on loopback).</summary>
public sealed class LogHttpTests
{
    [Fact]
    public async Task Entries_signed_by_a_charter_submitter_are_logged_witnessed_and_provable()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        await using WebApplication witness = await board.StartWitnessAsync();
        board.Options.Witnesses = [new() { Key = board.WitnessKey.CosignerVerifierKey, Url = TestBoard.Address(witness) }];
        board.Options.Quorum = 1;
        board.Options.WitnessIntervalMs = 50;
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient http = TestBoard.Signed(log, board.Blue);

        byte[] ballot = Encoding.UTF8.GetBytes("an encrypted ballot");
        HttpResponseMessage blob = await http.PostAsync("blob", new ByteArrayContent(ballot));
        Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
        Assert.Equal(ballot, await http.GetByteArrayAsync($"blob/{Hash256.Compute(ballot).ToHex()}"));

        List<byte[]> entries = [];
        for (int i = 0; i < 5; i++)
        {
            byte[] entry = new LogEntry("incident.report", Hash256.Compute(Encoding.UTF8.GetBytes($"ballot {i}")), "blue.example", $"B-{i}", $"C{i}").Sign(board.Blue);
            entries.Add(entry);
            HttpResponseMessage added = await http.PostAsync("add", new ByteArrayContent(entry));
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            Assert.Equal(i, (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("index").GetInt64());
        }

        HttpResponseMessage again = await http.PostAsync("add", new ByteArrayContent(entries[2]));
        JsonElement dup = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, true), (dup.GetProperty("index").GetInt64(), dup.GetProperty("duplicate").GetBoolean()));

        // The published checkpoint becomes the cosigned one at size 5.
        SignedCheckpoint cp = null!;
        for (int attempt = 0; attempt < 100; attempt++)
        {
            HttpResponseMessage r = await http.GetAsync("checkpoint");
            Assert.Equal("public, max-age=1", r.Headers.CacheControl!.ToString());
            cp = SignedCheckpoint.Open(await r.Content.ReadAsByteArrayAsync(), board.LogKey.Verifier);
            if (cp.Checkpoint.Size == 5 && NoteVerification.HasValidSignature(cp.Note, board.WitnessKey.CosignatureVerifier))
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(5, cp.Checkpoint.Size);
        Assert.True(NoteVerification.HasValidSignature(cp.Note, board.WitnessKey.CosignatureVerifier));

        // Tiles and bundles reproduce the root; caching is immutable.
        HttpResponseMessage tile = await http.GetAsync("tile/0/000.p/5");
        Assert.Contains("immutable", tile.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        byte[] tileBytes = await tile.Content.ReadAsByteArrayAsync();
        List<byte[]> bundle = EntryBundle.Decode(await http.GetByteArrayAsync("tile/entries/000.p/5"), 5);
        Assert.Equal(entries, bundle);
        List<Hash256> leaves = Enumerable.Range(0, 5).Select(i => Hash256.FromBytes(tileBytes.AsSpan(i * 32, 32))).ToList();
        Assert.Equal(cp.Checkpoint.Root, MerkleMath.RootFromLeafHashes(leaves));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("tile/0/000.p/6")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("tile/0/000")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("tile/0/0000")).StatusCode);

        // A receipt verifies offline under a per-party policy.
        string receiptText = await http.GetStringAsync("receipt/3");
        TlogProof receipt = TlogProof.Parse(receiptText);
        Entente.Transparency.Policy.TrustPolicy policy = Entente.Transparency.Policy.TrustPolicy.Parse(
            $"log {board.LogKey.VerifierKey}\nwitness red {board.WitnessKey.VerifierKey}\ngroup parties all red\nquorum parties\n");
        Assert.True(receipt.Verify(entries[3], policy));
        Assert.False(receipt.Verify(entries[2], policy));
    }

    [Fact]
    public async Task Get_blobs_serves_the_blobs_held_in_the_order_asked_leaves_out_the_rest_and_refuses_a_bad_list()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient http = TestBoard.Signed(log, board.Blue);
        byte[][] blobs = [.. Enumerable.Range(0, 3).Select(i => Encoding.UTF8.GetBytes($"artifact {i} ".PadRight(100 * (i + 1), '.')))];
        foreach (byte[] blob in blobs)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("blob", new ByteArrayContent(blob))).StatusCode);
        }

        Hash256 absent = Hash256.Compute(Encoding.UTF8.GetBytes("never stored"));
        string asked = string.Join(',', new[] { Hash256.Compute(blobs[2]), absent, Hash256.Compute(blobs[0]), Hash256.Compute(blobs[1]) }.Select(h => h.ToHex()));
        byte[] answer = await http.GetByteArrayAsync("blobs?sha256=" + asked);
        List<(byte[] Sha256, byte[] Bytes)> served = [];
        for (int offset = 0; offset < answer.Length;)
        {
            int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(offset + 32, 4));
            served.Add((answer[offset..(offset + 32)], answer[(offset + 36)..(offset + 36 + length)]));
            offset += 36 + length;
        }

        Assert.Equal([blobs[2], blobs[0], blobs[1]], served.Select(s => s.Bytes));
        Assert.All(served, s => Assert.Equal(Hash256.Compute(s.Bytes).ToArray(), s.Sha256));

        foreach (string bad in new[] { "", "abc", string.Join(',', Enumerable.Repeat(absent.ToHex(), 65)) })
        {
            using HttpResponseMessage refused = await http.GetAsync("blobs?sha256=" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Bad_entries_are_refused_with_problem_details_and_nothing_is_logged()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient http = TestBoard.Signed(log, board.Blue);
        using HttpClient asRed = TestBoard.Signed(log, board.Red);
        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("green.example");
        using HttpClient asStranger = TestBoard.Signed(log, stranger);
        using HttpClient unsigned = new() { BaseAddress = new Uri(TestBoard.Address(log)) };
        Hash256 h = Hash256.Compute([1]);

        async Task Refused(byte[] body, HttpStatusCode status, string title, HttpClient? client = null)
        {
            HttpResponseMessage r = await (client ?? http).PostAsync("add", new ByteArrayContent(body));
            Assert.Equal(status, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
            Assert.Equal(title, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        // Observer party (not a submitter), unknown key, an entry of another party, wrong entry key,
        // tampered, malformed, control characters, oversized.
        // Unsigned requests are authenticated by the entry's own signature alone.
        await Refused(new LogEntry("incident.report", h, "red.example").Sign(board.Red), HttpStatusCode.Forbidden, "Not a submitter", unsigned);
        await Refused(new LogEntry("incident.report", h, "green.example").Sign(stranger), HttpStatusCode.Forbidden, "Unknown party", unsigned);
        using Ed25519NoteSigner impostor = Ed25519NoteSigner.Generate("blue.example");
        await Refused(new LogEntry("incident.report", h, "blue.example").Sign(impostor), HttpStatusCode.Forbidden, "Bad signature", unsigned);
        await Refused(new byte[5000], HttpStatusCode.RequestEntityTooLarge, "Request too large", unsigned);
        await Refused(new LogEntry("incident.report", h, "red.example").Sign(board.Red), HttpStatusCode.Forbidden, "Not a submitter", asRed);
        await Refused(new LogEntry("incident.report", h, "green.example").Sign(stranger), HttpStatusCode.Unauthorized, "Unknown key", asStranger);
        await Refused(new LogEntry("incident.report", h, "red.example").Sign(board.Red), HttpStatusCode.Forbidden, "Wrong party");
        using Ed25519NoteSigner fakeBlue = Ed25519NoteSigner.Generate("blue.example");
        await Refused(new LogEntry("incident.report", h, "blue.example").Sign(fakeBlue), HttpStatusCode.Forbidden, "Bad signature");
        byte[] good = new LogEntry("incident.report", h, "blue.example", "B-1").Sign(board.Blue);
        byte[] tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(good).Replace("B-1", "B-2", StringComparison.Ordinal));
        await Refused(tampered, HttpStatusCode.Forbidden, "Bad signature");
        await Refused(Encoding.UTF8.GetBytes("hello\n\n— x AAAAAAAA\n"), HttpStatusCode.BadRequest, "Malformed entry");
        await Refused(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(good).Replace("B-1", "B\u00071", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "Malformed entry");
        await Refused([0xC3, 0x28, 0x0A, 0x0A], HttpStatusCode.BadRequest, "Malformed entry");
        await Refused(new byte[5000], HttpStatusCode.RequestEntityTooLarge, "Request too large");

        SignedCheckpoint cp = SignedCheckpoint.Open(await http.GetByteArrayAsync("checkpoint"), board.LogKey.Verifier);
        Assert.Equal(0, cp.Checkpoint.Size);
        Assert.Equal(HttpStatusCode.OK, (await unsigned.PostAsync("add", new ByteArrayContent(good))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("add", new ByteArrayContent(good))).StatusCode);
        Assert.Equal(1, SignedCheckpoint.Open(await http.GetByteArrayAsync("checkpoint"), board.LogKey.Verifier).Checkpoint.Size);
    }

    [Fact]
    public async Task The_log_learns_a_witness_size_from_409_and_gets_cosigned_with_a_consistency_proof()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        byte[] cp2;
        await using (WebApplication first = await board.StartLogAsync())
        {
            using HttpClient h = TestBoard.Signed(first, board.Blue);
            for (int i = 0; i < 2; i++)
            {
                byte[] e = new LogEntry("incident.report", Hash256.Compute([(byte)i]), "blue.example").Sign(board.Blue);
                Assert.Equal(HttpStatusCode.OK, (await h.PostAsync("add", new ByteArrayContent(e))).StatusCode);
            }

            cp2 = await h.GetByteArrayAsync("checkpoint");
            await first.StopAsync();
        }

        // The witness already holds size 2; the new log process starts knowing nothing about it (old 0 → 409 "2").
        await using WebApplication witness = await board.StartWitnessAsync();
        using (HttpClient w = new() { BaseAddress = new Uri(TestBoard.Address(witness)) })
        {
            Assert.Equal(HttpStatusCode.OK, (await w.PostAsync("add-checkpoint", new ByteArrayContent([.. "old 0\n\n"u8.ToArray(), .. cp2]))).StatusCode);
        }

        board.Options.Witnesses = [new() { Key = board.WitnessKey.CosignerVerifierKey, Url = TestBoard.Address(witness) }];
        board.Options.Quorum = 1;
        board.Options.WitnessIntervalMs = 50;
        await using WebApplication log = await board.StartLogAsync();
        using HttpClient http = TestBoard.Signed(log, board.Blue);
        byte[] third = new LogEntry("incident.report", Hash256.Compute([9]), "blue.example").Sign(board.Blue);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("add", new ByteArrayContent(third))).StatusCode);
        SignedCheckpoint cp = null!;
        for (int attempt = 0; attempt < 100; attempt++)
        {
            cp = SignedCheckpoint.Open(await http.GetByteArrayAsync("checkpoint"), board.LogKey.Verifier);
            if (cp.Checkpoint.Size == 3 && NoteVerification.HasValidSignature(cp.Note, board.WitnessKey.CosignatureVerifier))
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(3, cp.Checkpoint.Size);
        Assert.True(NoteVerification.HasValidSignature(cp.Note, board.WitnessKey.CosignatureVerifier));
    }

    [Fact]
    public async Task The_witness_endpoint_answers_with_the_spec_statuses_over_http()
    {
        await using TestBoard board = await TestBoard.CreateAsync();
        await using WebApplication witness = await board.StartWitnessAsync();
        using HttpClient http = new() { BaseAddress = new Uri(TestBoard.Address(witness)) };
        string cp0 = board.LogKey.SignNote(new Checkpoint(TestBoard.Origin, 0, Rfc6962.EmptyRoot).ToText()).ToString();
        HttpResponseMessage ok = await http.PostAsync("add-checkpoint", new StringContent("old 0\n\n" + cp0));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.StartsWith("\u2014 witness.red.example ", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        HttpResponseMessage conflict = await http.PostAsync("add-checkpoint", new StringContent("old 3\n\n" + cp0));
        Assert.Equal(HttpStatusCode.BadRequest, conflict.StatusCode);
        string other = board.Blue.SignNote(new Checkpoint("other.log", 0, Rfc6962.EmptyRoot).ToText()).ToString();
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("add-checkpoint", new StringContent("old 0\n\n" + other))).StatusCode);
    }
}

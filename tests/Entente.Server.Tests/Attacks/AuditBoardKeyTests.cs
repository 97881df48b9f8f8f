using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;

namespace Entente.Server.Tests.Attacks;

/// <summary>
/// An audit board's key posts only what its registration allows (docs/audit.md, "The audit-board screen"): a key nobody
/// registered is refused, a sign-off naming other members is refused, a revoked key is refused naming the revocation's log
/// index (also after a restart), and the verifier refuses an entry of a revoked key logged after the revocation.
/// </summary>
public sealed class AuditBoardKeyTests
{
    [Fact]
    public async Task Forged_keys_wrong_members_and_revoked_keys_are_refused_and_the_verifier_refuses_entries_after_a_revocation()
    {
        await using TestBoard board = await TestBoard.CreateAsync(board: true);
        byte[] seed = RandomNumberGenerator.GetBytes(32), forgedSeed = RandomNumberGenerator.GetBytes(32);
        using Ed25519NoteSigner key = Signer(seed), forged = Signer(forgedSeed);
        string id;
        AuditRound round;
        List<AuditDraw> ballots;
        long revokedAt;
        await using (WebApplication first = await board.StartLogAsync())
        {
            string url = TestBoard.Address(first);
            using AuditOnBoard a = await AuditOnBoard.StartAsync(board, new Uri(url), alpha: 0.001);
            id = a.Id;
            round = await a.DrawAsync(6);
            ballots = [.. round.Draws.DistinctBy(d => d.BallotKey)];
            AuditBoardArtifact registration = new(id, "Board 1", ["Ada Blue", "Rui Red"], key.PublicKey);
            Assert.Equal(key.Name, registration.Party);
            long registeredAt = await AuditOnBoard.PostAsync(a.Blue, "audit-boards", AuditTrailArtifacts.BoardType, AuditTrailArtifacts.Write(registration));
            Assert.True(registeredAt > 0);
            var again = await AuditOnBoard.RefusedAsync(a.Red, "audit-boards", AuditTrailArtifacts.BoardType, AuditTrailArtifacts.Write(registration with { Board = "Board 2" }));
            Assert.Equal((409, "Registration refused"), (again.Status, again.Title));
            Assert.Contains("this key is already audit board \"Board 1\"'s", again.Detail, StringComparison.Ordinal);

            AuditReadingArtifact reading = a.Read(round, ballots[0]);
            (int status, string title, string detail, _) = await PostAsync(url, forged, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading));
            Assert.Equal((403, "Unknown audit board key"), (status, title));
            Assert.Contains(forged.Name, detail, StringComparison.Ordinal);

            // A forged entry: the registered key's party name, signed by another key.
            using Ed25519NoteSigner impostor = Ed25519NoteSigner.FromSeed(key.Name, forgedSeed);
            (status, title, _, _) = await PostAsync(url, impostor, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading));
            Assert.Equal((403, "Bad entry signature"), (status, title));

            (status, title, detail, _) = await PostAsync(url, key, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading with { Board = "Board 7" }));
            Assert.Equal((403, "Not this audit board's entry"), (status, title));
            Assert.Contains("the key is audit board \"Board 1\"'s, but the entry is of \"Board 7\"", detail, StringComparison.Ordinal);

            foreach (AuditDraw d in ballots)
            {
                AuditReadingArtifact r = d == ballots[0] ? reading : a.Read(round, d);
                (status, _, detail, long index) = await PostAsync(url, key, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(r));
                Assert.True(status == 201, detail);
                Assert.True(index > registeredAt);
            }

            (status, title, _, _) = await PostAsync(url, key, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading));
            Assert.Equal((409, "Already on the board"), (status, title)); // a retry

            // A correction before sign-off names the version it replaces; the verifier and the risk use the latest.
            AuditReadingArtifact second = a.Read(round, ballots[1]);
            AuditReadingArtifact correction = second with { Contests = [new("Mayor", true, ["Bob"]), second.Contests[1]], Corrects = 2 };
            (status, title, detail, _) = await PostAsync(url, key, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(correction));
            Assert.Equal((409, "Reading refused"), (status, title));
            Assert.Contains("the correction names version 2, but the latest reading on the board is version 1", detail, StringComparison.Ordinal);
            (status, _, detail, _) = await PostAsync(url, key, "audit-readings", AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(correction with { Corrects = 1 }));
            Assert.True(status == 201, detail);

            AuditSignOffArtifact strangers = new(id, 1, "Board 1", ["Ada Blue", "Eve Grey"]);
            (status, title, detail, _) = await PostAsync(url, key, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(strangers));
            Assert.Equal((403, "Not this audit board's entry"), (status, title));
            Assert.Contains("registered members are Ada Blue and Rui Red", detail, StringComparison.Ordinal);

            AuditBoardRevokedArtifact revocation = new(id, "Board 1");
            revokedAt = await AuditOnBoard.PostAsync(a.Red, "audit-boards", AuditTrailArtifacts.BoardRevokedType, AuditTrailArtifacts.Write(revocation));
            AuditSignOffArtifact signOff = new(id, 1, "Board 1", ["Ada Blue", "Rui Red"]);
            (status, title, detail, _) = await PostAsync(url, key, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff));
            Assert.Equal((403, "Audit board key revoked"), (status, title));
            Assert.Contains($"revoked at log entry {revokedAt}", detail, StringComparison.Ordinal);
        }

        await using (WebApplication second = await board.StartLogAsync())
        {
            string url = TestBoard.Address(second);
            AuditSignOffArtifact signOff = new(id, 1, "Board 1", ["Ada Blue", "Rui Red"]);
            (int status, string title, string detail, _) = await PostAsync(url, key, "audit-signoffs", AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff));
            Assert.Equal((403, "Audit board key revoked"), (status, title));
            Assert.Contains($"revoked at log entry {revokedAt}", detail, StringComparison.Ordinal);

            // The verifier, over every entry of the audit on the board: the key's readings before the revocation stand; its
            // sign-off logged after it (as a board that did not enforce the revocation would have) is refused.
            List<AuditTrailEntry> entries = await EntriesAsync(url, id);
            Assert.Contains(entries, e => e.Type == AuditTrailArtifacts.BoardRevokedType && e.Index == revokedAt);
            AuditTrailResult ok = AuditTrailVerifier.Verify(id, entries);
            Assert.True(ok.Ok, ok.Problem);
            Assert.Equal(ballots.Count, ok.Progress!.Rounds[0].Readings.Count);
            AuditReadingArtifact latest = ok.Progress.Rounds[0].Readings[ballots[1].BallotKey];
            Assert.Equal((2, "Bob"), (latest.Version, latest.Contests[0].Choices[0]));
            long last = entries.Max(e => e.Index);
            AuditTrailEntry late = new(last + 1, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOff)) { Party = key.Name };
            AuditTrailResult refused = AuditTrailVerifier.Verify(id, [.. entries, late]);
            Assert.Equal("sign-off of round 1", refused.FailedStep);
            Assert.Contains($"was revoked at log entry {revokedAt}", refused.Problem, StringComparison.Ordinal);
        }
    }

    /// <summary>Every entry of audit <paramref name="auditId"/> on the board at <paramref name="url"/>, with its party.</summary>
    internal static async Task<List<AuditTrailEntry>> EntriesAsync(string url, string auditId)
    {
        using HttpClient http = new();
        List<AuditTrailEntry> entries = [];
        foreach (string collection in new[] { "audit-inputs", "audit-commits", "audit-reveals", "audit-rounds", "audit-boards", "audit-readings", "audit-signoffs" })
        {
            JsonElement page = JsonDocument.Parse(await http.GetStringAsync($"{url}board/{collection}?limit=1000")).RootElement;
            foreach (JsonElement item in page.GetProperty("items").EnumerateArray())
            {
                string itemId = item.GetProperty("id").GetString()!;
                if (itemId == auditId || itemId.StartsWith(auditId + ":", StringComparison.Ordinal))
                {
                    byte[] body = await http.GetByteArrayAsync($"{url}board/{collection}/{Uri.EscapeDataString(itemId)}");
                    entries.Add(new AuditTrailEntry(item.GetProperty("index").GetInt64(), item.GetProperty("type").GetString()!, body) { Party = item.GetProperty("party").GetString() });
                }
            }
        }

        return entries;
    }

    private static Ed25519NoteSigner Signer(byte[] seed)
    {
        using Ed25519NoteSigner probe = Ed25519NoteSigner.FromSeed("auditboard", seed);
        return Ed25519NoteSigner.FromSeed(AuditBoardKeys.PartyOf(probe.PublicKey), seed);
    }

    private static async Task<(int Status, string Title, string Detail, long Index)> PostAsync(string url, Ed25519NoteSigner key, string collection, string type, byte[] body)
    {
        using HttpClient http = new();
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using HttpRequestMessage request = new(HttpMethod.Post, url + "board/" + collection) { Content = content };
        request.Headers.Add("Entente-Entry", Convert.ToBase64String(new LogEntry(type, Hash256.Compute(body), key.Name, time: DateTimeOffset.UtcNow).Sign(key)));
        using HttpResponseMessage response = await http.SendAsync(request);
        JsonElement json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return response.StatusCode == HttpStatusCode.Created
            ? (201, "", "", json.GetProperty("index").GetInt64())
            : ((int)response.StatusCode, json.GetProperty("title").GetString()!, json.GetProperty("detail").GetString()!, -1);
    }
}

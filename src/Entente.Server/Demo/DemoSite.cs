using System.Globalization;
using System.Net;
using System.Text;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Server.Demo;

/// <summary>
/// Serves a finished demo: the board's log read paths (the Entente.Server log host over the demo's
/// SQLite store) and server-rendered pages: the dashboard (<c>/</c>), the results (<c>/results</c>),
/// the log browser (<c>/log</c>) and the ballot check (<c>/check</c>, whose script verifies the
/// inclusion proof and the cosigned checkpoint in the browser). Pages need no JavaScript except the
/// ballot check's verification.
/// </summary>
public static class DemoSite
{
    /// <summary>Builds (does not start) the site for <paramref name="result"/> on <paramref name="urls"/>.</summary>
    public static async Task<WebApplication> BuildAsync(DemoResult result, string urls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        LogServerOptions options = new()
        {
            Origin = JointElectionDemo.Origin,
            Store = "sqlite:" + result.LogDatabase,
            Key = Path.Combine(result.Directory, "log.key"),
            Charter = Path.Combine(result.Directory, "charter.json"),
            BaseDirectory = result.Directory,
        };
        WebApplication app = await ServerApp.BuildLogAsync(options, urls, cancellationToken);
        string policy = await File.ReadAllTextAsync(Path.Combine(result.Directory, "witness-policy.txt"), cancellationToken);
        app.MapGet("/", async (LogService log, CancellationToken ct) => Html("Dashboard", await DashboardAsync(result, log, ct)));
        app.MapGet("/results", () => Html("Results", Results(result)));
        app.MapGet("/log", async (LogService log, long? start, string? type, string? party, CancellationToken ct) => Html("Log", await LogPageAsync(log, start ?? 0, type, party, ct)));
        app.MapGet("/check", (string? code) => Html("Check your ballot", CheckPage(code, policy)));
        app.MapGet("/ballot-check.js", () => TypedResults.Stream(typeof(DemoSite).Assembly.GetManifestResourceStream("wwwroot/ballot-check.js")!, "text/javascript; charset=utf-8"));
        app.MapGet("/api/ballot-check/{code}", async (string code, LogService log, CancellationToken ct) => await BallotCheckAsync(code, log, ct));
        return app;
    }

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Html(string title, string body) => TypedResults.Content(
        $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}} · Entente</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b}
        nav a{margin-right:1rem} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
        .ok{color:#0a6b2d;font-weight:bold} .bad{color:#b00020;font-weight:bold} code{word-break:break-all}</style></head>
        <body><nav><a href="/">Dashboard</a><a href="/results">Results</a><a href="/check">Check your ballot</a><a href="/log">Log</a></nav>
        <h1>{{E(title)}}</h1>
        {{body}}
        </body></html>
        """, "text/html; charset=utf-8");

    private static async Task<List<(long Index, LogEntry Entry)>> EntriesAsync(LogService log, long start, long size, CancellationToken ct)
    {
        List<(long, LogEntry)> entries = [];
        for (long i = start; i < size; i += 256)
        {
            IReadOnlyList<byte[]> batch = await log.Store.ReadEntriesAsync(i, (int)Math.Min(256, size - i), ct);
            for (int j = 0; j < batch.Count; j++)
            {
                entries.Add((i + j, LogEntry.Parse(batch[j]).Entry));
            }
        }

        return entries;
    }

    private static async Task<string> DashboardAsync(DemoResult result, LogService log, CancellationToken ct)
    {
        StoredCheckpoint? cosigned = await log.Store.ReadCosignedAsync(ct);
        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"<p>Election status: <span class=\"{(result.Verified ? "ok\">tallied and verified" : "bad\">verification FAILED")}</span>. Group {E(result.GroupName)}; guardians ");
        sb.Append(E(string.Join(", ", result.Guardians.Select(g => $"{g.Index} ({g.Party})")))).Append(CultureInfo.InvariantCulture, $"; quorum {result.Quorum}.</p>");
        List<(long Index, LogEntry Entry)> entries = await EntriesAsync(log, 0, log.Sequencer.Head.Size, ct);
        sb.Append("<h2>Log entries by stage</h2><table><tr><th>Type</th><th>Entries</th></tr>");
        foreach (IGrouping<string, (long Index, LogEntry Entry)> g in entries.GroupBy(e => e.Entry.Type))
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/log?type={E(g.Key)}\">{E(g.Key)}</a></td><td>{g.Count()}</td></tr>");
        }

        sb.Append("</table>");
        if (cosigned is not null)
        {
            SignedNote note = SignedNote.Parse(cosigned.Note);
            sb.Append(CultureInfo.InvariantCulture, $"<h2>Latest cosigned checkpoint</h2><p>Size {cosigned.Size}, root <code>{E(cosigned.Root.ToHex())}</code></p><pre>{E(note.Text)}</pre><table><tr><th>Signer</th><th>Party</th><th>Cosigned at (UTC)</th></tr>");
            foreach (NoteSignature s in note.Signatures)
            {
                string party = s.Name switch { "witness.blue" => JointElectionDemo.Blue, "witness.red" => JointElectionDemo.Red, _ => "board operator (log key)" };
                string when = s.Signature.Length == 72
                    ? DateTimeOffset.FromUnixTimeSeconds((long)CosignatureV1Verifier.Timestamp(s.Signature)).ToString("u", CultureInfo.InvariantCulture)
                    : "—";
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(s.Name)}</td><td>{E(party)}</td><td>{E(when)}</td></tr>");
            }

            sb.Append("</table>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<p>The record is in <code>{E(result.RecordDirectory)}</code>.</p>");
        return sb.ToString();
    }

    private static string Results(DemoResult result)
    {
        StringBuilder sb = new();
        foreach (DemoContestResult contest in result.Contests)
        {
            long max = Math.Max(1, contest.Options.Max(o => o.Votes));
            sb.Append(CultureInfo.InvariantCulture, $"<h2>Contest {contest.Index}: {E(contest.Label)}</h2><table class=\"tally\"><tr><th>Option</th><th>Votes</th></tr>");
            foreach (DemoOptionResult o in contest.Options)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(o.Label)}</td><td><a href=\"/log?type=tally.decrypted\" title=\"the decryption and its Chaum–Pedersen proof are in the logged tally\">{o.Votes}</a></td></tr>");
            }

            sb.Append("</table>");
            int height = (contest.Options.Count * 30) + 10;
            sb.Append(CultureInfo.InvariantCulture, $"<svg role=\"img\" aria-label=\"{E(contest.Label)} results\" width=\"520\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">");
            for (int i = 0; i < contest.Options.Count; i++)
            {
                DemoOptionResult o = contest.Options[i];
                int width = (int)(300 * o.Votes / max);
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{(i * 30) + 22}\" font-size=\"14\">{E(o.Label)}</text><rect x=\"150\" y=\"{(i * 30) + 8}\" width=\"{width}\" height=\"20\" fill=\"#3a6ea5\"/><text x=\"{155 + width}\" y=\"{(i * 30) + 22}\" font-size=\"14\">{o.Votes}</text>");
            }

            sb.Append("</svg>");
        }

        sb.Append("<h2>Verification report</h2>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>Record: {E(result.RecordVerifier)}: {(result.RecordFailures.Count == 0 ? "<span class=\"ok\">passed</span>" : $"<span class=\"bad\">{result.RecordFailures.Count} failures</span>")}.</p><ul>");
        foreach (string f in result.RecordFailures.Concat(result.LogFailures))
        {
            sb.Append("<li class=\"bad\">").Append(E(f)).Append("</li>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"</ul><p>Log: fsck, consistency of every cosigned checkpoint, the witness policy (Blue and Red) and the inclusion of every cast ballot: {(result.LogFailures.Count == 0 ? "<span class=\"ok\">passed</span>" : "<span class=\"bad\">failed</span>")}.</p>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{result.BallotsCast} ballots cast, {result.BallotsChallenged} challenged and opened.</p>");
        return sb.ToString();
    }

    private static async Task<string> LogPageAsync(LogService log, long start, string? type, string? party, CancellationToken ct)
    {
        long size = log.Sequencer.Head.Size;
        start = Math.Clamp(start, 0, size);
        List<(long Index, LogEntry Entry)> entries = await EntriesAsync(log, type is null && party is null ? start : 0, type is null && party is null ? Math.Min(size, start + 100) : size, ct);
        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"<form method=\"get\" action=\"/log\">Type <input name=\"type\" value=\"{E(type)}\"> Party <input name=\"party\" value=\"{E(party)}\"> <button>Filter</button></form><p>{size} entries.</p>");
        sb.Append("<table><tr><th>Index</th><th>Type</th><th>Party</th><th>Artifact SHA-256</th><th>Code</th></tr>");
        foreach ((long index, LogEntry e) in entries.Where(e => (type is null || e.Entry.Type == type) && (party is null || e.Entry.Party == party)).Take(500))
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{index}</td><td>{E(e.Type)}</td><td>{E(e.Party)}</td><td><a href=\"/blob/{E(e.Sha256.ToHex())}\"><code>{E(e.Sha256.ToHex()[..16])}…</code></a></td><td>{(e.ConfirmationCode is null ? "" : $"<a href=\"/check?code={E(e.ConfirmationCode)}\"><code>{E(e.ConfirmationCode[..16])}…</code></a>")}</td></tr>");
        }

        sb.Append("</table>");
        if (type is null && party is null && start + 100 < size)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p><a href=\"/log?start={start + 100}\">Next entries</a></p>");
        }

        return sb.ToString();
    }

    private static string CheckPage(string? code, string policy)
    {
        return $"""
            <p>Enter the confirmation code printed on your receipt. Your browser fetches the log entry, its inclusion proof and the cosigned checkpoint, and checks them itself (SHA-256 and Ed25519 in WebCrypto); it does not trust this server.</p>
            <form id="check" method="get" action="/check"><input id="code" name="code" size="70" value="{E(code)}" aria-label="confirmation code"> <button>Check</button></form>
            <div id="outcome" role="status"><noscript>The ballot check needs JavaScript: your browser does the verification.</noscript></div>
            <details><summary>Keys this page trusts (the witness policy logged as entry 1)</summary><pre id="policy">{E(policy)}</pre></details>
            <script src="/ballot-check.js"></script>
            """;
    }

    private static async Task<IResult> BallotCheckAsync(string code, LogService log, CancellationToken ct)
    {
        StoredCheckpoint? cosigned = await log.Store.ReadCosignedAsync(ct);
        if (cosigned is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "No cosigned checkpoint", detail: "The witnesses have not cosigned a checkpoint yet.");
        }

        List<(long Index, LogEntry Entry)> entries = await EntriesAsync(log, 0, cosigned.Size, ct);
        (long Index, LogEntry Entry) hit = entries.FirstOrDefault(e => e.Entry.Type == "ballot.cast" && string.Equals(e.Entry.ConfirmationCode, code, StringComparison.OrdinalIgnoreCase));
        if (hit.Entry is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Unknown confirmation code", detail: $"No cast ballot with confirmation code {code} is in the checkpoint of size {cosigned.Size}.");
        }

        byte[] entry = (await log.Store.ReadEntriesAsync(hit.Index, 1, ct))[0];
        Hash256[] proof = await log.Reader.InclusionProofAsync(hit.Index, cosigned.Size, ct);
        return TypedResults.Json(new BallotCheckResponse(hit.Index, Convert.ToBase64String(entry), [.. proof.Select(p => p.ToHex())], Encoding.UTF8.GetString(cosigned.Note)), DemoJsonContext.Default.BallotCheckResponse);
    }
}

/// <summary>What the ballot check page fetches.</summary>
public sealed record BallotCheckResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("index")] long Index,
    [property: System.Text.Json.Serialization.JsonPropertyName("entry")] string Entry,
    [property: System.Text.Json.Serialization.JsonPropertyName("proof")] IReadOnlyList<string> Proof,
    [property: System.Text.Json.Serialization.JsonPropertyName("checkpoint")] string Checkpoint);

[System.Text.Json.Serialization.JsonSerializable(typeof(BallotCheckResponse))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DemoResult))]
internal sealed partial class DemoJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}

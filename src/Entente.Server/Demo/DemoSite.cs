using System.Globalization;
using System.Net;
using System.Text;
using Entente.Exchange.Envelopes;
using Entente.Server.Log;
using Entente.Storage.Sqlite.Exchange;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Entente.Server.Demo;

/// <summary>
/// Serves a finished demo: the board's log read paths (the Entente.Server log host over the demo's
/// SQLite store) and server-rendered pages, readable without JavaScript: the dashboard (<c>/</c>), the
/// results with a proof page per number (<c>/results</c>), the log browser (<c>/log</c>, <c>/log/{index}</c>),
/// the ballot check (<c>/check</c>, whose script verifies the inclusion proof and the cosigned checkpoint in
/// the browser) and the incident exchange (<c>/incidents</c>, per party and per request, each message
/// verified on the server and again in the browser). Styles and scripts are embedded; nothing external.
/// </summary>
public static partial class DemoSite
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
            Policy = Path.Combine(result.Directory, "witness-policy.txt"),
            BaseDirectory = result.Directory,
        };
        WebApplication app = await ServerApp.BuildLogAsync(options, urls, cancellationToken);
        Site site = await Site.LoadAsync(result, cancellationToken);
        app.MapGet("/", (LogService log, CancellationToken ct) => DashboardAsync(site, log, ct));
        app.MapGet("/results", (LogService log, CancellationToken ct) => ResultsAsync(site, log, ct));
        app.MapGet("/results/proof/{contest:int}/{option:int}", (int contest, int option, LogService log, CancellationToken ct) => ProofAsync(site, log, contest, option, ct));
        app.MapGet("/log", (LogService log, long? start, int? count, string? type, string? party, CancellationToken ct) => LogPageAsync(log, start ?? 0, count ?? 50, type, party, ct));
        app.MapGet("/log/{index:long}", (long index, LogService log, CancellationToken ct) => EntryPageAsync(site, log, index, ct));
        app.MapGet("/check", (string? code) => Page("Check your ballot", "/check", CheckPage(code, site.PolicyText), "/verify.js", "/ballot-check.js"));
        app.MapGet("/incidents", (LogService log, CancellationToken ct) => IncidentsAsync(site, log, ct));
        app.MapGet("/incidents/party/{name}", (string name, LogService log, CancellationToken ct) => PartyTimelineAsync(site, log, name, ct));
        app.MapGet("/incidents/request/{id}", (string id, LogService log, CancellationToken ct) => RequestTimelineAsync(site, log, id, ct));
        app.MapGet("/api/ballot-check/{code}", (string code, LogService log, CancellationToken ct) => BallotCheckAsync(code, log, ct));
        app.MapGet("/api/exchange/{index:long}", (long index, LogService log, CancellationToken ct) => ExchangeMessageAsync(site, log, index, ct));
        foreach ((string path, string type) in new[] { ("site.css", "text/css"), ("verify.js", "text/javascript"), ("ballot-check.js", "text/javascript"), ("incident-check.js", "text/javascript") })
        {
            app.MapGet("/" + path, () => TypedResults.Stream(typeof(DemoSite).Assembly.GetManifestResourceStream("wwwroot/" + path)!, type + "; charset=utf-8"));
        }

        return app;
    }

    /// <summary>What the pages read besides the log: the summary, the witness policy, the charter, the exchange.</summary>
    private sealed record Site(DemoResult Result, string PolicyText, TrustPolicy Policy, Charter Charter, SqliteExchangeStore? Exchange, PartyRegistry? Parties)
    {
        public static async Task<Site> LoadAsync(DemoResult result, CancellationToken ct)
        {
            string policy = await File.ReadAllTextAsync(Path.Combine(result.Directory, "witness-policy.txt"), ct);
            Charter charter = Charter.Parse(await File.ReadAllTextAsync(Path.Combine(result.Directory, "charter.json"), ct));
            string unit = Path.Combine(result.Directory, DemoExchange.UnitFile);
            string store = Path.Combine(result.Directory, DemoExchange.StoreFile);
            bool hasExchange = File.Exists(unit) && File.Exists(store);
            return new Site(result, policy, TrustPolicy.Parse(policy), charter,
                hasExchange ? await SqliteExchangeStore.OpenAsync(store, ct) : null,
                hasExchange ? DemoExchange.ReadParties(unit) : null);
        }

        /// <summary>The party that runs the witness named <paramref name="policyName"/> in the policy ("blue" → Blue).</summary>
        public string WitnessParty(string policyName) =>
            Charter.Parties.FirstOrDefault(p => string.Equals(p, policyName, StringComparison.OrdinalIgnoreCase)) ?? policyName;
    }

    private static readonly (string Path, string Label)[] Navigation =
        [("/", "Dashboard"), ("/results", "Results"), ("/check", "Check your ballot"), ("/log", "Log"), ("/incidents", "Incidents")];

    internal static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    internal static string U(string? s) => Uri.EscapeDataString(s ?? "");

    internal static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A whole page: skip link, header with navigation (the current page marked), main, footer.</summary>
    internal static ContentHttpResult Page(string title, string current, string body, params string[] scripts) => Page(title, current, body, 200, scripts);

    internal static ContentHttpResult Page(string title, string current, string body, int status, params string[] scripts)
    {
        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{E(title)} · Entente</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/site.css"></head>
            <body><a class="skip" href="#main">Skip to content</a>
            <header><p class="brand">Entente · joint election board</p><nav aria-label="Main"><ul>
            """);
        foreach ((string path, string label) in Navigation)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<li><a href=\"{path}\"{(path == current ? " aria-current=\"page\"" : "")}>{E(label)}</a></li>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"</ul></nav></header>\n<main id=\"main\"><h1>{E(title)}</h1>\n{body}\n</main>");
        sb.Append("<footer>Every page is rendered from the board's log, its artifacts and the election record; the log's checkpoints are cosigned by a witness of each party. <a href=\"/checkpoint\">Latest checkpoint</a>.</footer>");
        foreach (string script in scripts)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<script src=\"{script}\"></script>");
        }

        sb.Append("</body></html>");
        return TypedResults.Content(sb.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    internal static ContentHttpResult NotFoundPage(string current, string message) =>
        Page("Not found", current, $"<p class=\"banner bad\">{E(message)}</p>", 404);

    private static async Task<List<(long Index, LogEntry Entry)>> EntriesAsync(LogService log, long start, long end, CancellationToken ct)
    {
        List<(long, LogEntry)> entries = [];
        for (long i = start; i < end; i += 256)
        {
            IReadOnlyList<byte[]> batch = await log.Store.ReadEntriesAsync(i, (int)Math.Min(256, end - i), ct);
            for (int j = 0; j < batch.Count; j++)
            {
                entries.Add((i + j, LogEntry.Parse(batch[j]).Entry));
            }
        }

        return entries;
    }

    private static string CheckPage(string? code, string policy) => $"""
        <p class="lead">Enter the confirmation code printed on your receipt. Your browser fetches the ballot's log entry, its inclusion proof and the checkpoint the witnesses cosigned, and checks them itself with WebCrypto (SHA-256 and Ed25519) against the keys below. It does not trust this server.</p>
        <form id="check" method="get" action="/check"><label for="code">Confirmation code</label><br>
        <input id="code" name="code" autocomplete="off" spellcheck="false" value="{E(code)}" aria-describedby="code-help"> <button>Check</button>
        <br><small id="code-help">64 hexadecimal characters.</small></form>
        <div id="outcome" role="status" aria-live="polite"><noscript><p class="banner warn">The ballot check needs JavaScript: your browser does the verification itself.</p></noscript></div>
        <details><summary>Keys this page trusts (the witness policy, logged as entry 1)</summary><pre id="policy">{E(policy)}</pre></details>
        """;

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

    /// <summary>One signature line of a checkpoint as the dashboard shows it.</summary>
    private sealed record CheckpointSigner(string Name, string KeyId, string Role, string Party, DateTimeOffset? CosignedAt, bool Verified);

    /// <summary>Every signature of <paramref name="note"/>, identified and verified against the witness policy.</summary>
    private static List<CheckpointSigner> Signers(Site site, SignedNote note)
    {
        byte[] text = note.TextBytes;
        List<CheckpointSigner> signers = [];
        foreach (NoteSignature s in note.Signatures)
        {
            string keyId = s.KeyId.ToString("x8", CultureInfo.InvariantCulture);
            INoteVerifier? logKey = site.Policy.Logs.FirstOrDefault(l => l.Name == s.Name && l.KeyId == s.KeyId);
            if (logKey is not null)
            {
                signers.Add(new CheckpointSigner(s.Name, keyId, "log key", "board operator", null, logKey.Verify(text, s.Signature)));
                continue;
            }

            KeyValuePair<string, CosignatureV1Verifier> witness = site.Policy.Witnesses.FirstOrDefault(w => w.Value.Name == s.Name && w.Value.KeyId == s.KeyId);
            if (witness.Value is not null)
            {
                DateTimeOffset at = DateTimeOffset.FromUnixTimeSeconds((long)CosignatureV1Verifier.Timestamp(s.Signature));
                signers.Add(new CheckpointSigner(s.Name, keyId, $"witness \"{witness.Key}\"", site.WitnessParty(witness.Key), at, witness.Value.Verify(text, s.Signature)));
                continue;
            }

            signers.Add(new CheckpointSigner(s.Name, keyId, "unknown key", "—", null, false));
        }

        return signers;
    }
}

/// <summary>What the ballot check page fetches.</summary>
public sealed record BallotCheckResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("index")] long Index,
    [property: System.Text.Json.Serialization.JsonPropertyName("entry")] string Entry,
    [property: System.Text.Json.Serialization.JsonPropertyName("proof")] IReadOnlyList<string> Proof,
    [property: System.Text.Json.Serialization.JsonPropertyName("checkpoint")] string Checkpoint);

/// <summary>
/// What the incident pages' script fetches to recheck one exchange message in the browser: the canonical
/// envelope, the exchange leaf, the anchoring board entry, its index and inclusion proof, and the cosigned
/// board checkpoint (all base64 or hex, none trusted by the script).
/// </summary>
public sealed record ExchangeMessageResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("exchange_index")] long ExchangeIndex,
    [property: System.Text.Json.Serialization.JsonPropertyName("envelope")] string Envelope,
    [property: System.Text.Json.Serialization.JsonPropertyName("leaf")] string Leaf,
    [property: System.Text.Json.Serialization.JsonPropertyName("board_index")] long BoardIndex,
    [property: System.Text.Json.Serialization.JsonPropertyName("board_entry")] string BoardEntry,
    [property: System.Text.Json.Serialization.JsonPropertyName("proof")] IReadOnlyList<string> Proof,
    [property: System.Text.Json.Serialization.JsonPropertyName("checkpoint")] string Checkpoint);

[System.Text.Json.Serialization.JsonSerializable(typeof(BallotCheckResponse))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ExchangeMessageResponse))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DemoResult))]
internal sealed partial class DemoJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}

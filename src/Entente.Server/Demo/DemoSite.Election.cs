using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Exchange.Assistance;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Entente.Server.Demo;

/// <summary>The election pages: dashboard, results and proofs, log browser.</summary>
public static partial class DemoSite
{
    /// <summary>The stages of the election as the dashboard counts them: a label and the entry types it groups.</summary>
    private static readonly (string Stage, string Filter, Func<string, bool> Matches)[] Stages =
    [
        ("Charter, witness policy, manifest", "charter", t => t is "charter" or "witness.policy" or "manifest"),
        ("Key ceremony messages", "guardian.*", t => t.StartsWith("guardian.", StringComparison.Ordinal) || t.StartsWith("election.", StringComparison.Ordinal)),
        ("Ballots cast", "ballot.cast", t => t == "ballot.cast"),
        ("Ballots challenged", "ballot.challenged", t => t == "ballot.challenged"),
        ("Encrypted tally", "tally.encrypted", t => t == "tally.encrypted"),
        ("Decryptions (tally and challenged ballots)", "tally.decrypted", t => t is "tally.decrypted" or "ballot.opened"),
        ("Record", "record.index", t => t == "record.index"),
        ("Audit (seed commitments, reveals, plan)", "audit.*", t => t.StartsWith("audit.", StringComparison.Ordinal)),
        ("Incident exchange messages", "exchange.*", t => BoardAnchor.IsExchangeType(t) || t == "incident.unit"),
    ];

    private static async Task<ContentHttpResult> DashboardAsync(Site site, LogService log, CancellationToken ct)
    {
        DemoResult result = site.Result;
        StoredCheckpoint? cosigned = await log.Store.ReadCosignedAsync(ct);
        long size = log.Sequencer.Head.Size;
        List<(long Index, LogEntry Entry)> entries = await EntriesAsync(log, 0, size, ct);
        IReadOnlyList<AssistanceCase> cases = site.Exchange is null ? [] : await AssistanceTracker.GetCasesAsync(site.Exchange, TimeProvider.System, ct);
        StringBuilder sb = new();
        sb.Append(result.Verified
            ? "<p class=\"banner ok\" id=\"election-status\"><strong>Tallied and verified.</strong> The record, the log and every incident message passed their checks.</p>"
            : "<p class=\"banner bad\" id=\"election-status\"><strong>Verification FAILED.</strong> See the verification report on the results page.</p>");
        List<AssistanceCase> overdue = [.. cases.Where(c => c.Status == AssistanceStatus.Overdue)];
        if (overdue.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<section class=\"banner warn\" id=\"overdue\" aria-labelledby=\"overdue-title\"><h2 id=\"overdue-title\">{overdue.Count} overdue request{(overdue.Count == 1 ? "" : "s")} for assistance</h2><ul>");
            foreach (AssistanceCase c in overdue)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<li><a href=\"/incidents/request/{U(c.RequestId)}\">{E(c.Subject)}</a>: {E(PartyName(site, c.Requester))} asked {E(PartyName(site, c.Recipient))}; {E(OverdueText(c))}.</li>");
            }

            sb.Append("</ul></section>");
        }

        sb.Append("<div class=\"cards\">");
        Card(sb, "Ballots cast", I(result.BallotsCast));
        Card(sb, "Ballots challenged", I(result.BallotsChallenged));
        Card(sb, "Log entries", I(size));
        Card(sb, "Guardians / quorum", $"{result.Guardians.Count} / {result.Quorum}");
        Card(sb, "Requests for assistance", I(cases.Count));
        sb.Append("</div>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>Group <strong>{E(result.GroupName)}</strong>; guardians {E(string.Join(", ", result.Guardians.Select(g => $"{g.Index} ({g.Party}{(g.Decrypted ? ", decrypted" : "")})")))}: neither party holds a quorum alone.</p>");

        sb.Append("<h2>Entries by stage</h2><table id=\"stages\"><thead><tr><th scope=\"col\">Stage</th><th scope=\"col\">Entry types</th><th scope=\"col\" class=\"num\">Entries</th></tr></thead><tbody>");
        foreach ((string stage, string filter, Func<string, bool> matches) in Stages)
        {
            List<string> types = [.. entries.Select(e => e.Entry.Type).Where(matches).Distinct().Order(StringComparer.Ordinal)];
            int count = entries.Count(e => matches(e.Entry.Type));
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\"><a href=\"/log?type={U(filter)}\">{E(stage)}</a></th><td>{E(string.Join(", ", types.Select(t => t.StartsWith("exchange.", StringComparison.Ordinal) ? "exchange.*" : t).Distinct()))}</td><td class=\"num\">{count}</td></tr>");
        }

        sb.Append("</tbody></table>");
        if (cases.Count > 0)
        {
            sb.Append("<h2>Requests for assistance</h2><table id=\"requests\"><thead><tr><th scope=\"col\">Request</th><th scope=\"col\">From → to</th><th scope=\"col\">Status</th></tr></thead><tbody>");
            foreach (AssistanceCase c in cases)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/incidents/request/{U(c.RequestId)}\">{E(c.Subject)}</a></td><td>{E(PartyName(site, c.Requester))} → {E(PartyName(site, c.Recipient))}</td><td>{StatusBadge(c.Status)}</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        if (cosigned is not null)
        {
            SignedNote note = SignedNote.Parse(cosigned.Note);
            sb.Append(CultureInfo.InvariantCulture, $"<h2>Latest cosigned checkpoint</h2><p>The board's tree of <strong>{cosigned.Size}</strong> entries has root <code class=\"hash\" id=\"checkpoint-root\">{E(cosigned.Root.ToHex())}</code>. Every entry above is in it.</p>");
            sb.Append("<table id=\"cosigners\"><caption>Who signed it (each signature checked by this server against the witness policy)</caption><thead><tr><th scope=\"col\">Key</th><th scope=\"col\">Role</th><th scope=\"col\">Party</th><th scope=\"col\">Cosigned at (UTC)</th><th scope=\"col\">Signature</th></tr></thead><tbody>");
            foreach (CheckpointSigner s in Signers(site, note))
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td><code>{E(s.Name)}+{E(s.KeyId)}</code></td><td>{E(s.Role)}</td><td>{E(s.Party)}</td><td>{(s.CosignedAt is { } at ? $"<time datetime=\"{at:yyyy-MM-ddTHH:mm:ssZ}\">{at:yyyy-MM-dd HH:mm:ss}</time>" : "—")}</td><td>{(s.Verified ? "<span class=\"ok\">valid</span>" : "<span class=\"bad\">INVALID</span>")}</td></tr>");
            }

            sb.Append("</tbody></table>");
            sb.Append(CultureInfo.InvariantCulture, $"<details><summary>The checkpoint note</summary><pre>{E(note.ToString())}</pre></details>");
        }
        else
        {
            sb.Append("<p class=\"banner warn\">No checkpoint has been cosigned yet.</p>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<h2>Files</h2><p>The election record is in <code>{E(result.RecordDirectory)}</code>; the board log in <code>{E(result.LogDatabase)}</code>.</p>");
        return Page("Dashboard", "/", sb.ToString());
    }

    private static void Card(StringBuilder sb, string label, string value) =>
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><span class=\"label\">{E(label)}</span><span class=\"value\">{E(value)}</span></div>");

    private static async Task<ContentHttpResult> ResultsAsync(Site site, LogService log, CancellationToken ct)
    {
        DemoResult result = site.Result;
        (long tallyIndex, _) = await FindEntryAsync(log, "tally.decrypted", ct);
        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"lead\">Totals decrypted jointly by guardians {E(string.Join(", ", result.Guardians.Where(g => g.Decrypted).Select(g => $"{g.Index} ({g.Party})")))}. Each number links to its decryption proof in the record, committed by <a href=\"/log/{tallyIndex}\">log entry {tallyIndex}</a>.</p>");
        foreach (DemoContestResult contest in result.Contests)
        {
            long total = contest.Options.Sum(o => o.Votes);
            long max = Math.Max(1, contest.Options.Max(o => o.Votes));
            string id = "contest-" + I(contest.Index);
            sb.Append(CultureInfo.InvariantCulture, $"<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">Contest {contest.Index}: {E(contest.Label)}</h2>");
            sb.Append(CultureInfo.InvariantCulture, $"<table class=\"tally\" data-contest=\"{contest.Index}\"><thead><tr><th scope=\"col\">Option</th><th scope=\"col\" class=\"num\">Votes</th><th scope=\"col\" class=\"num\">Share</th></tr></thead><tbody>");
            for (int i = 0; i < contest.Options.Count; i++)
            {
                DemoOptionResult o = contest.Options[i];
                string share = total == 0 ? "—" : (100.0 * o.Votes / total).ToString("F1", CultureInfo.InvariantCulture) + "%";
                sb.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{E(o.Label)}</th><td class=\"num votes\"><a href=\"/results/proof/{contest.Index}/{i + 1}\" aria-label=\"{o.Votes} votes for {E(o.Label)}: see the decryption proof\">{o.Votes}</a></td><td class=\"num\">{share}</td></tr>");
            }

            sb.Append("</tbody></table>");
            const int barLeft = 170;
            const int barWidth = 360;
            int height = (contest.Options.Count * 34) + 8;
            sb.Append(CultureInfo.InvariantCulture, $"<figure><svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {barLeft + barWidth + 60} {height}\" width=\"100%\" style=\"max-width:{barLeft + barWidth + 60}px\" xmlns=\"http://www.w3.org/2000/svg\">");
            sb.Append(CultureInfo.InvariantCulture, $"<title id=\"{id}-t\">{E(contest.Label)}: votes per option</title><desc id=\"{id}-d\">{E(string.Join("; ", contest.Options.Select(o => $"{o.Label} {o.Votes}")))}</desc>");
            for (int i = 0; i < contest.Options.Count; i++)
            {
                DemoOptionResult o = contest.Options[i];
                int width = (int)(barWidth * o.Votes / max);
                int y = (i * 34) + 6;
                sb.Append(CultureInfo.InvariantCulture, $"<a href=\"/results/proof/{contest.Index}/{i + 1}\"><text x=\"0\" y=\"{y + 17}\">{E(o.Label)}</text><rect class=\"bar{(o.Votes == max ? " lead" : "")}\" x=\"{barLeft}\" y=\"{y}\" width=\"{Math.Max(width, 1)}\" height=\"24\" rx=\"3\"/><text x=\"{barLeft + width + 6}\" y=\"{y + 17}\">{o.Votes}</text></a>");
            }

            sb.Append(CultureInfo.InvariantCulture, $"</svg><figcaption>{total} votes in this contest.</figcaption></figure></section>");
        }

        sb.Append("<h2 id=\"report\">Verification report</h2><table id=\"verification\"><thead><tr><th scope=\"col\">Check</th><th scope=\"col\">What it covers</th><th scope=\"col\">Outcome</th></tr></thead><tbody>");
        Row(sb, "Election record", result.RecordVerifier, result.RecordFailures);
        Row(sb, "Board log", $"fsck of every entry and tile, consistency between successive cosigned checkpoints, the witness policy (cosigned by {string.Join(" and ", result.CheckpointCosigners)}), inclusion of every cast ballot in the checkpoint of size {result.LogSize}", result.LogFailures);
        if (result.ExchangeMessages > 0)
        {
            Row(sb, "Incident exchange", $"{result.ExchangeMessages} messages: envelope signature by a registered party key, board entry committing to the message, inclusion, witnessed checkpoint", result.ExchangeFailures);
        }

        sb.Append("</tbody></table>");
        if (result.RecordSteps.Count > 0)
        {
            sb.Append("<h3>Record verification, step by step</h3><table id=\"record-steps\"><thead><tr><th scope=\"col\">Step</th><th scope=\"col\">Name</th><th scope=\"col\" class=\"num\">Checks</th><th scope=\"col\">Outcome</th></tr></thead><tbody>");
            foreach (Entente.Verifier.Framework.StepResult step in result.RecordSteps)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>V{E(step.Number)}</td><td>{E(step.Name)}</td><td class=\"num\">{step.Checked}</td><td>{(step.Passed ? "<span class=\"ok\">passed</span>" : $"<span class=\"bad\">{step.Failures.Count} failures</span>")}</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        sb.Append("<h3>Stages</h3><table><thead><tr><th scope=\"col\">Stage</th><th scope=\"col\" class=\"num\">Seconds</th><th scope=\"col\">Outcome</th></tr></thead><tbody>");
        foreach (DemoStage stage in result.Stages)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(stage.Name)}</td><td class=\"num\">{stage.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)}</td><td>{E(stage.Outcome)}</td></tr>");
        }

        sb.Append("</tbody></table>");
        if (result.AuditSeed is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p>Audit seed <code class=\"hash\">{E(result.AuditSeed)}</code>, committed and revealed by both parties on the log (<a href=\"/log?type=audit.*\">entries</a>); BRAVO sample size for the first contest: {(result.AuditSampleSize is long s ? I(s) + " ballots" : "a full hand count (the margin is too small for a sample)")}.</p>");
        }

        return Page("Results", "/results", sb.ToString());
    }

    private static void Row(StringBuilder sb, string check, string covers, IReadOnlyList<string> failures)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{E(check)}</th><td>{E(covers)}</td><td>");
        if (failures.Count == 0)
        {
            sb.Append("<span class=\"ok\">passed</span>");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"<span class=\"bad\">{failures.Count} failures</span><ul class=\"checks\">");
            foreach (string f in failures.Take(50))
            {
                sb.Append("<li class=\"fail\">").Append(E(f)).Append("</li>");
            }

            sb.Append("</ul>");
        }

        sb.Append("</td></tr>");
    }

    private static async Task<(long Index, LogEntry? Entry)> FindEntryAsync(LogService log, string type, CancellationToken ct)
    {
        List<(long Index, LogEntry Entry)> entries = await EntriesAsync(log, 0, log.Sequencer.Head.Size, ct);
        (long Index, LogEntry Entry) hit = entries.FirstOrDefault(e => e.Entry.Type == type);
        return hit.Entry is null ? (-1, null) : hit;
    }

    private static async Task<ContentHttpResult> ProofAsync(Site site, LogService log, int contest, int option, CancellationToken ct)
    {
        string tallyFile = Path.Combine(site.Result.RecordDirectory, "tally", "tally.json");
        string encryptedFile = Path.Combine(site.Result.RecordDirectory, "tally", "encrypted_tally.json");
        byte[] tallyBytes = await File.ReadAllBytesAsync(tallyFile, ct);
        using JsonDocument tally = JsonDocument.Parse(tallyBytes);
        using JsonDocument encrypted = JsonDocument.Parse(await File.ReadAllBytesAsync(encryptedFile, ct));
        JsonElement? Find(JsonDocument doc) => doc.RootElement.GetProperty("contests").EnumerateArray()
            .Where(c => c.GetProperty("index").GetInt32() == contest)
            .SelectMany(c => c.GetProperty("options").EnumerateArray())
            .Where(o => o.GetProperty("index").GetInt32() == option)
            .Select(o => (JsonElement?)o).FirstOrDefault();
        if (Find(tally) is not JsonElement decrypted || Find(encrypted) is not JsonElement ciphertext)
        {
            return NotFoundPage("/results", $"The record has no contest {contest} option {option}.");
        }

        string contestLabel = tally.RootElement.GetProperty("contests").EnumerateArray().First(c => c.GetProperty("index").GetInt32() == contest).GetProperty("label").GetString() ?? "";
        Hash256 sha = Hash256.Compute(tallyBytes);
        (long index, LogEntry? entry) = await FindEntryAsync(log, "tally.decrypted", ct);
        bool committed = entry is not null && entry.Sha256 == sha;
        string optionLabel = decrypted.GetProperty("label").GetString() ?? "";
        IReadOnlyList<Entente.Verifier.Framework.StepResult> steps = site.Result.RecordSteps;
        bool v10 = steps.Count > 0
            && steps.Where(s => s.Number == "9").All(s => s.Passed)
            && !steps.Where(s => s.Number == "10").SelectMany(s => s.Failures)
                .Any(f => f.Subject.Contest is null || (f.Subject.Contest == contestLabel && (f.Subject.Option is null || f.Subject.Option == optionLabel)));
        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"lead\">{E(contestLabel)}, option {option}: <strong>{E(decrypted.GetProperty("label").GetString())}</strong> has <strong id=\"value\">{decrypted.GetProperty("value").GetInt64()}</strong> votes.</p>");
        sb.Append("<h2>What proves it</h2><dl>");
        sb.Append(CultureInfo.InvariantCulture, $"<dt>The encrypted total (α, β), the product of every cast ballot's encryption of this option</dt><dd><code class=\"hash\">α = {E(ciphertext.GetProperty("alpha").GetString())}</code><br><code class=\"hash\">β = {E(ciphertext.GetProperty("beta").GetString())}</code><br><small>record/tally/encrypted_tally.json</small></dd>");
        JsonElement proof = decrypted.GetProperty("proof");
        sb.Append(CultureInfo.InvariantCulture, $"<dt>The joint decryption's Chaum–Pedersen proof (challenge c, response v) that β / K<sup>t</sup> was decrypted with the guardians' shares of the election secret key</dt><dd><code class=\"hash\">c = {E(proof.GetProperty("c").GetString())}</code><br><code class=\"hash\">v = {E(proof.GetProperty("v").GetString())}</code><br><small>record/tally/tally.json, decrypted by guardians {E(string.Join(", ", tally.RootElement.GetProperty("guardians").EnumerateArray().Select(g => g.GetInt32().ToString(CultureInfo.InvariantCulture))))}</small></dd>");
        sb.Append(CultureInfo.InvariantCulture, $"<dt>The tally file on the board</dt><dd>SHA-256 <code class=\"hash\">{E(sha.ToHex())}</code> {(committed ? $"<span class=\"ok\">equals</span> the artifact hash of <a href=\"/log/{index}\">log entry {index}</a> (tally.decrypted), in the cosigned checkpoint; <a href=\"/blob/{sha.ToHex()}\">download it</a>" : "<span class=\"bad\">is NOT the artifact of the logged tally</span>")}.</dd>");
        sb.Append(CultureInfo.InvariantCulture, $"<dt>The check</dt><dd>Verification steps V9 (the encrypted total is the product of the cast ballots) and V10 (the decryption proof) of the record verification: {(v10 ? "<span class=\"ok\">passed</span>" : "<span class=\"bad\">failed</span>")}. Rerun it with <code>entente verify {E(site.Result.RecordDirectory)}{(site.Result.GroupName == "standard" ? "" : " --allow-toy-groups")}</code>.</dd></dl>");
        sb.Append("<p><a href=\"/results\">Back to the results</a></p>");
        return Page($"Proof: {contestLabel}, option {option}", "/results", sb.ToString());
    }

    private static async Task<ContentHttpResult> LogPageAsync(LogService log, long start, int count, string? type, string? party, CancellationToken ct)
    {
        long size = log.Sequencer.Head.Size;
        count = Math.Clamp(count, 10, 200);
        start = Math.Clamp(start, 0, Math.Max(0, size - 1));
        type = string.IsNullOrWhiteSpace(type) ? null : type.Trim();
        party = string.IsNullOrWhiteSpace(party) ? null : party.Trim();
        List<(long Index, LogEntry Entry)> all = await EntriesAsync(log, 0, size, ct);
        bool Matches((long Index, LogEntry Entry) e) =>
            (type is null || (type.EndsWith(".*", StringComparison.Ordinal) ? e.Entry.Type.StartsWith(type[..^1], StringComparison.Ordinal) : e.Entry.Type == type))
            && (party is null || e.Entry.Party == party);
        List<(long Index, LogEntry Entry)> matching = [.. all.Where(Matches)];
        List<(long Index, LogEntry Entry)> shown = [.. matching.Where(e => e.Index >= start).Take(count)];
        StringBuilder sb = new();
        sb.Append("<form class=\"filters\" method=\"get\" action=\"/log\"><label>Type<select name=\"type\"><option value=\"\">any</option>");
        foreach (string t in all.Select(e => e.Entry.Type).Distinct().Order(StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"<option{(t == type ? " selected" : "")}>{E(t)}</option>");
        }

        foreach (string prefix in new[] { "guardian.*", "audit.*", "exchange.*" })
        {
            sb.Append(CultureInfo.InvariantCulture, $"<option value=\"{prefix}\"{(prefix == type ? " selected" : "")}>{prefix} (all)</option>");
        }

        sb.Append("</select></label><label>Party<select name=\"party\"><option value=\"\">any</option>");
        foreach (string p in all.Select(e => e.Entry.Party).Distinct().Order(StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"<option{(p == party ? " selected" : "")}>{E(p)}</option>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"</select></label><label>From index<input name=\"start\" type=\"number\" min=\"0\" max=\"{size}\" value=\"{start}\"></label><label>Per page<input name=\"count\" type=\"number\" min=\"10\" max=\"200\" value=\"{count}\"></label><button>Show</button></form>");
        string Link(long from, string label, string rel) => $"<a rel=\"{rel}\" href=\"/log?start={from}&amp;count={count}{(type is null ? "" : "&amp;type=" + U(type))}{(party is null ? "" : "&amp;party=" + U(party))}\">{label}</a>";
        long first = shown.Count > 0 ? shown[0].Index : start;
        long last = shown.Count > 0 ? shown[^1].Index : start;
        int before = matching.Count(e => e.Index < first);
        int after = matching.Count(e => e.Index > last);
        long previousStart = before == 0 ? 0 : matching.Where(e => e.Index < first).TakeLast(count).First().Index;
        StringBuilder pager = new();
        pager.Append("<nav class=\"pager\" aria-label=\"Pages\">");
        pager.Append(before > 0 ? Link(previousStart, "← Previous", "prev") : "<span class=\"disabled\" aria-hidden=\"true\">← Previous</span>");
        pager.Append(CultureInfo.InvariantCulture, $"<span class=\"range\">{(shown.Count == 0 ? "no entries" : $"entries {first}–{last}")}: {shown.Count} of {matching.Count} matching, {size} in the log</span>");
        pager.Append(after > 0 ? Link(last + 1, "Next →", "next") : "<span class=\"disabled\" aria-hidden=\"true\">Next →</span>");
        pager.Append("</nav>");
        sb.Append(pager);
        sb.Append("<table id=\"entries\"><thead><tr><th scope=\"col\" class=\"num\">Index</th><th scope=\"col\">Type</th><th scope=\"col\">Party</th><th scope=\"col\">Artifact SHA-256</th><th scope=\"col\" class=\"hide-narrow\">Confirmation code</th></tr></thead><tbody>");
        foreach ((long index, LogEntry e) in shown)
        {
            string sha = e.Sha256.ToHex();
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"num\"><a href=\"/log/{index}\">{index}</a></td><td>{E(e.Type)}</td><td>{E(e.Party)}</td><td><a href=\"/blob/{E(sha)}\"><code>{E(sha[..16])}…</code></a></td><td class=\"hide-narrow\">{(e.ConfirmationCode is null ? "" : $"<a href=\"/check?code={U(e.ConfirmationCode)}\"><code>{E(e.ConfirmationCode[..16])}…</code></a>")}</td></tr>");
        }

        sb.Append("</tbody></table>");
        sb.Append(pager);
        return Page("Log", "/log", sb.ToString());
    }

    private static async Task<ContentHttpResult> EntryPageAsync(Site site, LogService log, long index, CancellationToken ct)
    {
        long size = log.Sequencer.Head.Size;
        if (index < 0 || index >= size)
        {
            return NotFoundPage("/log", $"The log has {size} entries; there is no entry {index}.");
        }

        byte[] bytes = (await log.Store.ReadEntriesAsync(index, 1, ct))[0];
        (LogEntry entry, SignedNote note) = LogEntry.Parse(bytes);
        INoteVerifier? key = site.Charter.KeyFor(entry.Party, Charter.SubmitterRole);
        bool signed = key is not null && NoteVerification.HasValidSignature(note, key);
        StoredCheckpoint? cosigned = await log.Store.ReadCosignedAsync(ct);
        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"lead\">Entry {index} of the board log: <strong>{E(entry.Type)}</strong> from {E(entry.Party)}.</p><ul class=\"checks\">");
        sb.Append(CultureInfo.InvariantCulture, $"<li{(signed ? "" : " class=\"fail\"")}>Signed by {E(entry.Party)}'s key from the charter{(signed ? "" : ": NOT verified")}.</li>");
        if (cosigned is not null && index < cosigned.Size)
        {
            Hash256[] proof = await log.Reader.InclusionProofAsync(index, cosigned.Size, ct);
            bool included = MerkleMath.VerifyInclusion(index, cosigned.Size, Rfc6962.LeafHash(bytes), proof, cosigned.Root);
            sb.Append(CultureInfo.InvariantCulture, $"<li{(included ? "" : " class=\"fail\"")}>Included in the cosigned checkpoint of size {cosigned.Size} (inclusion proof of {proof.Length} hashes){(included ? "" : ": NOT verified")}.</li>");
        }
        else
        {
            sb.Append("<li class=\"fail\">Not yet in a cosigned checkpoint.</li>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"</ul><h2>The entry</h2><pre>{E(note.ToString())}</pre><p>Artifact: <a href=\"/blob/{entry.Sha256.ToHex()}\">blob {E(entry.Sha256.ToHex())}</a>.</p>");
        if (BoardAnchor.IsExchangeType(entry.Type) && site.Exchange is not null)
        {
            List<long> boardIndexes = await DemoExchange.BoardIndexesAsync(log.Store, size, ct);
            int exchangeIndex = boardIndexes.IndexOf(index);
            ExchangeEntry? message = exchangeIndex < 0 ? null : await site.Exchange.GetAsync(exchangeIndex, ct);
            if (message is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<p>It anchors exchange message {exchangeIndex}: {E(message.ObjectType)} <code>{E(message.ObjectId)}</code> (<a href=\"/incidents#message-{exchangeIndex}\">in the incident timeline</a>).</p>");
            }
        }

        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"pager\">{(index > 0 ? $"<a rel=\"prev\" href=\"/log/{index - 1}\">← Entry {index - 1}</a>" : "")} <a href=\"/log?start={index}\">In the log</a> {(index + 1 < size ? $"<a rel=\"next\" href=\"/log/{index + 1}\">Entry {index + 1} →</a>" : "")}</p>");
        return Page($"Log entry {index}", "/log", sb.ToString());
    }
}

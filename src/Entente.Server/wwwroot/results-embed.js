// Entente verified results, embeddable anywhere (docs/results.md):
//   <div id="results"></div>
//   <script src="BOARD/results-embed.js" data-board="BOARD/" data-jurisdiction="J" data-authority-key="VKEY"
//           data-policy="WITNESS POLICY" data-target="results"></script>
// Fetches the board's signed results feed and shows a unit's numbers only once the browser has verified, with WebCrypto
// (verify.js, loaded from the board when the page has not loaded it): the artifact hashes to the entry's SHA-256, the
// entry is signed by the authority's key given here (not by whatever key the feed names), and the entry is included in
// the checkpoint signed by the log key and cosigned by the witnesses of the policy given here. A feed that fails any of
// these is refused as a whole, with the reason; nothing of it is shown as a result.
"use strict";
(function () {
  const script = document.currentScript;
  const d = script.dataset;
  const board = d.board || "";
  const target = document.getElementById(d.target);

  function loadVerify() {
    if (window.EntenteVerify) { return Promise.resolve(window.EntenteVerify); }
    if (!window.EntenteVerifyLoading) {
      window.EntenteVerifyLoading = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = board + "/verify.js".slice(board.endsWith("/") ? 1 : 0);
        s.onload = () => resolve(window.EntenteVerify);
        s.onerror = () => reject(new Error("could not load verify.js from the board"));
        document.head.appendChild(s);
      });
    }
    return window.EntenteVerifyLoading;
  }

  function render(verdict, title, units, lines) {
    target.innerHTML = "";
    target.dataset.verdict = verdict;
    target.className = verdict === "verified" ? "ok" : "bad";
    const h = document.createElement("p");
    h.className = "verdict";
    h.textContent = title;
    target.appendChild(h);
    for (const u of units) {
      const table = document.createElement("table");
      table.className = "stack";
      table.dataset.unit = u.unit;
      const caption = table.createCaption();
      caption.textContent = "Unit " + u.unit + " · " + u.ballots + " ballots counted · version " + u.seq + (u.corrects ? " (corrects " + u.corrects + ")" : "") + " · log entry " + u.index;
      const head = table.createTHead().insertRow();
      for (const t of ["Contest", "Option", "Votes"]) {
        const th = document.createElement("th");
        th.scope = "col";
        th.textContent = t;
        head.appendChild(th);
      }
      const body = table.createTBody();
      for (const c of u.contests) {
        for (const o of c.options) {
          const row = body.insertRow();
          for (const [label, text] of [["Contest", c.contest], ["Option", o.option], ["Votes", String(o.votes)]]) {
            const td = row.insertCell();
            td.dataset.label = label;
            td.textContent = text;
          }
        }
      }
      const wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.appendChild(table);
      target.appendChild(wrap);
    }
    if (lines.length) {
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = "What your browser checked";
      details.appendChild(summary);
      const ul = document.createElement("ul");
      for (const l of lines) {
        const li = document.createElement("li");
        li.textContent = l;
        ul.appendChild(li);
      }
      details.appendChild(ul);
      target.appendChild(details);
    }
  }

  async function run() {
    const done = [];
    try {
      const V = await loadVerify();
      const policy = V.parsePolicy(d.policy || "");
      const authority = V.parseVkey(d.authorityKey || "");
      const response = await fetch(board + (board && !board.endsWith("/") ? "/" : "") + "api/results/" + encodeURIComponent(d.jurisdiction), { headers: { Accept: "application/json" } });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw new Error(problem.detail || ("the board answered " + response.status));
      }
      const feed = await response.json();
      if (feed.jurisdiction !== d.jurisdiction) { throw new Error("the feed is of " + feed.jurisdiction + ", not " + d.jurisdiction); }
      const units = [];
      let first = true;
      for (const u of feed.units) {
        const entry = V.b64(u.entry);
        const artifact = V.b64(u.artifact);
        const note = V.parseNote(new TextDecoder().decode(entry));
        const sha = V.hex(await V.sha256(artifact));
        if (!note.text.startsWith("entente.org/entry/v1\ntype results.unofficial\nsha256 " + sha + "\n")) {
          throw new Error("log entry " + u.index + " does not commit to the results shown with it (SHA-256 " + sha + ")");
        }
        const sig = note.signatures.find(s => s.name === authority.name && s.keyId === authority.keyId);
        if (!sig || !(await V.ed25519Verify(authority.publicKey, sig.body, V.enc.encode(note.text)))) {
          throw new Error("log entry " + u.index + " is not signed by the authority's key " + authority.name + "+" + authority.keyId);
        }
        const lines = [];
        await V.verifyInclusionAndCheckpoint(entry, u.index, u.proof, feed.checkpoint, policy, lines).catch(e => {
          throw new Error("log entry " + u.index + " is not in the witnessed log: " + e.message);
        });
        if (first) { done.push(...lines.slice(1)); first = false; }
        const r = JSON.parse(new TextDecoder().decode(artifact));
        if (r.jurisdiction !== d.jurisdiction) { throw new Error("log entry " + u.index + " is of " + r.jurisdiction); }
        r.index = u.index;
        units.push(r);
        done.push("Unit " + r.unit + ": entry " + u.index + " is signed by " + authority.name + ", commits to these numbers and is in the checkpoint (" + u.proof.length + "-hash proof).");
      }
      render("verified", "Verified: " + units.length + " reporting unit(s), each signed by " + authority.name + " and in the log the witnesses cosigned.", units, done);
    } catch (e) {
      render("refused", "NOT verified, not shown: " + e.message, [], done);
    }
  }

  if (target) { run(); }
})();

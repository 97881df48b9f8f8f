// Entente ballot check: verifies in the browser, with WebCrypto only (verify.js), that a ballot's log entry is
// included in a checkpoint signed by the board's log key and cosigned by the witnesses the policy requires. The keys
// come from the witness policy shown on the page; the server is not trusted. A confirmation code may be typed with
// any spacing, dashes and case; a challenged ballot is reported as challenged (never counted), with its opening.
"use strict";
(function () {
  const V = window.EntenteVerify;
  const outcome = document.getElementById("outcome");
  const form = document.getElementById("check");
  const input = document.getElementById("code");
  const length = Number(input.dataset.length || 64);

  function show(verdict, title, lines, extra) {
    outcome.className = verdict === "failed" ? "bad" : verdict === "challenged" ? "warn" : "ok";
    outcome.dataset.verdict = verdict;
    outcome.innerHTML = "";
    const h = document.createElement("p");
    h.textContent = title;
    outcome.appendChild(h);
    const ul = document.createElement("ul");
    ul.className = "checks";
    for (const l of lines) {
      const li = document.createElement("li");
      li.textContent = l;
      ul.appendChild(li);
    }
    outcome.appendChild(ul);
    if (extra) { outcome.appendChild(extra); }
  }

  // Hex digits only, uppercase; spaces, dashes and similar separators are ignored. Throws naming the problem.
  function normalize(typed) {
    let code = "";
    for (const c of typed) {
      if (/[0-9a-fA-F]/.test(c)) { code += c.toUpperCase(); }
      else if (!/[\s\-\u2010-\u2014_.:,/]/.test(c)) {
        throw new Error("\"" + c + "\" cannot be part of a confirmation code: it has only the characters 0–9 and A–F (" + length + " of them; spaces and dashes are ignored)");
      }
    }
    if (code.length !== length) {
      throw new Error("a confirmation code has " + length + " characters (0–9 and A–F); this one has " + code.length + " once spaces and dashes are left out");
    }
    return code;
  }

  function openingTable(opening) {
    const table = document.createElement("table");
    table.className = "stack";
    const head = table.createTHead().insertRow();
    for (const t of ["Contest", "Option", "Value"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = t;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const c of opening.contests) {
      for (const s of c.selections) {
        const row = body.insertRow();
        for (const [label, value] of [["Contest", c.label], ["Option", s.label], ["Value", String(s.value)]]) {
          const td = row.insertCell();
          td.dataset.label = label;
          td.textContent = value;
        }
      }
    }
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.appendChild(table);
    return wrap;
  }

  async function check(typed) {
    const done = [];
    try {
      const code = normalize(typed);
      const policy = V.parsePolicy(document.getElementById("policy").textContent);
      const response = await fetch("/api/ballot-check/" + encodeURIComponent(code), { headers: { Accept: "application/json" } });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw new Error(problem.detail || ("the board answered " + response.status));
      }
      const data = await response.json();
      const state = data.state || "cast";
      const entry = V.b64(data.entry);
      const entryText = new TextDecoder().decode(entry);
      if (!entryText.startsWith("entente.org/entry/v1\ntype ballot." + state + "\n") || !entryText.toUpperCase().includes("\nCODE " + code + "\n")) {
        throw new Error("the entry the board returned is not the " + state + " ballot with this confirmation code");
      }
      done.push("The log entry at index " + data.index + " is a " + state + " ballot with confirmation code " + code + ".");
      await V.verifyInclusionAndCheckpoint(entry, data.index, data.proof, data.checkpoint, policy, done);
      if (state === "challenged") {
        // The server already shows the opening of the code it was asked for; the script shows it for a code typed since.
        const shown = document.getElementById("challenged");
        const extra = data.opening && !(shown && shown.dataset.code === code) ? openingTable(data.opening) : null;
        show("challenged", "Challenged, not cast: this ballot was never counted. It is in the log the witnesses cosigned"
          + (data.opening ? ", and the guardians opened it (log entry " + data.opening.index + "): below is what the device had encrypted." : "; its opening is not on the board yet."), done, extra);
      } else {
        show("verified", "Verified: your ballot is in the log that the witnesses have cosigned.", done);
      }
    } catch (e) {
      show("failed", "NOT verified: " + e.message, done);
    }
  }

  form.addEventListener("submit", ev => {
    ev.preventDefault();
    // What the server rendered was about the previous code.
    for (const id of ["challenged", "code-problem", "code-normalized"]) {
      const stale = document.getElementById(id);
      if (stale) { stale.remove(); }
    }
    history.replaceState(null, "", "/check?code=" + encodeURIComponent(input.value.trim()));
    check(input.value.trim());
  });
  if (input.value.trim()) { check(input.value.trim()); }
})();

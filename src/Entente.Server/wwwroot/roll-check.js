// Entente registration check (docs/rolls.md, "The voter's check"). From the details and salt on the voter's notice the
// browser computes, with WebCrypto only, the record's key and commitment exactly as src/Entente.Rolls/RollCommitments.cs
// does; it sends only the key, then verifies what comes back with verify.js: the latest change's signed entry is in the
// checkpoint the witnesses cosigned, that entry commits (SHA-256) to the latest change artifact, and every earlier change
// is bound to it by the chain of "previous" hashes. It then says whether the log's current record is the one typed.
"use strict";
(function () {
  const V = window.EntenteVerify;
  const outcome = document.getElementById("outcome");
  const form = document.getElementById("roll-check");
  const value = id => document.getElementById(id).value;

  // RollText.Canonical: tab, CR, LF become spaces; runs of spaces become one; none at either end; each code point
  // upper-cased by the simple (one-to-one) mapping: toUpperCase() unless it expands (ß → SS), as .NET's ToUpperInvariant;
  // no Unicode normalization (code points compared as typed, as in .NET).
  function canonical(text) {
    let out = "";
    for (const ch of text.replace(/[ \t\r\n]+/g, " ").replace(/^ /, "").replace(/ $/, "")) {
      const up = ch.toUpperCase();
      out += [...up].length === 1 ? up : ch;
    }
    return out;
  }
  function token(text, field) {
    const t = text.trim();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(t)) { throw new Error(field + ": 1 to 64 of the characters A–Z, a–z, 0–9, '.', '_' and '-' are expected"); }
    return t;
  }
  function required(text, field) {
    const t = canonical(text);
    if (!t) { throw new Error(field + ": a value is required"); }
    return t;
  }
  function salt(text) {
    const hex = text.replace(/[ \t-]/g, "");
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) { throw new Error("salt: 32 hexadecimal digits are expected (spaces and dashes are ignored)"); }
    return V.unhex(hex.toLowerCase());
  }
  function lp(text) {
    const bytes = V.enc.encode(text);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, bytes.length);
    return V.concat(length, bytes);
  }
  const keyLabel = V.concat(V.enc.encode("entente.org/roll/key/v1"), Uint8Array.of(0));
  const recordLabel = V.concat(V.enc.encode("entente.org/roll/record/v1"), Uint8Array.of(0));

  function show(verdict, title, lines, table) {
    outcome.className = verdict === "registered" ? "ok" : verdict === "removed" ? "warn" : "bad";
    outcome.dataset.verdict = verdict;
    outcome.innerHTML = "";
    const h = document.createElement("p");
    h.textContent = title;
    outcome.appendChild(h);
    if (table) { outcome.appendChild(table); }
    const ul = document.createElement("ul");
    ul.className = "checks";
    for (const l of lines) {
      const li = document.createElement("li");
      li.textContent = l;
      ul.appendChild(li);
    }
    outcome.appendChild(ul);
  }

  function historyTable(changes, mine) {
    const table = document.createElement("table");
    table.id = "history";
    table.className = "stack";
    const head = table.createTHead().insertRow();
    for (const t of ["Version", "Change", "Reason", "Precinct", "When", "Log entry", "Your details"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = t;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const c of changes) {
      const row = body.insertRow();
      row.dataset.op = c.op;
      const cells = [["Version", String(c.version)], ["Change", c.op], ["Reason", c.reason], ["Precinct", c.precinct], ["When", c.at],
        ["Log entry", String(c.index)], ["Your details", c.op === "remove" ? "—" : c.commitment === mine ? "match" : "differ"]];
      for (const [label, text] of cells) {
        const td = row.insertCell();
        td.dataset.label = label;
        td.textContent = text;
      }
    }
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.appendChild(table);
    return wrap;
  }

  async function check() {
    const done = [];
    try {
      const jurisdiction = token(value("jurisdiction"), "jurisdiction");
      const voterId = token(value("voter-id"), "voter id").replace(/[a-z]/g, c => c.toUpperCase());
      const precinct = token(value("precinct"), "precinct");
      const name = required(value("name"), "name");
      const birth = value("birth-date").trim();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(birth)) { throw new Error("date of birth: write it YYYY-MM-DD"); }
      const s = salt(value("salt"));
      const address = required(value("address"), "address");
      const key = V.hex(await V.sha256(V.concat(keyLabel, s, lp(jurisdiction), lp(voterId))));
      const mine = V.hex(await V.sha256(V.concat(recordLabel, s, ...[jurisdiction, voterId, precinct, name, birth, address].map(lp))));
      done.push("SHA-256: your details and salt give the record key " + key + " and the commitment " + mine + " (computed in this browser).");
      const policy = V.parsePolicy(document.getElementById("policy").textContent);
      const response = await fetch("/api/roll-check/" + key, { headers: { Accept: "application/json" } });
      if (response.status === 404) {
        show("not-on-log", "NOT on the log: no change of a record with your key was ever logged. If the details and salt are those of your notice, your registration was made without a log entry — tell the election officials and the parties.", done);
        return;
      }
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw new Error(problem.detail || ("the board answered " + response.status));
      }
      const data = await response.json();
      if (!data.versions || data.versions.length === 0) { throw new Error("the board returned no version of the record"); }
      const changes = [];
      let previous = null;
      for (const v of data.versions) {
        const bytes = V.b64(v.artifact);
        const c = JSON.parse(new TextDecoder().decode(bytes));
        c.index = v.index;
        c.sha = V.hex(await V.sha256(bytes));
        if (c.key !== key) { throw new Error("version " + c.version + " is of another record"); }
        if (c.version !== changes.length + 1) { throw new Error("the versions are not 1, 2, 3…"); }
        if (c.previous !== previous) { throw new Error("version " + c.version + " does not name the SHA-256 of version " + (c.version - 1) + ": the history was altered"); }
        if (v.type !== "roll." + c.op) { throw new Error("version " + c.version + " is listed as " + v.type + " but is a " + c.op); }
        previous = c.sha;
        changes.push(c);
      }
      const latest = changes[changes.length - 1];
      const entry = V.b64(data.entry);
      const entryText = new TextDecoder().decode(entry);
      if (!entryText.startsWith("entente.org/entry/v1\ntype roll." + latest.op + "\nsha256 " + latest.sha + "\n")) {
        throw new Error("the log entry the board returned does not commit to the record's latest change");
      }
      done.push("The log entry at index " + latest.index + " commits to version " + latest.version + " (" + latest.op + "); versions 1–" + latest.version + " are chained by their SHA-256s, so this one entry fixes the whole history.");
      await V.verifyInclusionAndCheckpoint(entry, latest.index, data.proof, data.checkpoint, policy, done);
      const table = historyTable(changes, mine);
      if (latest.op === "remove") {
        show("removed", "Removed: your registration was removed from the roll on " + latest.at + " (reason: " + latest.reason + ", log entry " + latest.index + "). The authority logged it and cannot deny it.", done, table);
      } else if (latest.commitment === mine) {
        show("registered", "Registered: the log's current record is exactly your details (version " + latest.version + ", " + latest.at + ").", done, table);
      } else {
        const older = changes.find(c => c.commitment === mine);
        show(older ? "changed" : "mismatch", older
          ? "CHANGED: your details are version " + older.version + " of your record, but it was changed on " + latest.at + " (reason: " + latest.reason + "). The change is logged, signed by the authority."
          : "DOES NOT MATCH: no logged version of your record has these details. If they are what the authority now shows you, your record was changed without a log entry — tell the election officials and the parties.", done, table);
      }
    } catch (e) {
      show("failed", "NOT verified: " + e.message, done);
    }
  }

  form.addEventListener("submit", ev => { ev.preventDefault(); check(); });
})();

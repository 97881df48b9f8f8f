// The audit board's screen (docs/audit.md, "The audit-board screen"): ballot readings, or batch tallies in a
// batch-comparison audit. The link's #k= fragment holds the board's
// 32-byte Ed25519 private seed; browsers never send a fragment, so the key never reaches the server or its logs. The
// key moves to this tab's sessionStorage and leaves the address bar. Each reading and the sign-off are canonical JSON
// (members in the order of docs/audit.md); the browser signs the log entry that commits to them (a C2SP signed note,
// party auditboard-<first 16 hex of SHA-256 of the public key>) with WebCrypto Ed25519 and posts both to the board.
"use strict";
(function () {
  const root = document.getElementById("audit-board");
  if (!root) return;
  const status = document.getElementById("board-status");
  const enc = new TextEncoder();
  const audit = root.dataset.audit, board = root.dataset.board, party = root.dataset.party;
  const round = Number(root.dataset.round);
  const members = JSON.parse(root.dataset.members || "[]");
  const storageKey = "entente-audit-board:" + location.pathname;

  function say(where, text, kind) {
    where.textContent = "";
    const p = document.createElement("p");
    p.className = "banner " + kind;
    p.textContent = text;
    where.appendChild(p);
  }

  function fromBase64Url(s) {
    const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    return Uint8Array.from(b, c => c.charCodeAt(0));
  }

  function base64(bytes) {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }

  function hex(bytes) {
    return Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function seedText() {
    const m = /^#k=([A-Za-z0-9_-]{43})$/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(storageKey, m[1]);
      history.replaceState(null, "", location.pathname + location.search);
      return m[1];
    }
    return sessionStorage.getItem(storageKey);
  }

  async function loadKey() {
    const text = seedText();
    if (!text) throw new Error("This page was opened without its link's key (the part after #k=). Open the link the audit administrator gave you.");
    const seed = fromBase64Url(text);
    if (seed.length !== 32) throw new Error("The link's key is damaged: it is not a 32-byte Ed25519 key.");
    const pkcs8 = new Uint8Array(48);
    pkcs8.set([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
    pkcs8.set(seed, 16);
    const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
    const publicKey = fromBase64Url((await crypto.subtle.exportKey("jwk", key)).x);
    const name = "auditboard-" + hex(await sha256(publicKey)).slice(0, 16);
    if (name !== party) throw new Error("This link's key is not the registered key of " + board + ": open the link printed for this audit board.");
    const keyId = (await sha256(new Uint8Array([...enc.encode(name), 0x0a, 0x01, ...publicKey]))).slice(0, 4);
    return { name, keyId, key };
  }

  // The signed log entry (entente.org/entry/v1) committing to body, as the Entente-Entry header (base64).
  async function entry(signer, type, body) {
    const text = "entente.org/entry/v1\ntype " + type + "\nsha256 " + hex(await sha256(body)) + "\nparty " + signer.name
      + "\ntime " + new Date().toISOString() + "\n";
    const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, signer.key, enc.encode(text)));
    return base64(enc.encode(text + "\n\u2014 " + signer.name + " " + base64(new Uint8Array([...signer.keyId, ...signature])) + "\n"));
  }

  async function post(signer, collection, type, artifact, outcome) {
    const body = enc.encode(JSON.stringify(artifact));
    const header = await entry(signer, type, body);
    const response = await fetch("/board/" + collection, { method: "POST", headers: { "Content-Type": "application/json", "Entente-Entry": header }, body });
    if (response.status === 201) return true;
    let problem = {};
    try { problem = await response.json(); } catch (e) { /* not JSON */ }
    if (response.status === 409 && problem.title === "Already on the board") return true; // a retry: it is logged
    say(outcome, "Not recorded (" + response.status + " " + (problem.title || response.statusText) + "): " + (problem.detail || ""), "bad");
    return false;
  }

  function disableAll() {
    for (const el of root.querySelectorAll("button, input")) el.disabled = true;
  }

  function readContests(form) {
    const contests = [];
    for (const fs of form.querySelectorAll("fieldset.contest")) {
      const choices = Array.from(fs.querySelectorAll("input[name=choice]:checked"), i => i.value);
      const blank = fs.querySelector("input[name=blank]").checked;
      const absent = fs.querySelector("input[name=not-on-ballot]").checked;
      const picked = (choices.length > 0 ? 1 : 0) + (blank ? 1 : 0) + (absent ? 1 : 0);
      if (picked !== 1) {
        throw new Error(fs.dataset.contest + ": record either the choices marked, or blank, or not on this ballot.");
      }
      contests.push({ contest: fs.dataset.contest, on_ballot: !absent, choices });
    }
    return contests;
  }

  async function start() {
    let signer;
    try {
      if (!(window.crypto && crypto.subtle)) throw new Error("This browser has no WebCrypto: use a current browser over https.");
      signer = await loadKey();
    } catch (e) {
      say(status, e.message, "bad");
      disableAll();
      return;
    }

    say(status, "Signing as " + signer.name + " (" + board + ").", "ok");
    for (const form of root.querySelectorAll("form.reading-form")) {
      const li = form.closest("li.ballot");
      const outcome = form.querySelector(".outcome");
      const corrects = form.dataset.corrects ? Number(form.dataset.corrects) : null;
      const reading = (found, contests) => {
        // Members in the canonical order of docs/audit.md; "corrects" only in a correction.
        const r = { audit, round, board, tabulator: li.dataset.tabulator ? li.dataset.tabulator : null, batch: li.dataset.batch, position: Number(li.dataset.position) };
        if (corrects !== null) r.corrects = corrects;
        r.found = found;
        r.contests = contests;
        return r;
      };
      const send = async artifact => {
        for (const b of form.querySelectorAll("button")) b.disabled = true;
        say(outcome, "Signing and posting…", "info");
        try {
          if (await post(signer, "audit-readings", "audit.reading", artifact, outcome)) location.reload();
        } catch (e) {
          say(outcome, "Not recorded: " + e.message, "bad");
        }
        for (const b of form.querySelectorAll("button")) b.disabled = false;
      };
      form.addEventListener("submit", ev => {
        ev.preventDefault();
        let contests;
        try { contests = readContests(form); } catch (e) { say(outcome, e.message, "bad"); return; }
        send(reading(true, contests));
      });
      form.querySelector("button.not-found").addEventListener("click", () => send(reading(false, [])));
    }

    // Batch-comparison audits: one form per batch and contest, each choice's hand count (audit.tally).
    for (const form of root.querySelectorAll("form.tally-form")) {
      const li = form.closest("li.batch");
      const outcome = form.querySelector(".outcome");
      const corrects = form.dataset.corrects ? Number(form.dataset.corrects) : null;
      form.addEventListener("submit", async ev => {
        ev.preventDefault();
        const votes = [];
        for (const input of form.querySelectorAll("input[name=votes]")) {
          const text = input.value.trim();
          if (!/^[0-9]{1,15}$/.test(text)) {
            say(outcome, input.dataset.choice + ": enter the votes counted, a whole number (0 when none).", "bad");
            return;
          }
          votes.push({ choice: input.dataset.choice, votes: Number(text) });
        }
        // Members in the canonical order of docs/audit.md; "corrects" only in a correction.
        const t = { audit, round, board, tabulator: li.dataset.tabulator ? li.dataset.tabulator : null, batch: li.dataset.batch, contest: form.dataset.contest };
        if (corrects !== null) t.corrects = corrects;
        t.votes = votes;
        for (const b of form.querySelectorAll("button")) b.disabled = true;
        say(outcome, "Signing and posting…", "info");
        try {
          if (await post(signer, "audit-tallies", "audit.tally", t, outcome)) location.reload();
        } catch (e) {
          say(outcome, "Not recorded: " + e.message, "bad");
        }
        for (const b of form.querySelectorAll("button")) b.disabled = false;
      });
    }

    const signOff = document.getElementById("sign-off");
    if (signOff) {
      const outcome = signOff.querySelector(".outcome");
      signOff.addEventListener("submit", async ev => {
        ev.preventDefault();
        const confirmed = Array.from(signOff.querySelectorAll("input[name=member]:checked"), i => i.value);
        if (confirmed.length !== members.length) {
          say(outcome, "Both members confirm before the round is signed off.", "bad");
          return;
        }
        say(outcome, "Signing and posting…", "info");
        try {
          if (await post(signer, "audit-signoffs", "audit.signoff", { audit, round, board, members }, outcome)) location.reload();
        } catch (e) {
          say(outcome, "Not signed off: " + e.message, "bad");
        }
      });
    }
  }

  start();
})();

// Entente ballot check: verifies in the browser, with WebCrypto only (verify.js), that a cast ballot's
// log entry is included in a checkpoint signed by the board's log key and cosigned by every party's
// witness. The keys come from the witness policy shown on the page; the server is not trusted.
"use strict";
(function () {
  const V = window.EntenteVerify;
  const outcome = document.getElementById("outcome");
  const form = document.getElementById("check");
  const input = document.getElementById("code");

  function show(ok, title, lines) {
    outcome.className = ok ? "ok" : "bad";
    outcome.dataset.verdict = ok ? "verified" : "failed";
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
  }

  async function check(code) {
    const done = [];
    try {
      const policy = V.parsePolicy(document.getElementById("policy").textContent);
      const response = await fetch("/api/ballot-check/" + encodeURIComponent(code));
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw new Error(problem.detail || ("the board answered " + response.status));
      }
      const data = await response.json();
      const entry = V.b64(data.entry);
      const entryText = new TextDecoder().decode(entry);
      if (!entryText.startsWith("entente.org/entry/v1\ntype ballot.cast\n") || !entryText.toLowerCase().includes("\ncode " + code.toLowerCase() + "\n")) {
        throw new Error("the entry the board returned is not the cast ballot with this confirmation code");
      }
      done.push("The log entry at index " + data.index + " is a cast ballot with confirmation code " + code + ".");
      await V.verifyInclusionAndCheckpoint(entry, data.index, data.proof, data.checkpoint, policy, done);
      show(true, "Verified: your ballot is in the log that every party's witness has cosigned.", done);
    } catch (e) {
      show(false, "NOT verified: " + e.message, done);
    }
  }

  form.addEventListener("submit", ev => {
    ev.preventDefault();
    history.replaceState(null, "", "/check?code=" + encodeURIComponent(input.value.trim()));
    check(input.value.trim());
  });
  if (input.value.trim()) { check(input.value.trim()); }
})();

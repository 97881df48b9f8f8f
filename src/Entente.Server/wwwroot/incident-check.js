// Entente incident pages: rechecks each exchange message in the browser (WebCrypto, verify.js):
// the envelope's Ed25519 signature by the sender's key pinned in the unit shown on the page, the
// exchange leaf naming that envelope's SHA-256, the board entry committing to the leaf, its inclusion
// in the board checkpoint and the checkpoint's log signature and witness cosignatures.
"use strict";
(function () {
  const V = window.EntenteVerify;
  const context = V.enc.encode("entente-exchange/v1 signature\n");

  async function checkMessage(li, policy, unit) {
    const out = li.querySelector(".browser-check");
    const done = [];
    try {
      const response = await fetch("/api/exchange/" + li.dataset.exchangeIndex);
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw new Error(problem.detail || ("the board answered " + response.status));
      }
      const data = await response.json();
      const envelopeBytes = V.b64(data.envelope);
      const envelopeText = new TextDecoder().decode(envelopeBytes);
      const envelope = JSON.parse(envelopeText);
      const party = unit.parties.find(p => p.identity === envelope.sender);
      if (!party) { throw new Error("the sender " + envelope.sender + " is not a party of the unit"); }
      if (party.public_key !== envelope.public_key) { throw new Error("the envelope is not signed with " + party.name + "'s registered key"); }
      // RFC 8785 sorts "signature" last: the signed bytes are the envelope without that member.
      const tail = ",\"signature\":\"" + envelope.signature + "\"}";
      if (!envelopeText.endsWith(tail)) { throw new Error("the envelope is not in canonical form"); }
      const signed = V.enc.encode(envelopeText.slice(0, envelopeText.length - tail.length) + "}");
      if (!(await V.ed25519Verify(V.b64(envelope.public_key), V.b64(envelope.signature), V.concat(context, signed)))) {
        throw new Error("the envelope's signature does not verify");
      }
      done.push("Ed25519: envelope signed by " + party.name + "'s key.");
      const leaf = V.b64(data.leaf);
      const leafLines = new TextDecoder().decode(leaf).split("\n");
      const envelopeHash = V.hex(await V.sha256(envelopeBytes));
      if (leafLines[0] !== "entente-exchange-entry/v1" || !leafLines.includes("sender " + envelope.sender)
          || !leafLines.some(l => l.startsWith("object " + envelope.object.id + " ")) || !leafLines.includes("envelope " + envelopeHash)) {
        throw new Error("the exchange leaf does not describe this envelope");
      }
      const boardEntry = V.b64(data.board_entry);
      const boardText = new TextDecoder().decode(boardEntry);
      const leafHash = V.hex(await V.sha256(leaf));
      if (!boardText.startsWith("entente.org/entry/v1\ntype exchange." + envelope.object.type + "\nsha256 " + leafHash + "\n")) {
        throw new Error("board entry " + data.board_index + " does not commit to this message");
      }
      done.push("SHA-256: envelope → exchange leaf → board entry " + data.board_index + ".");
      const lines = [];
      await V.verifyInclusionAndCheckpoint(boardEntry, data.board_index, data.proof, data.checkpoint, policy, lines);
      done.push("Inclusion in the checkpoint, its log signature and " + policy.witnesses.length + " witness cosignatures.");
      li.dataset.browserVerdict = "verified";
      out.className = "browser-check ok";
      out.textContent = "Rechecked in your browser: " + done.join(" ");
    } catch (e) {
      li.dataset.browserVerdict = "failed";
      out.className = "browser-check bad";
      out.textContent = "NOT verified in your browser: " + e.message + (done.length ? " (passed: " + done.join(" ") + ")" : "");
    }
  }

  async function run() {
    let policy, unit;
    try {
      policy = V.parsePolicy(document.getElementById("policy").textContent);
      unit = JSON.parse(document.getElementById("unit").textContent);
    } catch (e) {
      return;
    }
    for (const li of document.querySelectorAll("li[data-exchange-index]")) {
      await checkMessage(li, policy, unit);
    }
    document.body.dataset.browserChecked = "done";
  }
  run();
})();

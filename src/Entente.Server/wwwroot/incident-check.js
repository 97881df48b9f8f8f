// Entente incident pages: rechecks each exchange message in the browser (WebCrypto, verify.js):
// the envelope's Ed25519 signature by the sender's key pinned in the unit shown on the page (under
// the signature context of its format, signed or sealed), the exchange leaf naming that envelope's
// SHA-256 (a message for its readers only is not served: its check starts at the leaf), the board entry committing to the leaf, its inclusion
// in the board checkpoint and the checkpoint's log signature and witness cosignatures.
"use strict";
(function () {
  const V = window.EntenteVerify;

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
      const leaf = V.b64(data.leaf);
      const leafLines = new TextDecoder().decode(leaf).split("\n");
      let sender, objectId, objectType;
      if (data.envelope == null) {
        // For its collection's readers only (sealed, or TLP:RED/AMBER): the page gets neither plaintext nor ciphertext,
        // so the chain is checked from the exchange leaf on (sender, object, envelope hash), the envelope's signature by
        // its readers (and by the board when it logged it).
        sender = data.sender; objectId = data.object_id; objectType = data.object_type;
        const party = unit.parties.find(p => p.identity === sender);
        if (!party) { throw new Error("the sender " + sender + " is not a party of the unit"); }
        if (leafLines[0] !== "entente-exchange-entry/v1" || !leafLines.includes("sender " + sender)
            || !leafLines.some(l => l.startsWith("object " + objectId + " ")) || !leafLines.some(l => l.startsWith("envelope "))) {
          throw new Error("the exchange leaf does not describe this message");
        }
        done.push((data.sealed ? "Sealed" : "Withheld") + " (" + data.confidential + "): exchange leaf names " + party.name + " and " + objectId + ".");
      } else {
        const envelopeBytes = V.b64(data.envelope);
        const envelopeText = new TextDecoder().decode(envelopeBytes);
        const envelope = JSON.parse(envelopeText);
        const party = unit.parties.find(p => p.identity === envelope.sender);
        if (!party) { throw new Error("the sender " + envelope.sender + " is not a party of the unit"); }
        if (party.public_key !== envelope.public_key) { throw new Error("the envelope is not signed with " + party.name + "'s registered key"); }
        // RFC 8785 sorts "signature" last: the signed bytes are the envelope without that member, after the context of
        // the envelope's format (signed or sealed; BoardExchangeVerifier.SignatureContextOf).
        const expectedContext = (envelope.envelope || "entente-exchange/v1") + " signature\n";
        // A server that names no context (the demo site) signs with the context of the envelope's format.
        const context = data.signature_context === undefined ? expectedContext : data.signature_context;
        if (context !== expectedContext) { throw new Error("the signature context does not match the envelope's format"); }
        const tail = ",\"signature\":\"" + envelope.signature + "\"}";
        if (!envelopeText.endsWith(tail)) { throw new Error("the envelope is not in canonical form"); }
        const signed = V.enc.encode(envelopeText.slice(0, envelopeText.length - tail.length) + "}");
        if (!(await V.ed25519Verify(V.b64(envelope.public_key), V.b64(envelope.signature), V.concat(V.enc.encode(context), signed)))) {
          throw new Error("the envelope's signature does not verify");
        }
        done.push("Ed25519: envelope signed by " + party.name + "'s key.");
        sender = envelope.sender;
        const label = envelope.object || envelope.label;
        objectId = label.id; objectType = label.type;
        const envelopeHash = V.hex(await V.sha256(envelopeBytes));
        if (leafLines[0] !== "entente-exchange-entry/v1" || !leafLines.includes("sender " + sender)
            || !leafLines.some(l => l.startsWith("object " + objectId + " ")) || !leafLines.includes("envelope " + envelopeHash)) {
          throw new Error("the exchange leaf does not describe this envelope");
        }
      }
      const boardEntry = V.b64(data.board_entry);
      const boardText = new TextDecoder().decode(boardEntry);
      const leafHash = V.hex(await V.sha256(leaf));
      if (!boardText.startsWith("entente.org/entry/v1\ntype exchange." + objectType + "\nsha256 " + leafHash + "\n")) {
        throw new Error("board entry " + data.board_index + " does not commit to this message");
      }
      done.push("SHA-256: " + (data.envelope == null ? "" : "envelope → ") + "exchange leaf → board entry " + data.board_index + ".");
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

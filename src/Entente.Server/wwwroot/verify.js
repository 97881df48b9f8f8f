// Entente browser verification library: WebCrypto only (SHA-256, Ed25519), no server trusted.
// Used by ballot-check.js and incident-check.js. Keys are pinned from the page (witness policy).
"use strict";
window.EntenteVerify = (function () {
  const enc = new TextEncoder();

  function b64(s) { return Uint8Array.from(atob(s), c => c.charCodeAt(0)); }
  function hex(bytes) { return Array.from(bytes, b => b.toString(16).padStart(2, "0")).join(""); }
  function unhex(s) {
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) { throw new Error("not hex: " + s); }
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) { out[i] = parseInt(s.substr(2 * i, 2), 16); }
    return out;
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }

  // A C2SP vkey: name+hexkeyid+base64(type || 32-byte public key).
  function parseVkey(vkey) {
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey);
    if (!m) { throw new Error("bad verifier key " + vkey); }
    const raw = b64(m[3]);
    if (raw.length !== 33) { throw new Error("verifier key " + m[1] + " is not an Ed25519 key"); }
    return { name: m[1], keyId: m[2], type: raw[0], publicKey: raw.slice(1) };
  }

  // The witness policy (C2SP tlog-policy): "log <vkey>", "witness <name> <vkey>", "group <name> <k|all|any> <members…>",
  // "quorum <name|none>". Without a quorum line every witness must cosign.
  function parsePolicy(text) {
    const policy = { log: null, witnesses: [], groups: {}, quorum: null };
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f[0] === "log") { policy.log = parseVkey(f[1]); }
      if (f[0] === "witness") { policy.witnesses.push({ policyName: f[1], key: parseVkey(f[2]) }); }
      if (f[0] === "group") { policy.groups[f[1]] = { threshold: f[2], members: f.slice(3) }; }
      if (f[0] === "quorum") { policy.quorum = f[1]; }
    }
    if (!policy.log) { throw new Error("the page names no log key"); }
    return policy;
  }

  // Whether the witnesses in cosigned (a Set of policy names) satisfy the policy node name.
  function satisfies(policy, name, cosigned, depth) {
    if (depth > 16) { throw new Error("the policy's groups nest too deeply"); }
    if (name === "none") { return true; }
    if (policy.witnesses.some(w => w.policyName === name)) { return cosigned.has(name); }
    const group = policy.groups[name];
    if (!group) { throw new Error("the policy names an unknown witness or group " + name); }
    const met = group.members.filter(m => satisfies(policy, m, cosigned, depth + 1)).length;
    const need = group.threshold === "all" ? group.members.length : group.threshold === "any" ? 1 : Number(group.threshold);
    return met >= need;
  }

  // C2SP signed note: text, blank line, signature lines "— name base64(keyid || signature)".
  function parseNote(note) {
    const split = note.indexOf("\n\n");
    if (split < 0) { throw new Error("not a signed note"); }
    const text = note.slice(0, split + 1);
    const signatures = [];
    for (const line of note.slice(split + 2).split("\n")) {
      if (!line) { continue; }
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) { throw new Error("bad signature line: " + line); }
      const raw = b64(m[2]);
      signatures.push({ name: m[1], keyId: hex(raw.slice(0, 4)), body: raw.slice(4) });
    }
    return { text, signatures };
  }

  async function ed25519Verify(publicKey, signature, message) {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  }

  // RFC 9162 §2.1.3.2: the root an inclusion proof leads to from a leaf at index in a tree of size.
  async function rootFromInclusionProof(index, size, leafHash, proof) {
    if (index >= size) { throw new Error("index " + index + " is outside the tree of size " + size); }
    let fn = index, sn = size - 1, r = leafHash;
    for (const p of proof) {
      if (sn === 0) { throw new Error("the proof is longer than the tree allows"); }
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat(Uint8Array.of(1), p, r));
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(concat(Uint8Array.of(1), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) { throw new Error("the proof is too short for the tree"); }
    return r;
  }

  // Checks that entry (bytes) at index is in the checkpoint (signed note text) and that the
  // checkpoint is signed by the policy's log key and cosigned by every policy witness.
  // Returns the lines of what was verified; throws with what failed.
  async function verifyInclusionAndCheckpoint(entry, index, proofHex, checkpoint, policy, done) {
    const note = parseNote(checkpoint);
    const lines = note.text.split("\n");
    const size = Number(lines[1]);
    const root = b64(lines[2]);
    const leaf = await sha256(concat(Uint8Array.of(0), entry));
    const proof = proofHex.map(unhex);
    const computed = await rootFromInclusionProof(index, size, leaf, proof);
    if (!equal(computed, root)) {
      throw new Error("the inclusion proof does not lead to the checkpoint's root: computed " + hex(computed) + ", checkpoint says " + hex(root));
    }
    done.push("SHA-256: the entry's leaf hash and the " + proof.length + "-hash inclusion proof give root " + hex(root) + ", the root of the checkpoint of size " + size + " (" + lines[0] + ").");
    const textBytes = enc.encode(note.text);
    const logSig = note.signatures.find(s => s.name === policy.log.name && s.keyId === policy.log.keyId);
    if (!logSig || !(await ed25519Verify(policy.log.publicKey, logSig.body, textBytes))) {
      throw new Error("the checkpoint is not signed by the board's log key " + policy.log.name);
    }
    done.push("Ed25519: the checkpoint is signed by the board's log key " + policy.log.name + "+" + policy.log.keyId + ".");
    const cosigned = new Set();
    for (const w of policy.witnesses) {
      const s = note.signatures.find(x => x.name === w.key.name && x.keyId === w.key.keyId);
      if (!s) { continue; }
      if (s.body.length !== 72) { throw new Error("the cosignature of witness " + w.key.name + " is malformed"); }
      const time = new DataView(s.body.buffer, s.body.byteOffset, 8).getBigUint64(0);
      const message = concat(enc.encode("cosignature/v1\ntime " + time.toString() + "\n"), textBytes);
      if (!(await ed25519Verify(w.key.publicKey, s.body.slice(8), message))) {
        throw new Error("the cosignature of witness " + w.key.name + " is invalid");
      }
      cosigned.add(w.policyName);
      done.push("Ed25519: witness " + w.key.name + " cosigned it at " + new Date(Number(time) * 1000).toISOString() + ".");
    }
    const quorum = policy.quorum === null ? null : policy.quorum;
    const met = quorum === null ? policy.witnesses.every(w => cosigned.has(w.policyName)) : satisfies(policy, quorum, cosigned, 0);
    if (!met) {
      const missing = policy.witnesses.filter(w => !cosigned.has(w.policyName)).map(w => w.policyName + " (" + w.key.name + ")");
      throw new Error("the checkpoint lacks the witnesses the policy requires: no cosignature from " + missing.join(", "));
    }
    if (policy.witnesses.length === 0 || quorum === "none") {
      done.push("This board's policy requires no witness cosignature: only its log key vouches for the checkpoint.");
    }
    return { size, root };
  }

  return { enc, b64, hex, unhex, concat, equal, sha256, parseVkey, parsePolicy, parseNote, ed25519Verify, rootFromInclusionProof, verifyInclusionAndCheckpoint };
})();

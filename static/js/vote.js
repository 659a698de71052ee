/* The vote button: sends the vote with fetch and updates the count and the votes left in place.
 *
 * Without this script the button is a plain form post that comes back to the entry page with a
 * message. When the server asks for a browser check (HTTP 428 with {challenge, bits}), the script
 * shows "Checking your browser…", finds a nonce such that SHA-256(challenge + ":" + nonce) starts
 * with `bits` zero bits (crypto.subtle, or a small built-in SHA-256 where the page is not served
 * over HTTPS), and sends the vote again with the challenge and the nonce. */
(function () {
  "use strict";

  const form = document.querySelector("form[data-vote-form]");
  if (!form || !window.fetch) return;
  const box = form.closest(".vote-box") || document;
  const button = form.querySelector("[data-vote-button]");
  const statusLine = box.querySelector("[data-vote-status]");
  const data = form.dataset;
  const encoder = new TextEncoder();
  const BATCH = 512;

  function show(text) {
    if (statusLine) statusLine.textContent = text || "";
  }

  function leadingZeroBits(bytes, bits) {
    let i = 0;
    for (; bits >= 8; bits -= 8, i++) if (bytes[i] !== 0) return false;
    return bits === 0 || bytes[i] >> (8 - bits) === 0;
  }

  /* ------------------------------------------------------------------ SHA-256 without crypto.subtle */

  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ]);

  function sha256(message) {
    const length = message.length;
    const blocks = ((length + 9 + 63) >> 6) << 6;
    const padded = new Uint8Array(blocks);
    padded.set(message);
    padded[length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(blocks - 4, length * 8);
    const h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    const w = new Uint32Array(64);
    const rotr = function (x, n) {
      return (x >>> n) | (x << (32 - n));
    };
    for (let offset = 0; offset < blocks; offset += 64) {
      for (let t = 0; t < 16; t++) w[t] = view.getUint32(offset + t * 4);
      for (let t = 16; t < 64; t++) {
        const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
      }
      let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let t = 0; t < 64; t++) {
        const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]);
    return out;
  }

  /* ------------------------------------------------------------------ the proof of work */

  const subtle = window.crypto && window.crypto.subtle;

  /** A nonce such that SHA-256(challenge + ":" + nonce) starts with `bits` zero bits. */
  async function solve(challenge, bits) {
    const prefix = challenge + ":";
    for (let start = 0; ; start += BATCH) {
      if (subtle) {
        const digests = [];
        for (let n = start; n < start + BATCH; n++) digests.push(subtle.digest("SHA-256", encoder.encode(prefix + n)));
        const results = await Promise.all(digests);
        for (let i = 0; i < results.length; i++) {
          if (leadingZeroBits(new Uint8Array(results[i]), bits)) return String(start + i);
        }
      } else {
        for (let n = start; n < start + BATCH; n++) {
          if (leadingZeroBits(sha256(encoder.encode(prefix + n)), bits)) return String(n);
        }
        await new Promise(function (resolve) { setTimeout(resolve, 0); }); // keep the page responsive
      }
    }
  }

  /* ------------------------------------------------------------------ sending */

  async function send(extra) {
    const body = new FormData(form);
    if (extra) Object.keys(extra).forEach(function (key) { body.set(key, extra[key]); });
    const response = await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": data.csrf },
      body: body,
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    return { status: response.status, payload: payload || {} };
  }

  function showState(state) {
    if (!state) return;
    const count = box.querySelector("[data-vote-count]");
    if (count && typeof state.count === "number") count.textContent = String(state.count);
    if (button) button.disabled = !state.can_vote && !state.needs_login;
    show(state.summary);
  }

  async function vote() {
    button.disabled = true;
    show(data.msgSending);
    let result = await send(null);
    for (let tries = 0; result.status === 428 && result.payload.challenge && tries < 3; tries++) {
      show(data.msgChecking);
      const nonce = await solve(result.payload.challenge, result.payload.bits);
      show(data.msgSending);
      result = await send({ challenge: result.payload.challenge, nonce: nonce });
    }
    const payload = result.payload;
    if (result.status === 401 && payload.login_url) {
      window.location.href = payload.login_url;
      return;
    }
    if (payload.state) showState(payload.state);
    else button.disabled = false;
    if (result.status === 200) show(payload.message + " " + (payload.state ? payload.state.summary : ""));
    else show(payload.error ? payload.error.message : data.msgFailed);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    vote().catch(function () {
      button.disabled = false;
      show(data.msgFailed);
    });
  });
})();

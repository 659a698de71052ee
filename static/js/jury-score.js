/* The blind scoring screen: autosave, keyboard shortcuts, zoom and full screen.
 *
 * Without this script the page is a plain form that posts to the same address. With it, every
 * change is sent as JSON to data-save-url (X-CSRFToken header) and the status line says
 * "Saving…", "Saved" or "Not saved — retry". Keys: digits score the highlighted criterion
 * ("1","0" = 10; a full stop adds a half: "7." = 7.5), ↑/↓ choose the criterion, ←/→ previous/next
 * entry, U next unscored, Y/N/M verdicts, Z zoom, F full screen, Del clears a score. */
(function () {
  "use strict";

  const root = document.getElementById("jury-screen");
  if (!root) return;

  const data = root.dataset;
  const editable = data.editable === "1";
  const form = document.getElementById("jury-form");
  const statusLine = document.getElementById("jury-save-status");
  const retryButton = document.getElementById("jury-retry");
  const criteria = Array.from(root.querySelectorAll(".jury-criterion"));
  const scale = { min: Number(data.scaleMin), max: Number(data.scaleMax), step: Number(data.scaleStep) };
  const TYPING_PAUSE_MS = 1200;
  const TEXT_PAUSE_MS = 800;

  let pending = null; // changes not yet sent
  let inflight = null; // the request under way
  let saveTimer = null;
  let failed = false;

  /* ------------------------------------------------------------------ saving */

  function merge(into, change) {
    const result = into || {};
    for (const key of ["scores", "criterion_comments"]) {
      if (change[key]) result[key] = Object.assign(result[key] || {}, change[key]);
    }
    for (const key of ["comment", "verdict"]) {
      if (key in change) result[key] = change[key];
    }
    return result;
  }

  function showStatus(text, state) {
    statusLine.textContent = text;
    statusLine.classList.toggle("is-saved", state === "saved");
    statusLine.classList.toggle("is-failed", state === "failed");
    retryButton.hidden = state !== "failed";
  }

  function showProgress(progress) {
    if (!progress) return;
    const bar = document.getElementById("jury-progress-bar");
    bar.max = progress.total || 1;
    bar.value = progress.done;
    document.getElementById("jury-progress-text").textContent = progress.done + " / " + progress.total;
  }

  function queue(change, delay) {
    if (!editable) return;
    pending = merge(pending, change);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(flush, delay || 0);
  }

  async function send(body) {
    const response = await fetch(data.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": data.csrf },
      body: JSON.stringify(body),
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    return { status: response.status, payload: payload };
  }

  /** Send what is pending (after the request under way, if any); resolves true when all is saved. */
  async function flush() {
    clearTimeout(saveTimer);
    if (inflight) await inflight.catch(function () {});
    if (!pending) return !failed;
    const body = pending;
    pending = null;
    showStatus(data.msgSaving, "saving");
    inflight = send(body);
    try {
      const result = await inflight;
      if (result.status === 200) {
        failed = false;
        showProgress(result.payload && result.payload.progress);
        showStatus(pending ? data.msgSaving : data.msgSaved, "saved");
        return true;
      }
      const message = result.payload && result.payload.error ? result.payload.error.message : "";
      if (result.status !== 422) pending = merge(body, pending || {}); // a refused value is not retried
      failed = true;
      showStatus(data.msgFailed + (message ? " — " + message : ""), "failed");
      return false;
    } catch (error) {
      pending = merge(body, pending || {});
      failed = true;
      showStatus(data.msgFailed, "failed");
      return false;
    } finally {
      inflight = null;
    }
  }

  async function go(url) {
    if (!url) return;
    const saved = await flush();
    if (saved || window.confirm(data.msgUnsaved)) window.location.href = url;
  }

  /* ------------------------------------------------------------------ criteria */

  let active = 0;
  let typed = "";
  let typedTimer = null;

  function focusCriterion(index, moveFocus) {
    if (!criteria.length) return;
    active = Math.max(0, Math.min(criteria.length - 1, index));
    criteria.forEach(function (c, i) {
      c.classList.toggle("is-focused", i === active);
    });
    typed = "";
    if (moveFocus) {
      const target = criteria[active].querySelector("input:checked") || criteria[active].querySelector("input");
      if (target) target.focus({ preventScroll: false });
    }
  }

  function onScale(value) {
    if (!Number.isFinite(value) || value < scale.min || value > scale.max) return false;
    const steps = (value - scale.min) / scale.step;
    return Math.abs(steps - Math.round(steps)) < 1e-9 * Math.max(1, steps);
  }

  function parseTyped(text) {
    if (text.endsWith(".")) {
      const whole = text.slice(0, -1);
      if (!/^\d+$/.test(whole)) return null;
      const half = Number(whole) + 0.5;
      return onScale(half) ? half : null;
    }
    const value = Number(text);
    return /^\d+(\.\d+)?$/.test(text) && onScale(value) ? value : null;
  }

  function setScore(criterion, value, delay) {
    const id = criterion.dataset.criterionId;
    const radios = criterion.querySelectorAll('input[type="radio"]');
    if (radios.length) {
      radios.forEach(function (radio) {
        radio.checked =
          value === null ? radio.value === "" : radio.value !== "" && Math.abs(Number(radio.value) - value) < 1e-9;
      });
    } else {
      criterion.querySelector('input[type="number"]').value = value === null ? "" : String(value);
    }
    const change = { scores: {} };
    change.scores[id] = value;
    queue(change, delay);
  }

  function typeDigit(ch) {
    if (!criteria.length || !editable) return;
    clearTimeout(typedTimer);
    let candidate = typed + ch;
    let value = parseTyped(candidate);
    if (value === null && /\d/.test(ch)) {
      candidate = ch;
      value = parseTyped(candidate);
    }
    typed = candidate;
    typedTimer = setTimeout(function () {
      typed = "";
    }, TYPING_PAUSE_MS);
    if (value !== null) setScore(criteria[active], value, 500);
  }

  criteria.forEach(function (criterion, index) {
    criterion.addEventListener("focusin", function () {
      if (active !== index) focusCriterion(index, false);
    });
    criterion.addEventListener("click", function () {
      if (active !== index) focusCriterion(index, false);
    });
    criterion.addEventListener("change", function (event) {
      const input = event.target;
      if (!input.name || !input.name.startsWith("score-")) return;
      if (input.type === "number" && input.value !== "" && !onScale(Number(input.value))) return;
      setScore(criterion, input.value === "" ? null : Number(input.value), 0);
    });
  });

  /* ------------------------------------------------------------------ comments and verdicts */

  root.querySelectorAll("textarea[data-criterion-comment]").forEach(function (area) {
    area.addEventListener("input", function () {
      const change = { criterion_comments: {} };
      change.criterion_comments[area.dataset.criterionComment] = area.value;
      queue(change, TEXT_PAUSE_MS);
    });
  });
  const entryComment = root.querySelector("textarea[data-entry-comment]");
  if (entryComment) {
    entryComment.addEventListener("input", function () {
      queue({ comment: entryComment.value }, TEXT_PAUSE_MS);
    });
  }

  const verdictButtons = Array.from(root.querySelectorAll(".jury-verdict"));
  function chooseVerdict(value) {
    if (!editable) return;
    verdictButtons.forEach(function (button) {
      const chosen = button.value === value;
      button.classList.toggle("is-chosen", chosen);
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
    });
    queue({ verdict: value }, 0);
  }
  verdictButtons.forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      chooseVerdict(button.value);
    });
  });

  if (form && editable) {
    root.classList.add("has-autosave");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      flush();
    });
  }
  retryButton.addEventListener("click", function () {
    flush();
  });

  /* ------------------------------------------------------------------ zoom and full screen */

  const frames = Array.from(root.querySelectorAll(".jury-zoom-frame"));
  function setOrigin(frame, event) {
    const image = frame.querySelector("img");
    const box = image.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * 100;
    const y = ((event.clientY - box.top) / box.height) * 100;
    image.style.transformOrigin = Math.max(0, Math.min(100, x)) + "% " + Math.max(0, Math.min(100, y)) + "%";
  }
  function toggleZoom(frame, event) {
    const zoomed = !frame.classList.contains("is-zoomed");
    frames.forEach(function (f) {
      f.classList.remove("is-zoomed");
    });
    if (zoomed) {
      if (event && event.clientX !== undefined) setOrigin(frame, event);
      else frame.querySelector("img").style.transformOrigin = "50% 50%";
      frame.classList.add("is-zoomed");
    }
  }
  frames.forEach(function (frame) {
    frame.addEventListener("click", function (event) {
      toggleZoom(frame, event);
    });
    frame.addEventListener("pointermove", function (event) {
      if (frame.classList.contains("is-zoomed")) setOrigin(frame, event);
    });
  });
  function visibleFrame() {
    return (
      frames.find(function (frame) {
        const box = frame.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight;
      }) || frames[0]
    );
  }
  const zoomButton = document.getElementById("jury-zoom");
  if (frames.length) {
    zoomButton.hidden = false;
    zoomButton.addEventListener("click", function () {
      toggleZoom(visibleFrame(), null);
    });
  }
  const media = document.getElementById("jury-media");
  const fullscreenButton = document.getElementById("jury-fullscreen");
  function toggleFullscreen() {
    if (!document.fullscreenEnabled) return;
    if (document.fullscreenElement) document.exitFullscreen();
    else media.requestFullscreen();
  }
  if (document.fullscreenEnabled) {
    fullscreenButton.hidden = false;
    fullscreenButton.addEventListener("click", toggleFullscreen);
  }

  /* ------------------------------------------------------------------ keyboard */

  function link(id) {
    const element = document.getElementById(id);
    return element ? element.href : null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "radio");
    if (typing) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (target.tagName === "SUMMARY" || (target.tagName === "BUTTON" && event.key === "Enter")) return;
    const key = event.key;
    let handled = true;
    if (/^[0-9]$/.test(key) || key === "." || key === ",") typeDigit(key === "," ? "." : key);
    else if (key === "ArrowDown") focusCriterion(active + 1, true);
    else if (key === "ArrowUp") focusCriterion(active - 1, true);
    else if (key === "ArrowLeft") go(link("jury-prev"));
    else if (key === "ArrowRight") go(link("jury-next"));
    else if (key === "u" || key === "U") go(link("jury-next-unscored"));
    else if ((key === "Delete" || key === "Backspace") && criteria.length && editable) setScore(criteria[active], null, 0);
    else if (key === "z" || key === "Z") {
      if (frames.length) toggleZoom(visibleFrame(), null);
    } else if (key === "f" || key === "F") toggleFullscreen();
    else if (key === "Escape") frames.forEach(function (f) { f.classList.remove("is-zoomed"); });
    else {
      const button = verdictButtons.find(function (b) {
        return b.dataset.key === key.toLowerCase();
      });
      if (button) chooseVerdict(button.value);
      else handled = false;
    }
    if (handled) event.preventDefault();
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending || inflight) event.preventDefault();
  });

  focusCriterion(0, false);
})();

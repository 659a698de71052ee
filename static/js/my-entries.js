/* "My entries" and the entry page: follow entries whose files are still being processed.
 *
 * While any entry on the page is "submitted" (files being processed), ask the entries API
 * now and then and update its status, timeline and files in place; stop once none is.
 */
(function () {
  "use strict";

  const root = document.getElementById("entry-list");
  if (!root || !root.dataset.statusUrl || !window.fetch) {
    return;
  }
  const announcer = document.getElementById("entry-announcer");
  const POLL_FIRST_MS = 2000;
  const POLL_MAX_MS = 15000;
  let wait = POLL_FIRST_MS;

  function cards() {
    return Array.from(root.querySelectorAll("[data-code]"));
  }

  function waiting() {
    return cards().some((card) => card.dataset.status === "submitted");
  }

  function updateSteps(card, steps) {
    const list = card.querySelector(".steps");
    if (!list) {
      return;
    }
    const hidden = { current: list.dataset.currentLabel, done: list.dataset.doneLabel };
    // Rebuilt whole: the number of steps changes too (a withdrawn entry has a single one).
    list.replaceChildren(
      ...steps.map((step) => {
        const item = document.createElement("li");
        item.className = "step step--" + step.state;
        item.textContent = step.label;
        if (hidden[step.state]) {
          const note = document.createElement("span");
          note.className = "visually-hidden";
          note.textContent = " (" + hidden[step.state] + ")";
          item.appendChild(note);
        }
        return item;
      })
    );
  }

  function updateFiles(card, files) {
    const list = document.querySelector('[data-entry-files="' + card.dataset.code + '"]');
    if (!list) {
      return;
    }
    files.forEach((file) => {
      const item = list.querySelector('[data-asset-id="' + file.asset_id + '"]');
      if (!item) {
        return;
      }
      item.className = "entry-file entry-file--" + file.state;
      item.querySelector(".entry-file-state").textContent = file.state_label;
      let message = item.querySelector(".error");
      if (file.message && !message) {
        message = document.createElement("p");
        message.className = "error";
        item.appendChild(message);
      }
      if (message) {
        message.textContent = file.message || "";
      }
    });
  }

  function updateThumb(card, thumb) {
    const box = card.querySelector(".entry-thumb");
    if (box && thumb && !box.querySelector("img")) {
      const img = document.createElement("img");
      img.src = thumb.url;
      img.alt = "";
      img.width = thumb.width;
      img.height = thumb.height;
      box.appendChild(img);
    }
  }

  function apply(entries) {
    const byCode = new Map(entries.map((entry) => [entry.code, entry]));
    cards().forEach((card) => {
      const entry = byCode.get(card.dataset.code);
      if (!entry) {
        return;
      }
      const changed = entry.status !== card.dataset.status;
      card.dataset.status = entry.status;
      // A copy: removing from the live list while walking it would skip the next name.
      Array.from(card.classList).forEach((name) => {
        if (name.indexOf("entry-card--") === 0) {
          card.classList.remove(name);
        }
      });
      card.classList.add("entry-card--" + entry.status);
      card.querySelector("[data-entry-status]").textContent = entry.status_label;
      updateSteps(card, entry.steps);
      updateFiles(card, entry.files);
      updateThumb(card, entry.thumbnail);
      if (changed && announcer) {
        announcer.textContent = entry.code + ": " + entry.status_label;
      }
    });
  }

  async function poll() {
    if (!waiting()) {
      return;
    }
    try {
      const response = await fetch(root.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        apply(await response.json());
      }
    } catch (error) {
      /* offline for a moment: ask again later */
    }
    wait = Math.min(POLL_MAX_MS, Math.round(wait * 1.5));
    window.setTimeout(poll, wait);
  }

  window.setTimeout(poll, POLL_FIRST_MS);
})();
